"""Time a virtual machine's boot beside a container's start, on the same machine.

Three ways to get a Linux userland running, each several times, all measured by one run:

1. **a VM through Nova**: from the API request to a login prompt on the guest's serial console
   (Nova schedules it, prepares its disk, port and config drive, libvirt starts QEMU, and the
   guest's kernel boots its own userland);
2. **the same guest under bare QEMU**, for reference: from starting ``qemu-system-x86_64`` to
   the login prompt on its serial port, with no cloud in between (the image's kernel and
   ramdisk, or its disk, are downloaded from Glance first, untimed);
3. **a container through Docker**: from creating the container to its process having run and
   exited (``busybox true``): no kernel boots, the host's kernel starts one more process.

It prints one table (median, min and max per way) and, with ``--json FILE``, every sample.
QEMU runs with the accelerator ``CLOUDNOTES_QEMU_ACCEL`` (default ``tcg``, software emulation,
like a cloud whose Nova uses ``virt_type = qemu``; ``kvm`` where the host allows it). Without
``qemu-system-x86_64`` or without a Docker engine, that row says why and the others still run.

    OS_CLOUD=devstack python boot_vs_container.py [--runs 3] [--json samples.json]
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import re
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

import docker
import openstack
from docker.errors import DockerException
from keystoneauth1 import exceptions as ksa

IMAGE = os.environ.get("CLOUDNOTES_IMAGE")
NETWORK = os.environ.get("CLOUDNOTES_NETWORK", "private")
QEMU = shutil.which("qemu-system-x86_64")
QEMU_ACCEL = os.environ.get("CLOUDNOTES_QEMU_ACCEL", "tcg")
LOGIN_PROMPT = re.compile(r"\S+ login: *$", re.M)
LABEL = {"cloudnotes.example": "openstack/nova/boot_vs_container.py"}


class BootFailed(Exception):
    """A boot did not reach its login prompt."""


API_TIMEOUT = 60  # seconds a request may take when clouds.yaml sets no api_timeout


def connect(cloud: str) -> openstack.connection.Connection:
    """Open a connection to a cloud from clouds.yaml and authenticate right away.

    Every request gives up after the cloud's ``api_timeout`` from clouds.yaml, else after
    API_TIMEOUT seconds: a service that hangs makes the example fail, not hang.

    Args:
        cloud: The cloud's name in clouds.yaml, e.g. ``devstack``.

    Returns:
        An authenticated connection.
    """
    logging.getLogger("keystoneauth").setLevel(logging.ERROR)
    region = openstack.config.get_cloud_region(cloud=cloud)
    # clouds.yaml may set its own api_timeout; without one a request could wait forever
    region.config["api_timeout"] = region.config.get("api_timeout") or API_TIMEOUT
    conn = openstack.connection.Connection(config=region)
    conn.session.get_token()  # fail here, not halfway through, on bad credentials
    return conn


def explain(exc: Exception, conn=None) -> str:
    """Say in one line why talking to the cloud failed, naming the service that did not
    answer.

    Args:
        exc: The exception openstacksdk or keystoneauth raised.
        conn: The connection, once there is one: its catalog names the services.

    Returns:
        A one-line reason.
    """
    cause = exc  # openstacksdk may wrap what keystoneauth raised: look at the whole chain
    while cause is not None and not isinstance(
            cause, ksa.ConnectionError | ksa.DiscoveryFailure | openstack.exceptions.NotSupported):
        cause = cause.__cause__ or cause.__context__
    if isinstance(exc, openstack.exceptions.ConfigException):
        reason = f"no such cloud in clouds.yaml: {exc}"
    elif isinstance(exc, ksa.Unauthorized) or getattr(exc, "status_code", None) == 401:
        reason = "the cloud refused the credentials (401 Unauthorized)"
    elif cause is not None:
        # what the kernel said, without the layers of urllib3 wrapped around it
        refused = re.search(r"(https?://\S+?):? .*?(\[Errno -?\d+\] [^'\")]+)", str(exc))
        detail = " ".join(refused.groups()) if refused else exc
        reason = f"cannot reach the {service_of(exc, conn)}: {detail}"
    elif isinstance(exc, openstack.exceptions.HttpException) and exc.url:
        # an answer, not the one hoped for: say which service gave it and what it said
        reason = (f"the {service_of(exc, conn)} answered {exc.method} "
                  f"{urlsplit(exc.url).path} with {exc.status_code}: {exc.details or exc}")
    elif isinstance(exc, BootFailed):
        reason = str(exc)
    else:
        reason = f"{type(exc).__name__}: {exc}"
    return " ".join(reason.split())


def service_of(exc: Exception, conn=None) -> str:
    """Name the service an error came from as the cloud's catalog does, e.g. ``image
    service (glance)``: the endpoint sharing most of the URL the error names, or the
    service type openstacksdk names. Without a catalog: the cloud's endpoint.

    Args:
        exc: The exception openstacksdk or keystoneauth raised.
        conn: The connection, if there is one.

    Returns:
        The service, as a noun phrase.
    """
    text = str(exc)
    try:
        catalog = conn.session.auth.get_access(conn.session).service_catalog.catalog
    except (AttributeError, ksa.ClientException):  # no connection or no token yet
        catalog = []
    urls = [urlsplit(u) for u in re.findall(r"https?://[^\s'\"]+", text)]
    best, score = "cloud's endpoint", 0
    for entry in catalog:
        name = f"{entry['type']} service ({entry.get('name') or entry['type']})"
        if f"The {entry['type']} service" in text:
            return name
        for known in (urlsplit(e["url"]) for e in entry.get("endpoints", [])):
            for url in (u for u in urls if u.netloc == known.netloc):
                common = 1  # the host and port, then each path segment they share
                for mine, theirs in zip(url.path.split("/")[1:], known.path.split("/")[1:],
                                        strict=False):
                    if mine != theirs:
                        break
                    common += 1
                if common > score:
                    best, score = name, common
    return best


def clean_up(conn, undo: list, problems: list[str]) -> None:
    """Undo what the example made, in the order given, and stop at the first step that
    fails: a service that does not answer cannot be asked to delete anything. What is
    then left over goes into `problems`, named, with the reason.

    Args:
        conn: The connection (None if there never was one: then nothing was made).
        undo: ``(what, step)`` pairs, e.g. ``("image cloudnotes-image-1", lambda: ...)``.
        problems: The error lines so far; the cleanup's own is added to them.
    """
    for index, (_, step) in enumerate(undo):
        try:
            step()
        except (openstack.exceptions.SDKException, ksa.ClientException) as exc:
            reason = explain(exc, conn)
            service = reason.split(":", 1)[0]  # "cannot reach the image service (glance)"
            if any(problem.startswith(service) for problem in problems):
                reason = f"{service} either"  # said once is enough
            left = ", ".join(what for what, _ in undo[index:])
            problems.append(f"left over: {left} ({reason})")
            return


def bootable_image(conn: openstack.connection.Connection):
    """The image to boot: ``CLOUDNOTES_IMAGE``, else the smallest public self-booting image.

    Args:
        conn: An authenticated connection.

    Returns:
        The image.
    """
    if IMAGE:
        return conn.image.find_image(IMAGE, ignore_missing=False)
    images = [i for i in conn.image.images(visibility="public", status="active")
              if i.disk_format not in ("aki", "ari")]
    if not images:
        raise BootFailed("the cloud has no public image to boot; set CLOUDNOTES_IMAGE")
    return min(images, key=lambda i: (i.size or 0, i.name))


# --- 1. through Nova ----------------------------------------------------------------------------

def console_shows_login(conn: openstack.connection.Connection, server) -> bool:
    """Whether the guest's console (as Nova keeps it) shows a login prompt yet.

    Args:
        conn: An authenticated connection.
        server: The server.

    Returns:
        True once the guest has booted.
    """
    try:
        text = conn.compute.get_server_console_output(server)["output"] or ""
    except (openstack.exceptions.ConflictException, openstack.exceptions.NotFoundException):
        return False
    return bool(LOGIN_PROMPT.search(text.replace("\r", "")))


def boot_through_nova(conn: openstack.connection.Connection, image, flavor, network,
                      name: str, made: list, timeout: float = 300) -> float:
    """Boot one server and time it from the request to the login prompt; then delete it.

    Args:
        conn: An authenticated connection.
        image: The image to boot.
        flavor: The flavor.
        network: The network for its port.
        name: The server's name.
        made: The servers not deleted yet: this one is in it until it is gone (if the boot
            fails, main() deletes it).
        timeout: Seconds the boot may take.

    Returns:
        Seconds from the request to the login prompt.
    """
    started = time.monotonic()
    server = conn.compute.create_server(name=name, image_id=image.id, flavor_id=flavor.id,
                                        networks=[{"uuid": network.id}])
    made.append(server)
    while not console_shows_login(conn, server):
        server = conn.compute.get_server(server)
        if server.status == "ERROR" or time.monotonic() - started > timeout:
            raise BootFailed(f"server {name} did not boot (status {server.status})")
        time.sleep(0.2)
    elapsed = time.monotonic() - started
    delete_server(conn, server)
    made.remove(server)
    return elapsed


def delete_server(conn: openstack.connection.Connection, server) -> None:
    """Delete a server and wait until Nova no longer lists it.

    Args:
        conn: An authenticated connection.
        server: The server.
    """
    conn.compute.delete_server(server)
    conn.compute.wait_for_delete(server, wait=120)


# --- 2. bare QEMU -------------------------------------------------------------------------------

def qemu_command(conn: openstack.connection.Connection, image, memory_mib: int,
                 folder: Path) -> list[str]:
    """Download what the image boots from and return the QEMU command that boots it.

    An image with ``kernel_id``/``ramdisk_id`` boots its kernel directly (as Nova does); any
    other image boots from its disk (a throw-away overlay: ``snapshot=on``).

    Args:
        conn: An authenticated connection.
        image: The image.
        memory_mib: The guest's memory (the flavor's).
        folder: Where to put the downloaded files.

    Returns:
        The command line.
    """
    command = [QEMU, "-accel", QEMU_ACCEL, "-m", str(memory_mib), "-display", "none",
               "-no-reboot", "-nic", "none", "-serial", "stdio", "-monitor", "none"]
    if image.kernel_id:
        for part, option in ((image.kernel_id, "-kernel"), (image.ramdisk_id, "-initrd")):
            if part:
                path = folder / option.lstrip("-")
                conn.image.download_image(part, output=str(path))
                command += [option, str(path)]
        command += ["-append", image.os_command_line or "console=ttyS0"]
    else:
        path = folder / "disk"
        conn.image.download_image(image, output=str(path))
        command += ["-drive", f"file={path},if=virtio,snapshot=on,format={image.disk_format}"]
    return command


def boot_under_qemu(command: list[str], timeout: float = 180) -> float:
    """Start QEMU and time it until the serial console shows a login prompt; then stop it.

    Args:
        command: The QEMU command line.
        timeout: Seconds the boot may take.

    Returns:
        Seconds from starting QEMU to the login prompt.
    """
    started = time.monotonic()
    qemu = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT)
    seen = b""
    try:
        while not LOGIN_PROMPT.search(seen.decode(errors="replace").replace("\r", "")):
            chunk = qemu.stdout.read1(4096)
            if not chunk or time.monotonic() - started > timeout:
                raise BootFailed(f"bare QEMU did not boot: {seen[-200:].decode(errors='replace')}")
            seen += chunk
        return time.monotonic() - started
    finally:
        qemu.kill()
        qemu.wait()


# --- 3. a container -----------------------------------------------------------------------------

def start_container(client: docker.DockerClient) -> float:
    """Time one container from creation to its process having run and exited.

    Args:
        client: A Docker client.

    Returns:
        Seconds from create to exit.
    """
    started = time.monotonic()
    container = client.containers.create("busybox", ["true"], labels=LABEL)
    try:
        container.start()
        container.wait(timeout=60)
        return time.monotonic() - started
    finally:
        container.remove(force=True)


def remove_labelled(client: docker.DockerClient) -> None:
    """Remove every container this example made (also after a failure).

    Args:
        client: A Docker client.
    """
    for container in client.containers.list(all=True, filters={"label": [
            f"{k}={v}" for k, v in LABEL.items()]}):
        container.remove(force=True)


# --- the table ------------------------------------------------------------------------------------

def row(label: str, samples: list[float]) -> str:
    """One line of the table: runs, median, min and max.

    Args:
        label: What was measured.
        samples: Seconds, one per run.

    Returns:
        The formatted line.
    """
    return (f"{label:<40} {len(samples):>4} {statistics.median(samples):7.2f} s "
            f"{min(samples):7.2f} s {max(samples):7.2f} s")


def measure(conn, runs: int,
            made: list) -> tuple[dict[str, list[float]], dict[str, str], dict[str, str]]:
    """Run every way `runs` times (containers twice as often: they are quick).

    Args:
        conn: An authenticated connection.
        runs: How many VM boots of each kind.
        made: Where the servers not deleted yet are kept (for main()'s cleanup).

    Returns:
        (samples by way, what ran, rows that could not run and why).
    """
    image, network = bootable_image(conn), conn.network.find_network(NETWORK,
                                                                     ignore_missing=False)
    flavor = min(conn.compute.flavors(), key=lambda f: (f.ram, f.vcpus, f.disk))
    ran = {"image": image.name, "flavor": f"{flavor.name} ({flavor.ram} MiB)",
           "qemu_accel": QEMU_ACCEL}
    samples: dict[str, list[float]] = {"nova": [], "qemu": [], "docker": []}
    skipped: dict[str, str] = {}
    for run in range(runs):
        samples["nova"].append(boot_through_nova(
            conn, image, flavor, network, f"cloudnotes-server-{secrets.token_hex(6)}-{run}",
            made))
    if QEMU:
        with tempfile.TemporaryDirectory(prefix="cloudnotes-qemu-") as folder:
            command = qemu_command(conn, image, flavor.ram, Path(folder))
            samples["qemu"] = [boot_under_qemu(command) for _ in range(runs)]
    else:
        skipped["qemu"] = "qemu-system-x86_64 is not installed"
    try:
        client = docker.from_env()
        client.ping()
    except DockerException as exc:
        skipped["docker"] = f"no Docker engine answers ({type(exc).__name__})"
    else:
        try:
            samples["docker"] = [start_container(client) for _ in range(2 * runs)]
            remove_labelled(client)
        except (DockerException, OSError) as exc:
            reason = " ".join(str(exc).split())
            try:
                remove_labelled(client)
            except (DockerException, OSError):
                label = ", ".join(f"{k}={v}" for k, v in LABEL.items())
                raise BootFailed(f"the Docker engine stopped answering ({reason}); left over: "
                                 f"the containers labelled {label}") from exc
            raise BootFailed(f"the Docker engine failed: {reason}") from exc
    return samples, ran, skipped


def main(argv: list[str] | None = None) -> int:
    """Measure, print the table, and optionally write the samples as JSON.

    Args:
        argv: Command-line arguments (``--runs N``, ``--json FILE``).

    Returns:
        0 on success, 1 when the cloud cannot be used or a boot fails (one line on stderr,
        which names what could not be deleted if a service stopped answering).
    """
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="VM boots of each kind (default 3)")
    parser.add_argument("--json", type=Path, help="also write every sample to this file")
    args = parser.parse_args(argv)
    cloud = os.environ.get("OS_CLOUD")
    if not cloud:
        print("error: OS_CLOUD is not set: name a cloud from clouds.yaml, "
              "e.g. OS_CLOUD=devstack", file=sys.stderr)
        return 1
    conn = None
    made: list = []  # servers booted and not deleted yet
    problems: list[str] = []
    try:
        conn = connect(cloud)
        samples, ran, skipped = measure(conn, args.runs, made)
    except (openstack.exceptions.SDKException, ksa.ClientException, BootFailed,
            DockerException, OSError) as exc:
        problems.append(explain(exc, conn))
    finally:
        clean_up(conn, [(f"server {s.name}", lambda s=s: delete_server(conn, s)) for s in made],
                 problems)
    if problems:
        print("error: " + "; ".join(problems), file=sys.stderr)
        return 1
    print(f"image {ran['image']}, flavor {ran['flavor']}, QEMU accelerator {ran['qemu_accel']}")
    print(f"{'':<40} {'runs':>4} {'median':>9} {'min':>9} {'max':>9}")
    labels = {"nova": "VM through Nova (request -> login)",
              "qemu": "VM under bare QEMU (start -> login)",
              "docker": "container via Docker (create -> exit)"}
    for way, label in labels.items():
        print(row(label, samples[way]) if samples[way] else f"{label:<40} skipped: "
              f"{skipped[way]}")
    if samples["nova"] and samples["docker"]:
        ratio = statistics.median(samples["nova"]) / statistics.median(samples["docker"])
        print(f"the median VM boot through Nova took {ratio:.1f} times as long as the median "
              "container start")
    if args.json:
        args.json.write_text(json.dumps({"ran": ran, "samples": samples, "skipped": skipped},
                                        indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
