"""Run an example as a reader would, with one fault injected at a chosen request.

    python tests/fault_injection.py --sever-after 'POST .*/images$' -- examples/x/y.py [ARGS]
    python tests/fault_injection.py --pause-after 'POST .*/servers$' --control DIR -- ...

The example runs unchanged (`runpy`, as `__main__`, from its own folder). Every HTTP request
it makes goes through `requests.Session.send` (openstacksdk via keystoneauth, the Docker SDK),
which is where the fault is placed, right after the first successful request (status < 400)
whose `METHOD URL` matches the pattern, i.e. once the example has created something:

- `--sever-after`: from then on every connection to that request's server is refused by the
  kernel (a TCP connect to a closed port, a unix connect to a missing socket), as if the
  service had died there; the other services keep answering. The error the example sees
  names the real URL, so it can say which service stopped answering.
- `--pause-after`: the example stops before its next request, writes DIR/paused (the
  matched request), and goes on once DIR/resume exists; meanwhile a test kills a real
  service, synchronised on the resource existing, not on a sleep.
"""

from __future__ import annotations

import argparse
import os
import re
import runpy
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import urlsplit

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
PAUSE_LIMIT = 600.0  # a paused example goes on by itself after this many seconds
_refusing = threading.local()


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _refuse_connections() -> None:
    """While `_refusing.on` is set in a thread, its new connections are refused for real."""
    import urllib3.util.connection

    original = urllib3.util.connection.create_connection
    nowhere = ("127.0.0.1", closed_port())

    def create_connection(address, *args, **kwargs):
        return original(nowhere if getattr(_refusing, "on", False) else address,
                        *args, **kwargs)

    urllib3.util.connection.create_connection = create_connection
    try:
        from docker.transport import unixconn
    except ImportError:
        return
    unix_connect = unixconn.UnixHTTPConnection.connect

    def connect(self):
        if getattr(_refusing, "on", False):
            self.unix_socket = f"/nonexistent/cloudnotes-severed-{os.getpid()}.sock"
        return unix_connect(self)

    unixconn.UnixHTTPConnection.connect = connect


def install(pattern: re.Pattern, *, sever: bool, control: Path | None) -> None:
    import requests

    original = requests.Session.send
    state: dict[str, str | bool | None] = {"matched": None, "paused": False}
    if sever:
        _refuse_connections()

    def send(self, request, **kwargs):
        matched = state["matched"]
        if matched and not sever and not state["paused"]:
            state["paused"] = True
            (control / "paused").write_text(str(matched) + "\n")
            deadline = time.monotonic() + PAUSE_LIMIT
            while not (control / "resume").exists() and time.monotonic() < deadline:
                time.sleep(0.05)
        if matched and sever and urlsplit(request.url).netloc == state["netloc"]:
            for adapter in self.adapters.values():
                adapter.close()  # no pooled connection survives: each one is new, and refused
            _refusing.on = True
            try:
                return original(self, request, **kwargs)
            finally:
                _refusing.on = False
        response = original(self, request, **kwargs)
        line = f"{request.method} {request.url}"
        if matched is None and response.status_code < 400 and pattern.search(line):
            state["matched"], state["netloc"] = line, urlsplit(request.url).netloc
        return response

    requests.Session.send = send


# --- for the tests ------------------------------------------------------------------------

def command(relpath: str, *, sever_after: str | None = None, pause_after: str | None = None,
            control: Path | None = None, args: Iterable[str] = ()) -> list[str]:
    """The command line that runs examples/<relpath> with one fault."""
    mode = (["--sever-after", sever_after] if sever_after else
            ["--pause-after", pause_after, "--control", str(control)])
    return [sys.executable, str(Path(__file__).resolve()), *mode, "--",
            str(EXAMPLES / relpath), *args]


def run_severed(relpath: str, after: str, *, env: dict[str, str] | None = None,
                timeout: float = 300, args: Iterable[str] = ()) -> subprocess.CompletedProcess:
    """Run an example whose service stops answering after the request matching `after`."""
    return subprocess.run(command(relpath, sever_after=after, args=args), capture_output=True,
                          text=True, timeout=timeout,
                          env={**os.environ, **(env or {}), "PYTHONUNBUFFERED": "1"})


class Paused:
    """An example started in the background that stops after the request matching a pattern,
    until `resume()`; `finish()` waits for its exit (bounded) and returns its result."""

    def __init__(self, relpath: str, after: str, control: Path, *,
                 env: dict[str, str] | None = None, args: Iterable[str] = ()):
        control.mkdir(parents=True, exist_ok=True)
        self.control = control
        self.result: subprocess.CompletedProcess | None = None
        self.process = subprocess.Popen(
            command(relpath, pause_after=after, control=control, args=args),
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            env={**os.environ, **(env or {}), "PYTHONUNBUFFERED": "1"})

    def wait_paused(self, timeout: float = 300) -> str:
        """Wait until the example stopped after its matching request; returns that request."""
        deadline = time.monotonic() + timeout
        marker = self.control / "paused"
        while not marker.exists():
            if self.process.poll() is not None:
                out, err = self.process.communicate()
                raise AssertionError(f"the example ended before pausing (exit "
                                     f"{self.process.returncode}):\n{out}\n{err}")
            if time.monotonic() > deadline:
                raise AssertionError(f"the example did not pause within {timeout:.0f}s")
            time.sleep(0.1)
        return marker.read_text().strip()

    def resume(self) -> None:
        (self.control / "resume").touch()

    def finish(self, timeout: float = 300) -> subprocess.CompletedProcess:
        """Resume it (if not yet) and wait for it to exit; kill it after `timeout` s. Again
        after it ended: the same result."""
        if self.result is not None:
            return self.result
        self.resume()
        try:
            out, err = self.process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            out, err = self.process.communicate()
            raise AssertionError(f"the example hung for over {timeout:.0f}s after the fault:"
                                 f"\n{out}\n{err}") from None
        self.result = subprocess.CompletedProcess(self.process.args, self.process.returncode,
                                                  out, err)
        return self.result


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--sever-after", metavar="PATTERN")
    mode.add_argument("--pause-after", metavar="PATTERN")
    parser.add_argument("--control", type=Path, help="folder for the paused/resume files")
    parser.add_argument("script", type=Path)
    parser.add_argument("args", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    if args.pause_after and args.control is None:
        parser.error("--pause-after needs --control")
    install(re.compile(args.sever_after or args.pause_after), sever=bool(args.sever_after),
            control=args.control)
    script = args.script.resolve()
    os.chdir(script.parent)
    sys.path.insert(0, str(script.parent))
    sys.argv = [script.name, *args.args]
    runpy.run_path(str(script), run_name="__main__")


if __name__ == "__main__":
    main(sys.argv[1:])
