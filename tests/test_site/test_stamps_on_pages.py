"""The stamps on the pages: the hook (tools/output_stamps.py) on small inputs, and the built
site, where every output shows the stamp of its run right under it and the start-latency
notebook prints the engine it measured."""

from __future__ import annotations

import html
import json
import logging
import re
from pathlib import Path
from types import SimpleNamespace

import pytest

from tests.test_site import registry
from tools import output_stamps
from tools.stamps import Stamp, StampError, has_stored_outputs, read_stamp, write_stamp

STAMP = Stamp("docker", {"engine": "27.0.1", "api": "1.46", "cgroup": "2"}, "2026-11-30")
FENCE = "```"


def page(tmp_path: Path, src_uri: str, locale: str | None = None):
    file = SimpleNamespace(src_uri=src_uri, abs_src_path=str(tmp_path / "docs" / src_uri))
    if locale:
        file.locale = locale
    return SimpleNamespace(file=file)


@pytest.fixture
def tree(tmp_path: Path) -> tuple[Path, SimpleNamespace]:
    output = tmp_path / "docs/outputs/a/b.txt"
    output.parent.mkdir(parents=True)
    output.write_text("hello\n")
    write_stamp(output, STAMP)
    return tmp_path, SimpleNamespace(config_file_path=str(tmp_path / "mkdocs.yml"))


MARKDOWN = f"""# Page {{ #page }}

{FENCE}text title="Output"
--8<-- "docs/outputs/a/b.txt"
{FENCE}
Right after.

??? success "Output, folded"

    {FENCE}text
    --8<-- "docs/outputs/a/b.txt"
    {FENCE}

{FENCE}python
--8<-- "examples/a/b.py"
{FENCE}
"""


@pytest.mark.site
@pytest.mark.parametrize("src_uri, locale, head", [
    ("page.md", "ko", "실행 환경: "), ("page.en.md", "en", "Ran on "),
    ("page.en.md", None, "Ran on "),
])
def test_hook_puts_the_stamp_under_each_output_block(tree, src_uri, locale, head) -> None:
    root, config = tree
    out = output_stamps.on_page_markdown(MARKDOWN, page(root, src_uri, locale), config, None)
    line = STAMP.line("ko" if head.startswith("실행") else "en")
    assert line.startswith(head)
    stamp = f"<small>{line}</small>\n{{: .output-stamp }}"
    assert f'--8<-- "docs/outputs/a/b.txt"\n{FENCE}\n\n{stamp}\n\nRight after.' in out
    folded = stamp.replace("\n", "\n    ")
    assert f'    --8<-- "docs/outputs/a/b.txt"\n    {FENCE}\n\n    {folded}\n' in out
    assert out.count("{: .output-stamp }") == 2, "the example's code block got a stamp"


@pytest.mark.site
def test_stamp_text_is_escaped_for_markdown() -> None:
    assert output_stamps.stamp_markdown("a_b *c* <d>", "  ") == (
        "  <small>a\\_b \\*c\\* \\<d\\></small>\n  {: .output-stamp }")


@pytest.mark.site
def test_hook_warns_about_a_missing_or_foreign_stamp(tree, caplog) -> None:
    root, config = tree
    (root / "docs/outputs/a/b.txt").write_text("hello, edited\n")
    with caplog.at_level(logging.WARNING, logger="mkdocs.hooks.output_stamps"):
        out = output_stamps.on_page_markdown(MARKDOWN, page(root, "page.md"), config, None)
    assert out == MARKDOWN
    assert [r.getMessage() for r in caplog.records] == [
        "page.md: docs/outputs/a/b.txt: b.stamp.json was written for another version of b.txt "
        "(edited by hand, or only one of them regenerated): run `make outputs`"] * 2


