"""How long `make serve` takes to show an edit: `python -m tools.serve_latency [page.md]`.

Starts `mkdocs serve --dirty` (as `make serve` does) on a free port of 127.0.0.1, waits for the
first build, appends a marker paragraph to a Markdown page, and polls the served page until the
marker is there; then restores the page and stops the server (by its PID). Prints the seconds
from the save to the new HTML being served. A benchmark, not a test: the figure goes in the
README.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def fetch(url: str) -> str | None:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.read().decode("utf-8", "replace")
    except OSError:
        return None


def wait_for(url: str, check, timeout: float) -> float:
    """Seconds until `check(html)` holds for the served page (polled every 0.1 s)."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        html = fetch(url)
        if html is not None and check(html):
            return time.monotonic() - started
        time.sleep(0.1)
    raise TimeoutError(f"{url} did not change within {timeout:.0f} s")


def measure(page: str = "glossary.md", timeout: float = 300) -> tuple[float, float]:
    """(seconds to the first served build, seconds from an edit to its HTML being served)."""
    source = ROOT / "docs" / page
    url_path = page.removesuffix(".md")
    if url_path.endswith(".en"):  # mkdocs-static-i18n serves English pages under /en/
        url_path = "en/" + url_path.removesuffix(".en")
    url_path = url_path.removesuffix("index")
    port = free_port()
    url = f"http://127.0.0.1:{port}/{url_path}/".replace("//", "/").replace(":/", "://")
    original = source.read_bytes()
    server = subprocess.Popen(
        [str(ROOT / ".venv" / "bin" / "mkdocs"), "serve", "--dirty",
         "--dev-addr", f"127.0.0.1:{port}"],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"}, start_new_session=True)
    try:
        started = time.monotonic()
        wait_for(url, lambda html: True, timeout)
        first = time.monotonic() - started
        time.sleep(2)  # let the watcher settle after the first build
        marker = f"cloudnotes-edit-{uuid.uuid4().hex[:8]}"
        source.write_bytes(original + f"\n\n{marker}\n".encode())
        edited = wait_for(url, lambda html: marker in html, timeout)
        return first, edited
    finally:
        source.write_bytes(original)
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)


def main(argv: list[str]) -> int:
    page = argv[0] if argv else "glossary.md"
    first, edited = measure(page)
    print(f"serve: first build served after {first:.1f} s; an edit to docs/{page} "
          f"was served {edited:.1f} s after saving")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
