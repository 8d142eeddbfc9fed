"""The lab's files: the lock, the passwords, generated configs, keys, SQLite settings."""

from __future__ import annotations

import base64
import contextlib
import fcntl
import json
import os
import stat
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from lab import config, libvirt
from lab.layout import PORT_OFFSET, PORTS, SERVICE_HOST, Layout
from lab.plan import LabError

LOG_TAIL = 25
# Everything the lab's processes create is theirs alone: configs hold passwords, the SQLite
# files hold password hashes and credentials, the logs may quote either.
PRIVATE_UMASK = 0o077
# What `secure_state` leaves as it is: installed packages and the built guest (no secrets).
PUBLIC_PARTS = ("venv", "cache")


@contextlib.contextmanager
def locked(layout: Layout) -> Iterator[None]:
    """One `up`/`down` at a time (pytest workers and people may race)."""
    layout.state.mkdir(parents=True, exist_ok=True)
    with layout.lock.open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


# Sessions of this process that hold a session lock, by port offset (flock locks belong to an
# open file, so this process cannot ask the kernel whether it is the holder itself).
_SESSIONS_HELD: set[int] = set()


def session_lock_path(offset: int = PORT_OFFSET) -> Path:
    """The machine-wide lock of the lab whose ports are moved by `offset`: two labs with the
    same ports would fight over them, two with different ports do not meet."""
    base = Path("/run/lock")
    if not os.access(base, os.W_OK):
        base = Path(tempfile.gettempdir())
    return base / f"cloudnotes-lab-ports-{offset}.lock"


def session_holder(offset: int = PORT_OFFSET) -> str | None:
    """Who holds the session lock of that lab, or None when nobody (or this process) does."""
    if offset in _SESSIONS_HELD:
        return None
    path = session_lock_path(offset)
    if not path.exists():
        return None
    with path.open("r") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return handle.read().strip() or "another process"
        fcntl.flock(handle, fcntl.LOCK_UN)
    return None


@contextlib.contextmanager
def session_lock(wait: float, offset: int = PORT_OFFSET, log=print) -> Iterator[None]:
    """Hold the lab's machine-wide lock for as long as a test session uses the lab.

    A second session for the same ports waits up to `wait` seconds (saying once whom it waits
    for), then raises LabError in one line; a lab on other ports is another lock.
    """
    path = session_lock_path(offset)
    handle = path.open("a+")
    deadline = time.monotonic() + wait
    told = False
    while True:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            break
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            if time.monotonic() >= deadline:
                handle.close()
                raise LabError("lock", f"the lab on ports {min(PORTS.values())}-"
                               f"{max(PORTS.values())} is used by another test session "
                               f"({holder}); gave up after waiting {wait:.0f}s") from None
            if not told:
                log(f"lab: waiting up to {wait:.0f}s for the lab, used by {holder}")
                told = True
            time.sleep(0.5)
    command = " ".join(Path(sys.argv[0]).name.split()[:1] + sys.argv[1:4])
    handle.seek(0)
    handle.truncate()
    handle.write(f"pid {os.getpid()} ({command}), since {time.strftime('%H:%M:%S')}\n")
    handle.flush()
    _SESSIONS_HELD.add(offset)
    try:
        yield
    finally:
        _SESSIONS_HELD.discard(offset)
        handle.truncate(0)
        fcntl.flock(handle, fcntl.LOCK_UN)
        handle.close()