@pytest.mark.site
def test_hook_stamps_a_stored_notebook_under_its_title(tmp_path: Path, caplog) -> None:
    nb = tmp_path / "docs/nb.en.ipynb"
    nb.parent.mkdir(parents=True)
    nb.write_text(json.dumps({"cells": [{"cell_type": "code", "source": "print(1)", "outputs": [
        {"output_type": "stream", "name": "stdout", "text": "1\n"}]}]}))
    content = '<h1 id="nb">Notebook</h1>\n<div class="jp-Cell">1</div>'
    config = SimpleNamespace(docs_dir=str(tmp_path / "docs"))
    with caplog.at_level(logging.WARNING, logger="mkdocs.hooks.output_stamps"):
        unstamped = output_stamps.on_page_content(content, page(tmp_path, "nb.en.ipynb", "en"),
                                                  config, None)
    assert unstamped == content and "nb.en.ipynb: nb.en.ipynb has no stamp" in caplog.text
    write_stamp(nb, STAMP)
    stamped = output_stamps.on_page_content(content, page(tmp_path, "nb.en.ipynb", "en"),
                                            config, None)
    assert stamped == ('<h1 id="nb">Notebook</h1>\n<p class="output-stamp"><small>'
                       f'{html.escape(STAMP.line("en"))}</small></p>\n<div class="jp-Cell">1</div>')
    run_at_build = tmp_path / "docs/live.ipynb"
    run_at_build.write_text(json.dumps({"cells": [{"cell_type": "code", "outputs": []}]}))
    assert output_stamps.on_page_content(content, page(tmp_path, "live.ipynb", "ko"),
                                         config, None) == content


# --- the built site ----------------------------------------------------------------------------

def shown_outputs() -> list[tuple[str, str, str]]:
    """(page source, language, output) for every output a page includes."""
    found = []
    for path in registry.pages():
        for target in registry.read_page(path).includes:
            if target.startswith("docs/outputs/"):
                found.append((registry.twin_key(path), registry.page_language(path), target))
    return found


@pytest.mark.docker
@pytest.mark.site
def test_every_output_on_the_site_shows_its_stamp(site: Path) -> None:
    missing = []
    for src, lang, target in shown_outputs():
        try:
            line = read_stamp(registry.ROOT / target).line(lang)
        except StampError:
            continue  # registry.check_output_stamps reports it
        built = registry.page_html(site, src, lang).read_text(encoding="utf-8")
        under_block = re.compile(r"</code></pre></div>\s*<p class=\"output-stamp\"><small>"
                                 + re.escape(html.escape(line)) + "</small></p>")
        if not under_block.search(built):
            missing.append(f"{registry.page_url(src, lang)}: {target}")
    for notebook in registry.pages():
        if notebook.suffix != ".ipynb" or not has_stored_outputs(notebook):
            continue
        try:
            line = read_stamp(notebook).line(registry.page_language(notebook))
        except StampError:
            continue
        built = registry.page_html(site, registry.twin_key(notebook),
                                   registry.page_language(notebook)).read_text(encoding="utf-8")
        if not re.search(r"</h1>\s*" + re.escape(output_stamps.stamp_html(line)), built):
            missing.append(f"{notebook.relative_to(registry.ROOT)}: its stamp under the title")
    assert not missing, "outputs without their stamp right under them:\n" + "\n".join(missing)


@pytest.mark.docker
@pytest.mark.site
@pytest.mark.parametrize("lang, head", [("ko", "실행 환경: "), ("en", "Ran on ")])
def test_start_latency_prints_what_it_ran_on(site: Path, docker_stamp: Stamp, lang: str,
                                             head: str) -> None:
    """The notebook runs at build time and prints its own stamp, from the same engine API as
    tools/stamps.py (with only docker and the standard library, as a reader runs it)."""
    built = registry.page_html(site, "containers/start-latency.ipynb", lang).read_text(
        encoding="utf-8")
    expected = html.escape(docker_stamp.line(lang, with_date=False))
    assert expected.startswith(head + "Docker Engine ")
    assert re.search(re.escape(expected) + r" · \d{4}-\d{2}-\d{2}\s*<", built), (
        f"no {expected!r} line in the executed notebook")
