"""Portability: an image is a file you can carry; loaded elsewhere it is the same image.

A container image is a stack of filesystem layers plus a JSON configuration, and its id is
the digest of that configuration. This script builds a tiny image from ``busybox`` (the
build context is made in memory: just a Dockerfile), saves it to a tar archive as ``docker
save`` does, deletes it from the engine, loads the archive back (``docker load``) and
checks that the id is unchanged. Then it runs the loaded image. Copy the same tar to any
other Linux machine with Docker and ``docker load`` gives you the same id there.

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


def save_image(image, path: Path) -> list[str]:
    """Write the image to a tar archive (``docker save``) and read back its manifest.

    Args:
        image: The image to save.
        path: Where to write the archive.

    Returns:
        The layer entries listed in the archive's ``manifest.json``.
    """
    with path.open("wb") as out:
        for chunk in image.save(named=True):
            out.write(chunk)
    with tarfile.open(path) as tar:
        manifest = json.load(tar.extractfile("manifest.json"))
    return manifest[0]["Layers"]


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


def main() -> int:
    """Build, save, delete, load and run the image; print the ids along the way."""
    try:
        client = docker.from_env()
    except DockerException as exc:
        print(f"error: no Docker engine answers ({' '.join(str(exc).split())})", file=sys.stderr)
        return 1
    try:
        built = build_image(client)
        print(f"built {TAG} from an in-memory Dockerfile: {built.id}")
        with tempfile.TemporaryDirectory(prefix="cloudnotes-") as tmp:
            archive = Path(tmp) / "image.tar"
            layers = save_image(built, archive)
            size_kib = archive.stat().st_size / 1024
            print(f"saved to {archive.name}: {size_kib:.0f} KiB, {len(layers)} layers")
            gone = remove_image(client, built.id)
            print(f"removed from the engine: {'yes, the id is unknown now' if gone else 'NO'}")
            loaded = load_image(client, archive)
        print(f"loaded back: {', '.join(loaded.tags)} {loaded.id}")
        print(f"same image id: {loaded.id == built.id}")
        print(f"running it prints: {run_image(client, loaded)}")
        return 0
    except DockerException as exc:
        print(f"error: {' '.join(str(exc).split())}", file=sys.stderr)
        return 1
    finally:
        cleanup(client)


if __name__ == "__main__":
    sys.exit(main())
