"""Run an example as a reader would and keep what it printed for the page to show.

Pages include `docs/outputs/<example path>.txt`. The tests run each example afresh and
compare its output with that file after `normalise()` has replaced what changes from run
to run (ids, timings, timestamps, addresses); `pytest --update-outputs` rewrites the files,
each with the stamp of the run that wrote it (tools/stamps.py).
"""

from __future__ import annotations

import difflib
import os
import re
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path

from tools.stamps import Stamp, StampError, check_stamp, write_stamp

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
OUTPUTS = ROOT / "docs" / "outputs"

# Order matters: longer, more specific shapes first.
_VOLATILE: list[tuple[str, str]] = [
    (r"\b\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})?", "<time>"),
    (r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b", "<uuid>"),
    (r"\bsha256:[0-9a-f]{12,64}\b", "sha256:<id>"),
    (r"\b[0-9a-f]{32,64}\b", "<hex>"),
    (r"\b[0-9a-f]{12}\b", "<id>"),
    (r"\b\d{1,3}(\.\d{1,3}){3}(:\d+)?\b", "<ip>"),
    (r"\b\d+(\.\d+)?\s?(ns|µs|us|ms|s|MiB|MB|KiB|kB|KB|GiB|GB|B)\b", "<n> \\2"),
    (r"\b\d+\.\d+\b", "<n>"),
]


def normalise(text: str, extra: Iterable[tuple[str, str]] = ()) -> str:
    """Replace run-to-run values; `extra` patterns run first, for an example's own values."""
    for pattern, repl in (*extra, *_VOLATILE):
        text = re.sub(pattern, repl, text)
    # a value with one digit more shifts a column: alignment inside a line is not content
    return "\n".join(re.sub(r"(?<=\S) {2,}", " ", line.rstrip())
                     for line in text.strip().splitlines()) + "\n"


def run_example(relpath: str, *, env: dict[str, str] | None = None,
                timeout: float = 300, args: Iterable[str] = ()) -> subprocess.CompletedProcess:
    """Run examples/<relpath> with this interpreter, from its own folder, as a reader would."""
    script = EXAMPLES / relpath
    return subprocess.run(
        [sys.executable, script.name, *args], cwd=script.parent, capture_output=True,
        text=True, timeout=timeout, env={**os.environ, **(env or {}), "PYTHONUNBUFFERED": "1"},
    )


def output_path(relpath: str) -> Path:
    return OUTPUTS / Path(relpath).with_suffix(".txt")


def compare_with_saved(relpath: str, text: str, *, stamp: Stamp,
                       extra: Iterable[tuple[str, str]] = (), update: bool = False) -> list[str]:
    """Assert that `text` matches the saved output of `relpath` once both are normalised, and
    that the saved output's stamp comes from the same kind of backend as `stamp` (this run's).

    With `update` (pytest's --update-outputs) `text` and `stamp` are saved first. Returns the
    facts (versions) in which the saved stamp differs from this run's: not failures, for the
    session's summary (see tools/stamps.py for what counts as disagreeing).
    """
    saved = output_path(relpath)
    if update:
        saved.parent.mkdir(parents=True, exist_ok=True)
        saved.write_text(text)
        write_stamp(saved, stamp)
    if not saved.exists():
        raise AssertionError(f"{saved.relative_to(ROOT)} is missing: run `make outputs`")
    try:
        differences = check_stamp(saved, stamp)
    except StampError as exc:
        raise AssertionError(f"{saved.relative_to(ROOT)}: {exc}") from None
    fresh, shown = normalise(text, extra), normalise(saved.read_text(), extra)
    if fresh != shown:
        diff = difflib.unified_diff(shown.splitlines(), fresh.splitlines(), "page", "this run",
                                    lineterm="", n=1)
        raise AssertionError(f"{relpath} no longer prints what its page shows "
                             f"({saved.relative_to(ROOT)}); run `make outputs` if intended\n"
                             + "\n".join(list(diff)[:40]))
    return differences
