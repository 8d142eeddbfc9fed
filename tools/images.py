"""Build the public images the examples name (busybox, python:3.11-slim) without a registry.

Nothing can be pulled on the offline test machine, so these stand-ins are built from
Debian packages in seconds and tagged with the public names: the examples stay unchanged
and a reader's copy pulls the real image. Each image is built only when it is absent.
"""

from __future__ import annotations

import io
import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path

import docker
from docker.errors import ImageNotFound

from tools.system import SetupError

BUSYBOX = "busybox:latest"
PYTHON = "python:3.11-slim"
LABEL = {"org.cloudnotes.offline-image": "true"}


def _has(client: docker.DockerClient, name: str) -> bool:
    try:
        client.images.get(name)
        return True
    except ImageNotFound:
        return False


def _busybox_context() -> bytes:
    """A tar build context: static busybox plus a Dockerfile that installs its applets."""
    busybox = Path("/bin/busybox")
    if not busybox.exists():
        raise SetupError("busybox-static is not installed (apt-get install busybox-static)")
    dockerfile = (
        b"FROM scratch\n"
        b"COPY busybox /bin/busybox\n"
        b'RUN ["/bin/busybox", "--install", "-s", "/bin"]\n'
        b'CMD ["sh"]\n'
    )
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        tar.add(busybox, arcname="busybox")
        info = tarfile.TarInfo("Dockerfile")
        info.size = len(dockerfile)
        tar.addfile(info, io.BytesIO(dockerfile))
    return buf.getvalue()


def build_busybox(client: docker.DockerClient) -> None:
    client.images.build(
        fileobj=io.BytesIO(_busybox_context()), custom_context=True, tag=BUSYBOX,
        labels=LABEL, rm=True, forcerm=True, pull=False,
    )


def _python_debs() -> list[str]:
    """python3.11-minimal's and libpython3.11-stdlib's closure, minus what a rootfs never runs."""
    out = subprocess.run(
        ["apt-cache", "depends", "--recurse", "--no-recommends", "--no-suggests",
         "--no-conflicts", "--no-breaks", "--no-replaces", "--no-enhances",
         "python3.11", "libpython3.11-stdlib"],
        check=True, capture_output=True, text=True,
    ).stdout
    names = {line.strip() for line in out.splitlines() if line and not line.startswith((" ", "<"))}
    skip = {"debconf", "dpkg", "perl-base", "debconf-2.0", "tar", "install-info", "media-types"}
    return sorted(n for n in names if n not in skip and ":" not in n)


def build_python(client: docker.DockerClient) -> None:
    """Unpack Debian's python3.11 .debs into a merged-/usr root, add busybox, docker import."""
    if not shutil.which("apt-get"):
        raise SetupError("building python:3.11-slim offline needs Debian's apt-get")
    with tempfile.TemporaryDirectory(prefix="cloudnotes-pyimg-") as tmp:
        debs, root = Path(tmp, "debs"), Path(tmp, "root")
        debs.mkdir()
        root.mkdir()
        # apt-get download drops privileges to _apt, which must be able to write here.
        Path(tmp).chmod(0o755)
        debs.chmod(0o777)
        for d in ("usr/bin", "usr/lib", "usr/lib64", "usr/sbin"):
            (root / d).mkdir(parents=True)
        for link, target in (("bin", "usr/bin"), ("lib", "usr/lib"), ("lib64", "usr/lib64"),
                             ("sbin", "usr/sbin")):
            (root / link).symlink_to(target)
        subprocess.run(["apt-get", "download", "-qq", *_python_debs()], cwd=debs, check=True,
                       stdout=subprocess.DEVNULL)
        for deb in sorted(debs.glob("*.deb")):
            subprocess.run(["dpkg-deb", "-x", str(deb), str(root)], check=True)
        shutil.copy2("/bin/busybox", root / "usr/bin/busybox")
        for applet in subprocess.run(["/bin/busybox", "--list"], capture_output=True, text=True,
                                     check=True).stdout.split():
            target = root / "usr/bin" / applet
            if not target.exists() and not target.is_symlink():
                target.symlink_to("busybox")
        for name in ("python", "python3"):
            link = root / "usr/bin" / name
            if link.exists() or link.is_symlink():
                link.unlink()
            link.symlink_to("python3.11")
        for d in ("tmp", "etc", "root", "home", "proc", "sys", "dev", "run", "var/tmp"):
            (root / d).mkdir(parents=True, exist_ok=True)
        (root / "tmp").chmod(0o1777)
        (root / "etc/passwd").write_text(
            "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/sh\n")
        (root / "etc/group").write_text("root:x:0:\nnogroup:x:65534:\n")
        tar_path = Path(tmp, "rootfs.tar")
        subprocess.run(["tar", "-C", str(root), "-cf", str(tar_path), "."], check=True)
        changes = [
            'CMD ["python3"]',
            "ENV PATH=/usr/local/bin:/usr/bin:/bin LANG=C.UTF-8 PYTHONDONTWRITEBYTECODE=1",
            "LABEL org.cloudnotes.offline-image=true",
        ]
        cmd = ["docker", "import"]
        for change in changes:
            cmd += ["--change", change]
        cmd += [str(tar_path), PYTHON]
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)


def ensure_images() -> list[str]:
    """Build each missing image; return the names built."""
    client = docker.from_env()
    built = []
    for name, build in ((BUSYBOX, build_busybox), (PYTHON, build_python)):
        if not _has(client, name):
            print(f"prepare: building {name} offline", flush=True)
            build(client)
            built.append(name)
    return built