def write_private(path: Path, text: str) -> None:
    """Write a file only its owner may read (0600), also when it existed with another mode."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        os.fchmod(handle.fileno(), 0o600)
        handle.write(text)


def secure_state(layout: Layout) -> None:
    """The state folder 0700, and no file in it readable by group or others (except the
    venv and the cache): what earlier versions of the lab wrote 0644 is closed too."""
    layout.state.mkdir(parents=True, exist_ok=True)
    layout.state.chmod(0o700)
    for top in layout.state.iterdir():
        if top.name in PUBLIC_PARTS:
            continue
        for path in [top, *top.rglob("*")] if top.is_dir() else [top]:
            with contextlib.suppress(FileNotFoundError):
                mode = path.lstat().st_mode
                if (stat.S_ISREG(mode) or stat.S_ISDIR(mode)) and mode & 0o077:
                    path.chmod(stat.S_IMODE(mode) & ~0o077)


def load_secrets(layout: Layout, create: bool = False) -> dict[str, str] | None:
    if layout.secrets.exists():
        sec = json.loads(layout.secrets.read_text())
        if set(config.SECRET_NAMES) <= set(sec):
            return sec
    if not create:
        return None
    sec = config.new_secrets()
    layout.state.mkdir(parents=True, exist_ok=True)
    layout.state.chmod(0o700)
    write_private(layout.secrets, json.dumps(sec, indent=1))
    return sec


def tail(path: Path | None, lines: int = LOG_TAIL) -> str:
    if path is None or not path.exists():
        return ""
    with path.open("rb") as handle:
        handle.seek(0, os.SEEK_END)
        handle.seek(max(0, handle.tell() - 64 * 1024))
        text = handle.read().decode(errors="replace")
    return "\n".join(text.splitlines()[-lines:])



def write_files(layout: Layout, sec: dict[str, str], virt_type: str = "qemu") -> None:
    """Configs (always regenerated), paste files from the venv, the folders services need."""
    layout.state.mkdir(parents=True, exist_ok=True)
    layout.state.chmod(0o700)
    for rel, text in config.render(layout, sec, virt_type).items():
        write_private(layout.state / rel, text)
    for rel, src in config.PASTE_FILES.items():
        write_private(layout.state / rel, (layout.venv / src).read_text())
    rabbit = layout.etc / "rabbitmq"
    write_private(rabbit / "enabled_plugins", "[].\n")
    write_private(rabbit / "rabbitmq-env.conf", "# cloudnotes lab: settings come from the env\n")
    write_private(rabbit / "advanced.config", "[].\n")
    for folder in (layout.logs, layout.pids, layout.tmp, layout.data / "rabbitmq" / "home",
                   layout.data / "glance" / "images", layout.data / "glance" / "staging",
                   layout.data / "glance" / "tasks", layout.data / "glance" / "cache",
                   layout.data / "nova" / "instances", layout.data / "neutron",
                   layout.data / "cinder" / "coordination", layout.data / "swift-recon",
                   layout.etc / "keystone" / "fernet-keys",
                   layout.etc / "keystone" / "credential-keys", *libvirt.folders(layout),
                   *(layout.data / "locks" / n for n in
                     ("keystone", "glance", "placement", "nova", "neutron", "cinder"))):
        folder.mkdir(parents=True, exist_ok=True)


def write_fernet_keys(repository: Path) -> None:
    """What `keystone-manage fernet_setup` / `credential_setup` write, without a process:
    key 0 (staged) and key 1 (primary), each 32 random bytes, url-safe base64, mode 0600."""
    repository.mkdir(parents=True, exist_ok=True)
    repository.chmod(0o700)
    for name in ("0", "1"):
        key = repository / name
        if not key.exists():
            key.touch(mode=0o600)
            key.write_bytes(base64.urlsafe_b64encode(os.urandom(32)))


def use_wal(database: Path) -> None:
    """Switch a SQLite database to write-ahead logging (stored in the file, so done once).

    With the default rollback journal a writer blocks every reader; several services and
    threads writing at once then fail with "database is locked" (Keystone did on warm starts).
    """
    import sqlite3

    with contextlib.closing(sqlite3.connect(database, timeout=30)) as conn:
        mode = conn.execute("PRAGMA journal_mode=WAL").fetchone()[0]
    if mode != "wal":
        raise LabError(database.stem, f"could not switch {database.name} to WAL ({mode})")


def restore_compute_id(layout: Layout) -> None:
    """Give nova-compute back its node identity on a warm start.

    Since 2023.1 nova-compute refuses to restart without a `compute_id` file holding its
    node's UUID; the base fake driver never writes one, so take it from the cell database.
    """
    import sqlite3

    target = layout.data / "nova" / "compute_id"
    database = layout.data / "nova_cell1.sqlite"
    if target.exists() or not database.exists():
        return
    with contextlib.closing(sqlite3.connect(database, timeout=30)) as conn:
        row = conn.execute("SELECT uuid FROM compute_nodes WHERE host = ? AND deleted = 0",
                           (SERVICE_HOST,)).fetchone()
    if row:
        target.write_text(row[0] + "\n")

