"""The shared kernel: every container runs on the host's kernel, whatever its image holds.

An image carries a user space (programs and libraries) but no kernel. A container is a
group of host processes, so ``uname -r`` inside prints the host's kernel release: the same
for a ``busybox`` and a ``python:3.11-slim`` container, although their user spaces differ.
That is also the limit: a Linux engine runs only images built for Linux (``Os`` in the image
metadata must match the engine's ``OSType``), because there is no other kernel to run them
on. Windows or BSD software needs a VM, which brings its own kernel.

Run it on the machine that runs the Docker engine (the containers are labelled and always
removed; run elsewhere, the host kernel printed is the client's, not the engine's):

    python shared_kernel.py
"""

from __future__ import annotations

import platform
import sys

import docker
from docker.errors import DockerException

LABELS = {"cloudnotes.example": "docker/shared_kernel"}
GONE = "the Docker engine stopped answering"
# For each image: a command printing the kernel release, then a line naming its user space.
PROBES = {
    "busybox": ["sh", "-c", "uname -r; busybox | head -n 1 | cut -d ' ' -f 1-2"],
    "python:3.11-slim": ["python", "-c",
                         "import platform, sys; print(platform.release());"
                         " print('Python', sys.version.split()[0])"],
}


def run_probe(client: docker.DockerClient, image: str, command: list[str]) -> tuple[str, str]:
    """Run a probe command in a container and split its output.

    Args:
        client: A connected Docker SDK client.
        image: The image to run.
        command: A command that prints the kernel release, then its user space's name.

    Returns:
        The kernel release seen inside and the name of the image's user space.
    """
    container = client.containers.create(image, command, labels=LABELS)
    container.start()
    container.wait(timeout=60)
    kernel, userland = container.logs().decode().strip().splitlines()[:2]
    return kernel, userland


def image_os(client: docker.DockerClient, image: str) -> str:
    """Return the operating system an image was built for (its ``Os`` metadata field).

    Args:
        client: A connected Docker SDK client.
        image: The image name.
    """
    return client.images.get(image).attrs.get("Os", "?")


def cleanup(client: docker.DockerClient) -> None:
    """Remove every container this example labelled, whatever state it is in.

    Args:
        client: A connected Docker SDK client.
    """
    label = ",".join(f"{k}={v}" for k, v in LABELS.items())
    for container in client.containers.list(all=True, filters={"label": label}):
        container.remove(force=True)


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
    """Compare the kernel release inside two different images with the host's one."""
    try:
        client = docker.from_env()
    except DockerException as exc:
        print(f"error: no Docker engine answers ({' '.join(str(exc).split())})", file=sys.stderr)
        return 1
    problems: list[str] = []
    try:
        host = platform.release()
        print(f"host: {platform.system()} kernel release {host}")
        print(f"engine OSType: {client.info()['OSType']}")
        for image, command in PROBES.items():
            kernel, userland = run_probe(client, image, command)
            verdict = "same kernel as the host" if kernel == host else "DIFFERENT kernel"
            print(f"{image}: image Os={image_os(client, image)}, user space {userland}, "
                  f"kernel release {kernel} ({verdict})")
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
