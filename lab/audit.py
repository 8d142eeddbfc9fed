"""What a running lab exposes: readable files that hold a secret or a database, and sockets
bound off loopback. The tests run both checks against the running lab (tests/test_faults/).

Secrets are recognised by content, not by file name: every password and the Swift hash
prefix/suffix from secrets.json, the Erlang cookie, and the Fernet and credential keys; a
database by the SQLite header. A file counts as exposed when its group or others may read
it (its own mode, whatever the folders above it allow): `up` keeps the state folder 0700
and such files 0600 (lab.files.secure_state, PRIVATE_UMASK).
"""

from __future__ import annotations

import ipaddress
import json
import re
import stat
import subprocess
from collections.abc import Iterable
from pathlib import Path

from lab.layout import Layout

SQLITE_HEADER = b"SQLite format 3\x00"
# installed from PyPI: nothing of the lab's in there (and ~700 MB to read)
SKIPPED = ("venv",)
READ_LIMIT = 256 * 2**20  # bytes read of one file (images and volumes are sparse or small)


def known_secrets(layout: Layout) -> set[bytes]:
    """The lab's secret values: passwords and hash salts, the Erlang cookie, Fernet keys."""
    found: set[bytes] = set()
    if layout.secrets.exists():
        found |= {str(v).encode() for v in json.loads(layout.secrets.read_text()).values()}
    cookie = layout.data / "rabbitmq" / "home" / ".erlang.cookie"
    keys = layout.etc / "keystone"
    for path in [cookie, *keys.glob("fernet-keys/*"), *keys.glob("credential-keys/*")]:
        if path.is_file():
            found.add(path.read_bytes().strip())
    return {value for value in found if len(value) >= 8}


def exposed_files(layout: Layout, secrets: Iterable[bytes] | None = None) -> list[str]:
    """Everything under the state folder that group or others may read and that holds one of
    the secrets or is a SQLite database; and the state folder itself unless it is 0700."""
    state = layout.state
    values = sorted(known_secrets(layout) if secrets is None else set(secrets), key=len)
    pattern = re.compile(b"|".join(re.escape(v) for v in values)) if values else None
    found = []
    mode = stat.S_IMODE(state.stat().st_mode)
    if mode & 0o077:
        found.append(f"{state} (the state folder is {mode:o}, not 700)")
    for path in sorted(state.rglob("*")):
        relative = path.relative_to(state)
        if relative.parts[0] in SKIPPED:
            continue
        try:
            info = path.lstat()
        except FileNotFoundError:
            continue
        if not stat.S_ISREG(info.st_mode) or not info.st_mode & 0o044:
            continue
        try:
            with path.open("rb") as handle:
                data = handle.read(READ_LIMIT)
        except OSError:
            continue
        what = ("a SQLite database" if data.startswith(SQLITE_HEADER) else
                "a secret" if pattern is not None and pattern.search(data) else None)
        if what:
            found.append(f"{relative} ({stat.S_IMODE(info.st_mode):o}, holds {what})")
    return found


def socket_lines() -> str:
    """Every TCP and UDP socket of the machine, with its processes (`ss -H -ntua -p`)."""
    return subprocess.run(["ss", "-H", "-n", "-t", "-u", "-a", "-p"], capture_output=True,
                          text=True, check=True, timeout=30).stdout


def off_loopback(ss_output: str, pids: Iterable[int]) -> list[str]:
    """The sockets of these processes whose local address is not loopback, TCP or UDP,
    listening or not (a UDP socket that sent once is bound), from `ss -H -ntua -p` output."""
    ours = set(pids)
    found = []
    for line in ss_output.splitlines():
        fields = line.split()
        if len(fields) < 6:
            continue
        owners = {int(pid) for pid in re.findall(r"pid=(\d+)", line)}
        if not owners & ours:
            continue
        netid, local = fields[0], fields[4]
        host = local.rsplit(":", 1)[0].strip("[]").split("%")[0]
        try:
            loopback = host != "*" and ipaddress.ip_address(host).is_loopback
        except ValueError:
            loopback = False
        if not loopback:
            names = ",".join(sorted(set(re.findall(r'\("([^"]+)"', line))))
            found.append(f"{netid} {local} ({names}, pid {','.join(map(str, sorted(owners)))})")
    return found


def lab_socket_problems(pids: Iterable[int]) -> list[str]:
    """off_loopback() for the machine's sockets right now."""
    return off_loopback(socket_lines(), pids)


def state_files(layout: Layout) -> list[Path]:
    """Every regular file under the state folder the audit reads (for the report)."""
    return [p for p in layout.state.rglob("*") if p.is_file()
            and p.relative_to(layout.state).parts[0] not in SKIPPED]
