"""The query analyser (tools/search_query.js) as a unit, in Chromium: how a reader's word is
cut into the index's terms. The whole search (index + analyser + Material) is measured by the
query set in test_browser.py."""

from __future__ import annotations

import json

import pytest

from tools.search_index import QUERY_JS

pytestmark = pytest.mark.site

VOCABULARY = ["블록", "스토리지", "컨테이너", "격리", "가상", "머신", "오브젝트", "런타임", "nova",
              "노바", "contain", "isol"]
TAILS = ["는", "를", "은", "하다", "합니다", "란", "이란"]


@pytest.fixture(scope="module")
def js(browser):
    page = browser.new_page()
    page.set_content("<!doctype html><title>search_query.js</title>")
    page.add_script_tag(content=QUERY_JS.read_text(encoding="utf-8"))

    def call(expression: str, *args):
        return page.evaluate(f"""([vocab, tails, args]) => {{
            const S = CloudnotesSearch, vocab_ = new S.Vocabulary(vocab), tails_ = {{}};
            tails.forEach(t => tails_[t] = true);
            return ({expression})(...args);
        }}""".replace("vocab_", "V").replace("tails_", "T"), [VOCABULARY, TAILS, list(args)])

    yield call
    page.close()


CUTS = [
    ("블록스토리지", ["블록", "스토리지"]),        # unspaced compound, spaced in the pages
    ("블록스토리지를", ["블록", "스토리지"]),      # ... with a particle
    ("컨테이너는", ["컨테이너"]),
    ("격리하다", ["격리"]),                     # a verb form the pages do not use
    ("컨테이너런타임은", ["컨테이너", "런타임"]),
    ("스토리", ["스토리"]),                     # typed halfway: a prefix of an index term
    ("오브젝트스토리지란", ["오브젝트", "스토리지"]),
    ("모르는말", ["모르는말"]),                  # unknown: searched as typed
    ("노바는", ["노바"]),
]


@pytest.mark.parametrize(("word", "terms"), CUTS, ids=[w for w, _ in CUTS])
def test_hangul_words_are_cut_into_index_terms(js, word: str, terms: list[str]) -> None:
    assert js("(w) => S.cutHangul(w, V, T)", word) == terms


def test_each_piece_goes_through_the_index_pipeline(js) -> None:
    # A stand-in pipeline: English stop words dropped, words stemmed as the index's stemmer does.
    stem = {"containers": "contain", "isolating": "isol"}
    expression = f"""(w) => S.analyseWord(w, {{vocab: V, tails: T,
        analyse: p => (p === "what" || p === "is" ? [] : [({json.dumps(stem)})[p] || p])}})"""
    assert js(expression, "Containers") == ["contain"]
    assert js(expression, "isolating") == ["isol"]
    assert js(expression, "what") == []
    assert js(expression, "블록스토리지는") == ["블록", "스토리지"]


def test_other_spellings_are_indexed_at_the_word(js) -> None:
    tokens = js("""(w) => {
        const token = {str: w, metadata: {position: [3, 4]}, toString() { return this.str },
                       clone(fn) { return {...this, str: fn(this.str)} }};
        const out = S.expand(token, {nova: ["노바"], vm: ["가상 머신"]});
        return (Array.isArray(out) ? out : [out]).map(t => [t.str, t.metadata.position]);
    }""", "vm")
    assert tokens == [["vm", [3, 4]], ["가상", [3, 4]], ["머신", [3, 4]]]


def test_vocabulary_lookups(js) -> None:
    assert js("(w) => [V.has(w), V.hasPrefix(w), V.has('블'), V.hasPrefix('블')]", "블록") == [
        True, True, False, True]
    assert js("() => [V.hasPrefix('없는'), V.hasPrefix('')]") == [False, True]
