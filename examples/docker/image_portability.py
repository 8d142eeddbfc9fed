"""Portability: an image is a file you can carry; loaded elsewhere it is the same image.

A container image is a stack of filesystem layers plus a JSON configuration. What its id is
depends on the engine's image store: on the classic store (a graph driver such as
``overlay2``) the id is the digest of the configuration; on the containerd image store, the
default for fresh installs since Docker Engine 29, it is the digest of the image's manifest
or index. This script builds a tiny image from ``busybox`` (the build context is made in
memory: just a Dockerfile), saves it to a tar archive as ``docker save`` does, says which
store the engine uses and whether the id is the configuration's digest, deletes the image
from the engine, loads the archive back (``docker load``) and checks that the id is
unchanged. Then it runs the loaded image. Copy the same tar to any other Linux machine with
the same kind of image store and ``docker load`` gives you the same id there.

Run it on a machine with a Docker engine (image and container are labelled and always
removed):

    python image_portability.py
"""

from __future__ import annotations

import io
import json
import sys
import tarfile
import tempfile
from pathlib import Path

import docker
from docker.errors import DockerException, ImageNotFound

LABELS = {"cloudnotes.example": "docker/image_portability"}
GONE = "the Docker engine stopped answering"
TAG = "cloudnotes-portability:example"
DOCKERFILE = """\
FROM busybox
RUN echo "built once, runs wherever it is loaded" > /message.txt
CMD ["cat", "/message.txt"]
"""


def build_image(client: docker.DockerClient):
    """Build the image from an in-memory Dockerfile, removing intermediate containers.

    Args:
        client: A connected Docker SDK client.

    Returns:
        The built image (tagged :data:`TAG`, labelled :data:`LABELS`).
    """
    image, _logs = client.images.build(fileobj=io.BytesIO(DOCKERFILE.encode()), tag=TAG,
                                       labels=LABELS, rm=True, forcerm=True)
    return image


def save_image(image, path: Path) -> dict:
    """Write the image to a tar archive (``docker save``) and read back its manifest entry.

    Args:
        image: The image to save.
        path: Where to write the archive.

    Returns:
        The image's entry in the archive's ``manifest.json`` (``Config``, ``RepoTags``,
        ``Layers``).
    """
    with path.open("wb") as out:
        for chunk in image.save(named=True):
            out.write(chunk)
    with tarfile.open(path) as tar:
        manifest = json.load(tar.extractfile("manifest.json"))
    return manifest[0]


def config_digest(entry: dict) -> str:
    """The digest of the image's configuration, from its ``manifest.json`` entry.

    Args:
        entry: One entry of a ``docker save`` archive's ``manifest.json``. The classic store
            names the configuration ``<hex>.json``; the containerd image store writes an OCI
            layout and names it ``blobs/sha256/<hex>``.
    """
    return "sha256:" + entry["Config"].rsplit("/", 1)[-1].removesuffix(".json")


def image_store(info: dict) -> str:
    """Which image store the engine uses, from ``docker info`` (``client.info()``).

    Args:
        info: The engine's ``/info`` answer. The containerd image store reports the
            ``driver-type`` ``io.containerd.snapshotter.v1`` in ``DriverStatus``.

    Returns:
        ``containerd image store`` or ``classic store``, with the storage driver's name.
    """
    for key, value in info.get("DriverStatus") or []:
        if key == "driver-type" and value == "io.containerd.snapshotter.v1":
            return f"containerd image store ({info.get('Driver')})"
    return f"classic store ({info.get('Driver')})"


def remove_image(client: docker.DockerClient, image_id: str) -> bool:
    """Delete the image from the engine and confirm it is gone.

    Args:
        client: A connected Docker SDK client.
        image_id: The id of the image to delete.

    Returns:
        ``True`` when the engine no longer knows the id.
    """
    client.images.remove(TAG)
    try:
        client.images.get(image_id)
    except ImageNotFound:
        return True
    return False


def load_image(client: docker.DockerClient, path: Path):
    """Load an image archive into the engine (``docker load``).

    Args:
        client: A connected Docker SDK client.
        path: The archive written by :func:`save_image`.

    Returns:
        The loaded image.
    """
    return client.images.load(path.read_bytes())[0]


def run_image(client: docker.DockerClient, image) -> str:
    """Run the image's default command once and return what it printed.

    Args:
        client: A connected Docker SDK client.
        image: The image to run.
    """
    container = client.containers.create(image.id, labels=LABELS)
    container.start()
    container.wait(timeout=60)
    return container.logs().decode().strip()


def cleanup(client: docker.DockerClient) -> None:
    """Remove every container and image this example labelled.

    Args:
        client: A connected Docker SDK client.
    """
    label = ",".join(f"{k}={v}" for k, v in LABELS.items())
    for container in client.containers.list(all=True, filters={"label": label}):
        container.remove(force=True)
    for image in client.images.list(filters={"label": label}):
        client.images.remove(image.id, force=True)


def explain(exc: Exception, client: docker.DockerClient) -> str:
    """Say in one line what went wrong, and first of all whether the engine stopped answering.

    Args:
        exc: What the Docker SDK raised (an OSError from requests once the engine is gone).
        client: The client, to ask the engine whether it still answers.

    Returns:
        A one-line reason.
    """
    reason = " ".join(str(exc).split())
    try:
        client.ping()
    except (DockerException, OSError):
        return f"{GONE} ({reason})"
    return reason


def clean_up(client: docker.DockerClient, problems: list[str]) -> None:
    """Run cleanup() as guarded as the rest: when the engine does not answer, name what is
    left over instead of raising (any later run of this example removes it, as cleanup()
    removes everything that carries the label).

    Args:
        client: A connected Docker SDK client.
        problems: The error lines so far; the cleanup's own is added to them.
    """
    try:
        cleanup(client)
    except (DockerException, OSError) as exc:
        reason = explain(exc, client)
        if reason.startswith(GONE) and any(p.startswith(GONE) for p in problems):
            reason = f"{GONE} either"  # said once is enough
        label = ",".join(f"{k}={v}" for k, v in LABELS.items())
        problems.append(f"left over: what is labelled {label} ({reason})")


def main() -> int:
    """Build, save, delete, load and run the image; print the ids along the way."""
    try:
        client = docker.from_env()
    except DockerException as exc:
        print(f"error: no Docker engine answers ({' '.join(str(exc).split())})", file=sys.stderr)
        return 1
    problems: list[str] = []
    try:
        built = build_image(client)
        print(f"built {TAG} from an in-memory Dockerfile: {built.id}")
        with tempfile.TemporaryDirectory(prefix="cloudnotes-") as tmp:
            archive = Path(tmp) / "image.tar"
            entry = save_image(built, archive)
            size_kib = archive.stat().st_size / 1024
            print(f"saved to {archive.name}: {size_kib:.0f} KiB, {len(entry['Layers'])} layers")
            is_config = built.id == config_digest(entry)
            what = "the config digest" if is_config else "the manifest or index digest"
            print(f"engine image store: {image_store(client.info())}; the id is {what}")
            gone = remove_image(client, built.id)
            print(f"removed from the engine: {'yes, the id is unknown now' if gone else 'NO'}")
            loaded = load_image(client, archive)
        print(f"loaded back: {', '.join(loaded.tags)} {loaded.id}")
        print(f"same image id: {loaded.id == built.id}")
        print(f"running it prints: {run_image(client, loaded)}")
    except (DockerException, OSError) as exc:
        problems.append(explain(exc, client))
    finally:
        clean_up(client, problems)
    if problems:
        print("error: " + "; ".join(problems), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
