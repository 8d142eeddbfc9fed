"""Notebook execution for the site build, cached by the notebook and the engine it ran on.

mkdocs-jupyter executes a notebook every time the page is built, in every language: the two
copies of containers/start-latency ran on each build, and `mkdocs serve` needed a minute to
show an edit. Its own cache does not help: under mkdocs-static-i18n each language's build
evicts the other's entries, and its key does not know the Docker engine the notebook measures.

Here the hooks execute each notebook that mkdocs-jupyter would execute (its `execute` and
`execute_ignore` settings, which mkdocs.yml keeps), with nbclient, in the notebook's folder and
with `allow_errors` off (a failing cell fails the build), and keep the executed copy in
`.cache/notebooks/<docs folder>/<key>/`. mkdocs-jupyter renders that copy without executing. The key
hashes the notebook file, the files its metadata lists as inputs (stored samples it plots), the
kernel, the Python version and the Docker engine the build talks
to (its ID, version, kernel and cgroup version; "none" when no engine answers): editing the
notebook or building against another engine runs it again, so a page never shows outputs of
another notebook or another engine. Entries the build did not use are removed.
"""

from __future__ import annotations

import functools
import hashlib
import json
import platform
import shutil
from pathlib import Path, PurePath

ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / ".cache" / "notebooks"
TIMEOUT = 600  # seconds per cell


@functools.lru_cache(maxsize=1)
def engine_identity() -> str:
    """The Docker engine the build talks to, as a notebook measuring it would see it."""
    try:
        import docker

        client = docker.from_env(timeout=5)
        try:
            info = client.info()
        finally:
            client.close()
    except Exception:  # no engine, no SDK, no permission: notebooks that need one will fail
        return "none"
    return json.dumps({k: info.get(k) for k in
                       ("ID", "ServerVersion", "KernelVersion", "CgroupVersion", "OSType")},
                      sort_keys=True)


def inputs(notebook: Path, root: Path = ROOT) -> list[Path]:
    """Files a notebook reads besides itself, as its metadata names them
    (`"cloudnotes": {"inputs": ["docs/outputs/..."]}`, relative to the repository)."""
    metadata = json.loads(notebook.read_text(encoding="utf-8")).get("metadata", {})
    return [root / name for name in metadata.get("cloudnotes", {}).get("inputs", [])]


def cache_key(notebook: Path, kernel: str, engine: str, root: Path = ROOT) -> str:
    """The notebook, every file it reads, the kernel, Python and the Docker engine."""
    digest = hashlib.sha256()
    parts = [notebook.read_bytes(), kernel.encode(), platform.python_version().encode(),
             engine.encode()]
    for path in inputs(notebook, root):  # a missing input is part of the key too
        parts.append(path.as_posix().encode() + (path.read_bytes() if path.is_file()
                                                 else b"\0missing"))
    for part in parts:
        digest.update(hashlib.sha256(part).digest())
    return digest.hexdigest()[:24]


def execute(notebook: Path, target: Path, kernel: str) -> None:
    """Run every cell of `notebook` in its folder and write the result to `target`."""
    import nbclient
    import nbformat

    nb = nbformat.read(notebook, as_version=4)
    client = nbclient.NotebookClient(nb, timeout=TIMEOUT, kernel_name=kernel or "python3",
                                     allow_errors=False,
                                     resources={"metadata": {"path": str(notebook.parent)}})
    client.execute()
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".partial")
    nbformat.write(nb, partial)
    partial.replace(target)


class SiteNotebooks:
    """Takes over mkdocs-jupyter's execution (see the module docstring)."""

    def __init__(self, cache: Path = CACHE) -> None:
        self.cache = cache
        self.execute = False
        self.ignore: list[str] = []
        self.kernel = ""
        self.used: set[str] = set()
        self.folder = cache
        self.docs = ""

    def config(self, config) -> None:
        plugin = config.plugins.get("mkdocs-jupyter")
        if plugin is None:
            return
        # One folder per docs folder (the tests build small sites of their own).
        docs = str(Path(config.docs_dir).resolve())
        self.folder = self.cache / hashlib.sha256(docs.encode()).hexdigest()[:8]
        self.docs = docs
        if plugin.config["execute"]:  # ours from now on (mkdocs serve reloads: keep ours)
            self.execute, plugin.config["execute"] = True, False
            self.ignore = list(plugin.config["execute_ignore"] or [])
            self.kernel = plugin.config["kernel_name"] or ""
            plugin.config["cache"] = False

    def wants(self, page) -> bool:
        src = page.file.abs_src_path or ""
        return (self.execute and src.endswith(".ipynb")
                and not any(PurePath(src).match(p) for p in self.ignore))

    def pre_page(self, page) -> None:
        """Point the page at its executed copy (executing it first if the cache has none)."""
        if not self.wants(page):
            return
        from mkdocs.exceptions import PluginError

        source = Path(page.file.abs_src_path)
        key = cache_key(source, self.kernel, engine_identity())
        executed = self.folder / key / source.name  # same name: the download keeps it
        if not executed.is_file():
            try:
                execute(source, executed, self.kernel)
            except Exception as exc:  # a failing cell: the build fails, saying which
                raise PluginError(f"notebook {page.file.src_uri} failed: {exc}") from None
        self.used.add(key)
        page.file.abs_src_path = str(executed)

    def post_build(self) -> None:
        """Remove cached runs this build did not use (call once all languages are built), and
        the folders of docs folders that are gone."""
        if not self.folder.is_dir() or not self.used:
            return
        (self.folder / "docs_dir.txt").write_text(self.docs, encoding="utf-8")
        for entry in self.folder.iterdir():
            if entry.is_dir() and entry.name not in self.used:
                shutil.rmtree(entry, ignore_errors=True)
        for folder in self.cache.iterdir():
            marker = folder / "docs_dir.txt"
            if marker.is_file() and not Path(marker.read_text(encoding="utf-8")).is_dir():
                shutil.rmtree(folder, ignore_errors=True)
        self.used.clear()


NOTEBOOKS = SiteNotebooks()
