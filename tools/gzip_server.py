"""Serve a built site on 127.0.0.1 the way GitHub Pages does: text compressed with gzip.

A plain `http.server` sends every file uncompressed, so a browser (or Lighthouse) measuring it
sees several times the bytes a reader downloads. Used by tools.page_weight and tools.lighthouse;
`python -m tools.gzip_server site/ [port]` serves a directory by hand.
"""

from __future__ import annotations

import contextlib
import functools
import gzip
import http.server
import io
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

# What GitHub Pages compresses (text formats); images, fonts and archives go as they are.
COMPRESSED = {".html", ".css", ".js", ".json", ".svg", ".xml", ".txt", ".map", ".ipynb", ".md"}


class GzipHandler(http.server.SimpleHTTPRequestHandler):
    """Static files; gzip-compressed for text types when the client accepts it."""

    def log_message(self, format, *args) -> None:  # quiet
        pass

    def end_headers(self) -> None:
        self.send_header("Cache-Control", "no-cache")
        super().end_headers()

    def send_head(self):
        path = Path(self.translate_path(self.path))
        if path.is_dir():
            if not urlsplit(self.path).path.endswith("/"):
                return super().send_head()  # the redirect to the directory's slash
            path = path / "index.html"
        wants_gzip = "gzip" in self.headers.get("Accept-Encoding", "")
        if not (wants_gzip and path.suffix in COMPRESSED and path.is_file()):
            return super().send_head()
        body = _compressed(str(path), path.stat().st_mtime_ns)
        self.send_response(200)
        self.send_header("Content-Type", self.guess_type(str(path)))
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Vary", "Accept-Encoding")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        return io.BytesIO(body)


@functools.lru_cache(maxsize=512)
def _compressed(path: str, mtime_ns: int) -> bytes:
    return gzip.compress(Path(path).read_bytes(), compresslevel=6, mtime=0)


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address) -> None:
        # A browser drops connections when it leaves a page mid-download: not an error.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


@contextlib.contextmanager
def serve(directory: Path, port: int = 0) -> Iterator[str]:
    """The site at http://127.0.0.1:<port>/ while the block runs."""
    server = _Server(("127.0.0.1", port), functools.partial(GzipHandler, directory=str(directory)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/"
    finally:
        server.shutdown()
        server.server_close()


def main(argv: list[str]) -> int:
    directory = Path(argv[0]) if argv else Path("site")
    port = int(argv[1]) if len(argv) > 1 else 0
    with serve(directory, port) as url:
        print(f"serving {directory} (gzip) on {url}", flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            threading.Event().wait()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
