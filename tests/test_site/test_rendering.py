"""No rendering artefacts on any built page (see artefacts.py for what counts as one)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.test_site.artefacts import rendering_artefacts, unexpanded_directives

CLEAN = """<html><head><title>Page - Site</title></head><body>
<h1 id="page">Page<a class="headerlink" href="#page">¶</a></h1>
<div class="admonition note"><p class="admonition-title">Where the note differs: "quoted"</p>
<p>Code can show <code>{ #id }</code>, <code>"a \\"b\\""</code>, <code>&lt;b&gt;</code>.</p>
</div>
<div class="highlight"><span class="filename">Output</span><pre><span></span><code>x = "\\""
</code></pre></div>
<p>Prose may mention <code>--8&lt;-- "file"</code> inline, and &lt;tags&gt; as text.</p>
<script>var s = "\\" { #x } &amp;lt;";</script>
</body></html>"""

PLANTED = {
    "literal \\\"": '<p class="admonition-title">note differs: \\"quoted\\"</p>',
    "code-block title": '<div class="highlight"><span class="filename">Out \\"x\\"</span>'
                        "<pre><code>1\n</code></pre></div>",
    "attr_list marker": "<h2 id=\"x\">Heading { #setup }</h2>",
    "unexpanded snippet directive": '<pre><code>--8&lt;-- "docs/outputs/a.txt"\n</code></pre>',
    "escaped entity shown as text": "<p>a &amp;lt;b&amp;gt; tag</p>",
    "escaped quote entity in code": "<pre><code>say &amp;quot;hi&amp;quot;\n</code></pre>",
    "empty code block": '<div class="highlight"><pre><span></span><code>\n</code></pre></div>',
}


@pytest.mark.site
def test_a_clean_page_has_no_artefacts() -> None:
    assert rendering_artefacts(CLEAN) == []


@pytest.mark.site
@pytest.mark.parametrize("kind", PLANTED)
def test_each_planted_artefact_is_found(kind: str) -> None:
    page = CLEAN.replace("</body>", PLANTED[kind] + "\n</body>")
    found = rendering_artefacts(page)
    assert len(found) == 1, f"{kind}: {found}"


@pytest.mark.site
def test_unexpanded_directive_forms() -> None:
    code = ('<pre><span></span><code><span id="__span-0-1">--8&lt;-- '
            '&quot;examples/docker/x.py&quot;\n</span></code></pre>')
    assert unexpanded_directives(code) == ['--8<-- "examples/docker/x.py"']
    assert unexpanded_directives("<pre><code>--8&lt;--\nexamples/a.py\n--8&lt;--\n</code></pre>")
    prose = '<p>the line <code>--8&lt;-- "examples/..."</code> is replaced by the file</p>'
    assert unexpanded_directives(prose) == []


@pytest.mark.docker
@pytest.mark.site
def test_no_rendering_artefacts_on_any_page(site: Path) -> None:
    offenders = {}
    for path in sorted(site.rglob("*.html")):
        found = rendering_artefacts(path.read_text(encoding="utf-8"))
        if found:
            offenders[str(path.relative_to(site))] = found
    report = "\n".join(f"{page}:\n  " + "\n  ".join(found) for page, found in offenders.items())
    assert not offenders, (f"{sum(map(len, offenders.values()))} rendering artefact(s) on "
                           f"{len(offenders)} page(s):\n{report}")
