"""The services' own venv (.lab/venv), installed from lab/requirements.lock with uv.

The lock pins all ~180 packages (OpenStack publishes its upper-constraints online only);
uWSGI is source-only on PyPI and compiles during the first install (uv caches the build).
The lab's drivers (lab/plugins) are installed on top, and reinstalled when they change.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from lab.layout import Layout

HERE = Path(__file__).resolve().parent
LOCK = HERE / "requirements.lock"
PLUGINS = HERE / "plugins"
PYTHON = "3.11"


class InstallError(RuntimeError):
    pass


def digest(paths: list[Path]) -> str:
    h = hashlib.sha256()
    for path in sorted(paths):
        h.update(str(path.relative_to(HERE)).encode())
        h.update(path.read_bytes())
    return h.hexdigest()[:16]


def plugin_files() -> list[Path]:
    return [p for p in PLUGINS.rglob("*") if p.is_file() and "__pycache__" not in p.parts
            and not p.name.endswith((".pyc", ".egg-info")) and ".egg-info" not in str(p)
            and "build" not in p.relative_to(PLUGINS).parts]


def uv_command() -> list[str] | None:
    """uv on PATH, or `python3 -m uv` (how the Makefile installs it when missing)."""
    found = shutil.which("uv")
    if found:
        return [found]
    for python in dict.fromkeys([sys.executable, shutil.which("python3") or ""]):
        if python and subprocess.run([python, "-m", "uv", "--version"],
                                     capture_output=True).returncode == 0:
            return [python, "-m", "uv"]
    return None


def _run(argv: list[str], what: str) -> None:
    result = subprocess.run(argv, capture_output=True, text=True)
    if result.returncode != 0:
        lines = (result.stderr or result.stdout).strip().splitlines()[-15:]
        raise InstallError(f"{what} failed ({' '.join(argv[:4])} ...):\n" + "\n".join(lines))


def install_venv(venv: Path, log: Callable[[str], None] = print, lock: Path = LOCK,
                 what: str = "the services") -> float:
    """Create `venv` and install `lock` into it; returns the seconds it took."""
    started = time.monotonic()
    uv = uv_command()
    python = venv / "bin" / "python"
    if uv:
        log(f"lab: installing {what} into {venv} from {lock.name} with uv "
            "(first time: uWSGI compiles)")
        if not python.exists():
            _run([*uv, "venv", "--quiet", "--python", PYTHON, str(venv)], "uv venv")
        _run([*uv, "pip", "install", "--quiet", "--compile-bytecode", "--python", str(python),
              "-r", str(lock)],
             "uv pip install")
    else:
        log(f"lab: uv not found; installing into {venv} with pip (slower)")
        if not python.exists():
            _run([sys.executable, "-m", "venv", str(venv)], "venv")
        _run([str(python), "-m", "pip", "install", "--quiet", "--no-deps", "-r", str(lock)],
             "pip install")
    return time.monotonic() - started


def install_plugins(venv: Path) -> None:
    """Install lab/plugins (built from a copy, so no build/ or egg-info lands in the tree)."""
    uv = uv_command()
    python = venv / "bin" / "python"
    with tempfile.TemporaryDirectory(prefix="cloudnotes-lab-plugins-") as tmp:
        source = Path(tmp) / "plugins"
        shutil.copytree(PLUGINS, source, ignore=shutil.ignore_patterns(
            "build", "*.egg-info", "__pycache__", ".gitignore"))
        if uv:
            _run([*uv, "pip", "install", "--quiet", "--python", str(python), "--no-deps",
                  "--reinstall-package", "cloudnotes-lab-plugins", str(source)], "plugins")
        else:
            _run([str(python), "-m", "pip", "install", "--quiet", "--no-deps",
                  "--force-reinstall", str(source)], "plugins")


def ensure_venv(layout: Layout, log: Callable[[str], None] = print) -> float | None:
    """Install or update .lab/venv when the lock or the plugins changed.

    Returns the install time in seconds when a venv was (re)installed, else None.
    """
    venv = layout.venv
    lock_mark = venv / ".cloudnotes-lock"
    plugin_mark = venv / ".cloudnotes-plugins"
    lock_sum = digest([LOCK])
    spent = None
    if not (venv / "bin" / "python").exists() or not lock_mark.exists() \
            or lock_mark.read_text() != lock_sum:
        if (venv / "bin" / "python").exists():
            log("lab: requirements.lock changed; updating the services' venv")
        spent = install_venv(venv, log)
        lock_mark.write_text(lock_sum)
    plugin_sum = digest(plugin_files())
    if not plugin_mark.exists() or plugin_mark.read_text() != plugin_sum:
        install_plugins(venv)
        plugin_mark.write_text(plugin_sum)
    write_pth(venv)
    return spent


PTH_NAME = "cloudnotes_lab.pth"
PTH_LINE = "import cloudnotes_lab_plugins.sqlite_retry\n"


def write_pth(venv: Path) -> None:
    """Load the SQLite lock-retry fix at interpreter start (it acts only when enabled)."""
    for site in (venv / "lib").glob("python3*/site-packages"):
        pth = site / PTH_NAME
        if not pth.exists() or pth.read_text() != PTH_LINE:
            pth.write_text(PTH_LINE)
