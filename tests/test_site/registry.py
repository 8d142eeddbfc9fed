"""What ties the site together, read from the source tree: pages, twins, anchors, includes.

Every function takes the project root, so the tests can run them on the real tree and on a
small broken tree made for the purpose (test_registry.py does both). The checks return a list
of problems, one readable line each; an empty list means the tree follows the conventions of
README.md ("Layout: page → snippet → test").
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
LANGS = ("ko", "en")  # ko is the default language: `page.md`; English is `page.en.md`
PAGE_SUFFIXES = (".md", ".ipynb")

_FENCE = re.compile(r"^(?P<indent>\s*)(?P<fence>`{3,}|~{3,})")
_HEADING = re.compile(r"^ {0,3}(?P<marks>#{1,6})\s+(?P<text>.*?)\s*#*\s*$")
_ATTRS = re.compile(r"\s*\{:?(?P<attrs>[^{}]*)\}\s*$")  # attr_list at the end of a heading
_ID = re.compile(r"(?:^|\s)#(?P<id>[^\s{}]+)")
# `--8<-- "path"` (a line of its own, possibly indented); `;--8<--` is the escaped form.
_SNIPPET_LINE = re.compile(r'^\s*--8<--\s+(["\'])(?P<target>[^"\']+)\1\s*$')
_SNIPPET_BLOCK = re.compile(r"^\s*--8<--\s*$")
_REFERENCE = re.compile(r"^:::\s+(?P<identifier>[\w.]+)\s*$", re.M)


# --- files ----------------------------------------------------------------------------------

def examples(root: Path = ROOT) -> list[str]:
    """Example scripts as paths relative to examples/, e.g. `docker/pid_namespace.py`."""
    base = root / "examples"
    return sorted(
        p.relative_to(base).as_posix() for p in base.rglob("*.py")
        if "__pycache__" not in p.parts and not p.name.startswith("_")
    )


def mirrored_test(example: str, root: Path = ROOT) -> Path:
    """examples/a/b.py -> tests/test_examples/a/test_b.py"""
    path = Path(example)
    return root / "tests" / "test_examples" / path.parent / f"test_{path.name}"


def page_language(path: Path) -> str:
    suffixes = path.suffixes
    return "en" if len(suffixes) >= 2 and suffixes[-2] == ".en" else "ko"


def twin_key(path: Path, root: Path = ROOT) -> str:
    """The page a file is a version of: `containers/index.en.md` -> `containers/index.md`."""
    rel = path.relative_to(root / "docs").as_posix()
    return rel.replace(".en.", ".", 1) if page_language(path) == "en" else rel


def pages(root: Path = ROOT) -> list[Path]:
    """Every page source under docs/ (Markdown and notebooks), both languages."""
    docs = root / "docs"
    return sorted(
        p for p in docs.rglob("*") if p.suffix in PAGE_SUFFIXES and p.is_file()
        and ".ipynb_checkpoints" not in p.parts
    )


def page_groups(root: Path = ROOT) -> dict[str, dict[str, Path]]:
    """{twin key: {language: path}} for every page."""
    groups: dict[str, dict[str, Path]] = {}
    for path in pages(root):
        groups.setdefault(twin_key(path, root), {})[page_language(path)] = path
    return groups


# --- reading a page ---------------------------------------------------------------------------

def markdown_text(path: Path) -> str:
    """A page's Markdown: the file itself, or a notebook's Markdown cells."""
    if path.suffix == ".ipynb":
        notebook = json.loads(path.read_text(encoding="utf-8"))
        cells = [c for c in notebook.get("cells", []) if c.get("cell_type") == "markdown"]
        return "\n\n".join("".join(c["source"]) if isinstance(c["source"], list) else c["source"]
                           for c in cells)
    return path.read_text(encoding="utf-8")


@dataclass
class Heading:
    line: int
    level: int
    text: str
    anchor: str | None


@dataclass
class PageInfo:
    headings: list[Heading] = field(default_factory=list)
    includes: list[str] = field(default_factory=list)  # include targets as written
    code_blocks: int = 0


def read_page(path: Path) -> PageInfo:
    """Headings outside code fences, and snippet include targets (which live inside fences)."""
    info = PageInfo()
    lines = markdown_text(path).splitlines()
    fence: str | None = None
    in_block = False  # inside a multi-line `--8<--` block
    start = 0
    if lines and lines[0].strip() == "---":  # front matter
        for i, line in enumerate(lines[1:], 1):
            if line.strip() == "---":
                start = i + 1
                break
    for number, line in enumerate(lines[start:], start + 1):
        if in_block:
            if _SNIPPET_BLOCK.match(line):
                in_block = False
            elif line.strip() and not line.strip().startswith(";"):
                info.includes.append(line.strip())
            continue
        snippet = _SNIPPET_LINE.match(line)
        if snippet:
            info.includes.append(snippet["target"])
            continue
        if _SNIPPET_BLOCK.match(line):
            in_block = True
            continue
        opening = _FENCE.match(line)
        if fence is None and opening:
            fence = opening["fence"]
            info.code_blocks += 1
            continue
        if fence is not None:
            stripped = line.strip()
            if stripped.startswith(fence) and set(stripped) == {fence[0]}:
                fence = None
            continue
        heading = _HEADING.match(line)
        if heading:
            attrs = _ATTRS.search(heading["text"])
            anchor = _ID.search(attrs["attrs"]) if attrs else None
            text = _ATTRS.sub("", heading["text"]).strip()
            info.headings.append(Heading(number, len(heading["marks"]), text,
                                         anchor["id"] if anchor else None))
    return info


def include_file(target: str) -> str:
    """`examples/a.py:section` -> `examples/a.py` (drop a section name or line range)."""
    return target.split(":", 1)[0]


def reference_identifiers(path: Path) -> list[str]:
    """mkdocstrings `::: identifier` lines of a page."""
    return _REFERENCE.findall(markdown_text(path)) if path.suffix == ".md" else []


# --- nav ------------------------------------------------------------------------------------

class _ConfigLoader(yaml.SafeLoader):
    """Reads mkdocs.yml: `!ENV` as MkDocs does, `!!python/...` objects as None (not run)."""


def _env(loader: yaml.SafeLoader, node: yaml.Node):
    """`!ENV VAR` or `!ENV [VAR, ..., default]`: the first variable set, else the default."""
    if isinstance(node, yaml.ScalarNode):
        names, default = [loader.construct_scalar(node)], None
    else:
        *names, default = loader.construct_sequence(node)
    for name in names:
        if name in os.environ:
            return yaml.safe_load(os.environ[name])
    return default


_ConfigLoader.add_constructor("!ENV", _env)
_ConfigLoader.add_multi_constructor("", lambda loader, suffix, node: None)
_ConfigLoader.add_multi_constructor("tag:yaml.org,2002:python/",
                                    lambda loader, suffix, node: None)


def load_config(root: Path = ROOT) -> dict:
    return yaml.load((root / "mkdocs.yml").read_text(encoding="utf-8"), Loader=_ConfigLoader)


def nav_pages(root: Path = ROOT) -> list[str]:
    """Source paths (default language) of every page in the nav, in nav order."""
    found: list[str] = []

    def walk(item) -> None:
        if isinstance(item, str):
            if not item.startswith(("http://", "https://")):
                found.append(item)
        elif isinstance(item, list):
            for child in item:
                walk(child)
        elif isinstance(item, dict):
            for child in item.values():
                walk(child)

    walk(load_config(root).get("nav", []))
    return found


def page_url(src: str, lang: str) -> str:
    """Site-relative URL of a page (use_directory_urls): `containers/index.md` -> `containers/`."""
    stem = src.rsplit(".", 1)[0]
    if stem == "index":
        path = ""
    elif stem.endswith("/index"):
        path = stem.removesuffix("index")
    else:
        path = stem + "/"
    return ("en/" if lang == "en" else "") + path


def page_html(site: Path, src: str, lang: str) -> Path:
    return site / page_url(src, lang) / "index.html"


# --- checks ---------------------------------------------------------------------------------

def check_example_tests(root: Path = ROOT) -> list[str]:
    return [f"examples/{ex} has no test {mirrored_test(ex, root).relative_to(root)}"
            for ex in examples(root) if not mirrored_test(ex, root).is_file()]


def includes_by_language(root: Path = ROOT) -> dict[str, dict[str, set[str]]]:
    """{language: {included file: {pages that include it}}}"""
    found: dict[str, dict[str, set[str]]] = {lang: {} for lang in LANGS}
    for path in pages(root):
        for target in read_page(path).includes:
            found[page_language(path)].setdefault(include_file(target), set()).add(
                path.relative_to(root).as_posix())
    return found


def check_examples_on_pages(root: Path = ROOT) -> list[str]:
    included = includes_by_language(root)
    return [f"examples/{ex} is not included by any {lang} page"
            for ex in examples(root) for lang in LANGS
            if f"examples/{ex}" not in included[lang]]


def check_twins(root: Path = ROOT) -> list[str]:
    problems = []
    for _key, versions in sorted(page_groups(root).items()):
        for lang in LANGS:
            if lang not in versions:
                other = next(iter(versions.values())).relative_to(root)
                problems.append(f"{other} has no {lang} twin")
    return problems


def check_twin_anchors(root: Path = ROOT) -> list[str]:
    problems = []
    for key, versions in sorted(page_groups(root).items()):
        if set(versions) != set(LANGS):
            continue  # reported by check_twins
        anchors = {lang: [h.anchor for h in read_page(p).headings] for lang, p in versions.items()}
        if anchors["ko"] != anchors["en"]:
            problems.append(f"docs/{key}: heading anchors differ between languages: "
                            f"ko {anchors['ko']} / en {anchors['en']}")
    return problems


def check_twin_includes(root: Path = ROOT) -> list[str]:
    problems = []
    for key, versions in sorted(page_groups(root).items()):
        if set(versions) != set(LANGS):
            continue
        included = {lang: set(read_page(p).includes) for lang, p in versions.items()}
        if included["ko"] != included["en"]:
            only_ko = sorted(included["ko"] - included["en"])
            only_en = sorted(included["en"] - included["ko"])
            problems.append(f"docs/{key}: includes differ: only in ko {only_ko}, "
                            f"only in en {only_en}")
    return problems


def check_heading_anchors(root: Path = ROOT) -> list[str]:
    problems = []
    for path in pages(root):
        for heading in read_page(path).headings:
            if heading.anchor is None:
                problems.append(f"{path.relative_to(root)}:{heading.line}: heading "
                                f"{heading.text!r} has no explicit {{ #anchor }}")
    return problems


def check_duplicate_anchors(root: Path = ROOT) -> list[str]:
    problems = []
    for path in pages(root):
        seen: set[str] = set()
        for heading in read_page(path).headings:
            if heading.anchor and heading.anchor in seen:
                problems.append(f"{path.relative_to(root)}:{heading.line}: anchor "
                                f"#{heading.anchor} is used twice")
            seen.add(heading.anchor or "")
    return problems


def check_include_targets(root: Path = ROOT) -> list[str]:
    return [f"{page} includes {target}, which does not exist"
            for lang in LANGS for target, where in includes_by_language(root)[lang].items()
            for page in sorted(where) if not (root / target).is_file()]


def check_outputs(root: Path = ROOT) -> list[str]:
    problems = []
    outputs = root / "docs" / "outputs"
    included = includes_by_language(root)
    known = set(examples(root))
    for output in sorted(outputs.rglob("*.txt")) if outputs.is_dir() else []:
        rel = output.relative_to(root).as_posix()
        example = output.relative_to(outputs).with_suffix(".py").as_posix()
        if example not in known:
            problems.append(f"{rel} belongs to no example (examples/{example} does not exist)")
        if not any(rel in included[lang] for lang in LANGS):
            problems.append(f"{rel} is not shown by any page")
    return problems


def check_output_stamps(root: Path = ROOT) -> list[str]:
    """Every output a page shows, and every notebook stored with its outputs, has the stamp of
    the run that wrote it (tools/stamps.py): present, sealed, and made for that very text."""
    from tools.stamps import StampError, has_stored_outputs, read_stamp

    shown = sorted({include_file(target) for lang in LANGS
                    for target in includes_by_language(root)[lang]
                    if target.startswith("docs/outputs/")})
    stored = [page for page in pages(root) if page.suffix == ".ipynb" and has_stored_outputs(page)]
    problems = []
    for path in [root / rel for rel in shown] + stored:
        if not path.is_file():
            continue  # check_include_targets reports it
        try:
            read_stamp(path)
        except StampError as exc:
            problems.append(f"{path.relative_to(root).as_posix()}: {exc}")
    return problems


def reference_pages(root: Path = ROOT) -> dict[str, Path]:
    """{examples folder: reference page}: `docs/reference/<folder>.md` per example folder."""
    return {folder: root / "docs" / "reference" / f"{folder}.md"
            for folder in sorted({ex.split("/", 1)[0] for ex in examples(root)})}


def reference_identifier(example: str) -> str:
    """The mkdocstrings identifier of an example module (search path: each examples/<folder>).

    `docker/pid_namespace.py` -> `pid_namespace`; `openstack/glance/image_list.py` ->
    `glance.image_list`.
    """
    return ".".join(Path(example).with_suffix("").parts[1:])


def check_reference(root: Path = ROOT) -> list[str]:
    problems = []
    pages_by_folder = reference_pages(root)
    for folder, page in pages_by_folder.items():
        if not page.is_file():
            problems.append(f"examples/{folder}/ has no reference page "
                            f"{page.relative_to(root)}")
    documented = {ident for page in pages_by_folder.values() if page.is_file()
                  for ident in reference_identifiers(page)}
    for ex in examples(root):
        page = pages_by_folder[ex.split("/", 1)[0]]
        if page.is_file() and reference_identifier(ex) not in documented:
            problems.append(f"examples/{ex} is missing from {page.relative_to(root)} "
                            f"(`::: {reference_identifier(ex)}`)")
    return problems
