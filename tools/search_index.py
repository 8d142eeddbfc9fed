"""The site's search: one index per language, Korean words analysed at build time by Kiwi.

Material's search builds a lunr index in the reader's browser from `search/search_index.json`
and searches every query word as a prefix. Korean defeats that in two ways: particles and
endings are glued to the word (컨테이너는, 격리합니다), and compounds are written with or
without a space (블록 스토리지 / 블록스토리지). The design here:

Index side (this module, at build time). Every Korean word of the index text is analysed by
Kiwi (kiwipiepy, a morphological analyser with a built-in model), and a zero-width space
(U+200B, part of the search separator) goes in where the analysis sees a boundary: between a
stem and its particle or ending (컨테이너|는, 격리|합니다), and between the nouns of a compound
when each part is a word the site also uses on its own (블록|스토리지, not 네임|스페이스). A
second pass makes the analysis consistent over the site: a word Kiwi left whole that is one of
the site's words plus one of the endings Kiwi found elsewhere is split the same way. The text
reads the same (the space has no width), lunr indexes the parts, and Material's highlighting,
which marks tokens by position, marks the part of the original word that matched.

Query side (tools/search_query.js, appended to Material's search worker). The reader's words
are cut with the index's own vocabulary: a Hangul word that no index term starts with is split
into the longest index terms it begins with (블록스토리지 -> 블록 스토리지, 가상머신 -> 가상
머신), a trailing particle or ending is dropped (the list of endings is the one Kiwi found in the
pages, shipped with the script), and each piece goes through the index's own lunr pipeline
(stop words, English stemmer), so a query word is analysed exactly like the text. Each term is
searched as a prefix (Material's way) and, boosted, as itself, so 컨테이너 ranks a page about
containers above one that only says 컨테이너별. While the worker builds the index, the other
spellings of a word (Nova: 노바; VM: 가상 머신, tools/search_synonyms.yml) are indexed at the
word's position, so 노바 finds Nova and the word Nova is what gets highlighted.

One index per language. mkdocs-static-i18n merges the entries of every language into one
file; here each language gets its own (`search/search_index.json`, `en/search/...`), and the
English pages' `base` points at /en/ so Material fetches the English one.

Why Kiwi and not mecab-ko: both install from PyPI with their dictionary or model and analyse
these pages about equally well (split before a particle in ~3,540 vs ~3,600 of ~3,900 words),
mecab-ko is ~30x faster (0.1 s vs 2.8 s for the Korean index, plus 1.4 s to load Kiwi's
model), but Kiwi keeps the site's loanwords whole far more often (267 vs 362 broken
occurrences of 33 frequent nouns; mecab-ko breaks 쿠버네티스, 오픈스택, 인스턴스), reports each
morpheme's position in the original text (mecab-ko's surfaces must be re-aligned), and uses
context. Its cost is paid once: analyses are cached under .cache/search/, keyed by the text,
the kiwipiepy version and its model version.
"""

from __future__ import annotations

import bisect
import functools
import hashlib
import json
import re
from collections import Counter
from dataclasses import dataclass, field
from itertools import combinations, pairwise
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / ".cache" / "search"
QUERY_JS = Path(__file__).with_name("search_query.js")
SYNONYMS = Path(__file__).with_name("search_synonyms.yml")
BOUNDARY = "\u200b"  # zero-width space: splits tokens, invisible in the text
ADDON_MARK = "/* cloudnotes: search_query.js */"

# A run of letters and digits containing Hangul: the unit the analyser looks at.
_WORD = re.compile(r"[0-9A-Za-z\uac00-\ud7a3]*[\uac00-\ud7a3][0-9A-Za-z\uac00-\ud7a3]*")
_TAG = re.compile(r"<[^>]*>|&[a-z]+;|&#\d+;")
# Kiwi's tags (Sejong tag set): particles, endings, and the suffixes and copula that carry them.
_GRAMMAR = re.compile(r"^(J|E|XSV|XSA|XSM|VCP|VCN)")
_NOUN = re.compile(r"^(NN|NR|NP|SL|SH|SN|XR)")


@dataclass
class Analysis:
    """Where a word can be cut: `tail` is where its particle or ending starts (or None);
    `nouns` are the inner boundaries between the nouns of its stem."""

    start: int
    end: int
    tail: int | None
    nouns: list[int]


def _mask(text: str) -> str:
    """The text with markup blanked out (same length, so offsets stay valid)."""
    return _TAG.sub(lambda m: " " * len(m[0]), text)


@functools.lru_cache(maxsize=1)
def shared_kiwi():
    """One Kiwi per process: loading its model takes seconds, and `mkdocs serve` rebuilds in
    the same process (this module stays imported), so an edit pays only for its own text."""
    from kiwipiepy import Kiwi

    return Kiwi()


class KoreanAnalyser:
    """Kiwi's tokens for texts, cached on disk by the text's hash and Kiwi's version."""

    def __init__(self, cache_dir: Path = CACHE) -> None:
        import kiwipiepy
        import kiwipiepy_model

        self.version = f"kiwipiepy {kiwipiepy.__version__}, model {kiwipiepy_model.__version__}"
        key = hashlib.sha256(self.version.encode()).hexdigest()[:12]
        self.path = cache_dir / f"kiwi-{key}.json"
        self.cache: dict[str, list[list]] = {}
        if self.path.is_file():
            try:
                self.cache = json.loads(self.path.read_text(encoding="utf-8"))
            except ValueError:
                self.cache = {}
        self.used: set[str] = set()

    def tokens(self, texts: list[str]) -> list[list[list]]:
        """[[start, end, tag], ...] per text."""
        keys = [hashlib.sha256(t.encode()).hexdigest()[:24] for t in texts]
        missing = {k: t for k, t in zip(keys, texts, strict=True) if k not in self.cache}
        if missing:
            analysed = shared_kiwi().tokenize(list(missing.values()))
            for key, toks in zip(missing, analysed, strict=True):
                self.cache[key] = [[t.start, t.start + t.len, t.tag] for t in toks]
        self.used.update(keys)
        return [self.cache[k] for k in keys]

    def save(self) -> None:
        """Write the cache, keeping only the texts of this build."""
        kept = {k: v for k, v in self.cache.items() if k in self.used}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.write_text(json.dumps(kept, separators=(",", ":")), encoding="utf-8")


def analyse_words(text: str, tokens: list[list]) -> list[Analysis]:
    """Cut points of every Hangul word of `text` from Kiwi's tokens (in text order)."""
    found = []
    starts = [t[0] for t in tokens]
    for match in _WORD.finditer(text):
        start, end = match.span()
        first = max(bisect.bisect_left(starts, start) - 1, 0)
        inside = [t for t in tokens[first:bisect.bisect_left(starts, end, first)]
                  if t[0] < end and t[1] > start]
        # A cut is possible only where no morpheme straddles it (합니다 = 하 + ㅂ니다 is one).
        cuts = {t[0] for t in inside} | {t[1] for t in inside}
        straddled = {k for t in inside for k in range(t[0] + 1, t[1])}
        tail = None
        for t in inside:
            if _GRAMMAR.match(t[2]) and t[0] > start and t[0] in cuts - straddled:
                tail = t[0]
                break
        stem_end = tail if tail is not None else end
        nouns = sorted({t[0] for t in inside if start < t[0] < stem_end and _NOUN.match(t[2])
                        and t[0] not in straddled
                        and any(p[1] == t[0] and _NOUN.match(p[2]) for p in inside)})
        found.append(Analysis(start, end, tail, nouns))
    return found


@dataclass
class Vocabulary:
    """What the whole site's analysis says: its stand-alone words and its endings."""

    heads: Counter[str] = field(default_factory=Counter)  # stems, how often seen
    tails: set[str] = field(default_factory=set)
    # Noun boundaries seen inside each stem, in any of its occurrences: Kiwi may read the same
    # compound differently in two sentences, the index must cut it the same way everywhere.
    noun_cuts: dict[str, set[int]] = field(default_factory=dict)

    def learn(self, text: str, words: list[Analysis]) -> None:
        for word in words:
            stem_end = word.tail if word.tail is not None else word.end
            stem = text[word.start:stem_end].lower()
            self.heads[stem] += 1
            self.noun_cuts.setdefault(stem, set()).update(
                c - word.start for c in word.nouns if c < stem_end)
            if word.tail is not None:
                self.tails.add(text[word.tail:word.end])

    def word(self, part: str) -> bool:
        """A stand-alone site word: two syllables or more, seen on its own at least twice."""
        return len(part) >= 2 and self.heads[part.lower()] >= 2

    def split_compound(self, stem: str, cuts: list[int]) -> list[int]:
        """Inner cuts of a compound stem such that every part is a stand-alone site word."""
        for count in range(len(cuts), 0, -1):  # as many parts as possible
            for chosen in combinations(cuts, count):
                bounds = [0, *chosen, len(stem)]
                if all(self.word(stem[a:b]) for a, b in pairwise(bounds)):
                    return list(chosen)
        return []

    def glued_tail(self, stem: str) -> int | None:
        """Where an ending starts in a stem the analyser left whole (컨테이너란 = 컨테이너 + 란):
        the longest site word it starts with that is seen more often than the whole, followed
        by an ending seen elsewhere."""
        seen = self.heads[stem.lower()]
        for cut in range(len(stem) - 1, 1, -1):
            head = stem[:cut]
            if self.word(head) and self.heads[head.lower()] > seen and stem[cut:] in self.tails:
                return cut
        return None


def segment(text: str, words: list[Analysis], vocab: Vocabulary) -> str:
    """`text` with a zero-width space at every cut of its Hangul words."""
    cuts: list[int] = []
    for word in words:
        stem_end = word.tail if word.tail is not None else word.end
        if word.tail is not None:
            cuts.append(word.tail)
        stem = text[word.start:stem_end]
        glued = vocab.glued_tail(stem)
        if glued:
            stem = stem[:glued]
            cuts.append(word.start + glued)
        inner = sorted(vocab.noun_cuts.get(stem.lower(), ()))
        cuts += [word.start + c for c in vocab.split_compound(stem, inner)]
    out, last = [], 0
    for cut in sorted(set(cuts)):
        out += [text[last:cut], BOUNDARY]
        last = cut
    out.append(text[last:])
    return "".join(out)


def segment_entries(entries: list[dict], analyser: KoreanAnalyser) -> Vocabulary:
    """Segment the titles and texts of Korean index entries in place; return the vocabulary."""
    fields = [(entry, name) for entry in entries for name in ("title", "text")
              if _WORD.search(entry.get(name) or "")]
    texts = [_mask(entry[name]) for entry, name in fields]
    analyses = [analyse_words(text, toks) for text, toks in
                zip(texts, analyser.tokens(texts), strict=True)]
    vocab = Vocabulary()
    for text, words in zip(texts, analyses, strict=True):
        vocab.learn(text, words)
    for (entry, name), text, words in zip(fields, texts, analyses, strict=True):
        original = entry[name]
        masked = segment(text, words, vocab)
        entry[name] = _unmask(original, masked)
    return vocab


def _unmask(original: str, masked: str) -> str:
    """Put the original markup back into a segmented masked text (cuts are never inside it)."""
    out, i = [], 0
    for ch in masked:
        if ch == BOUNDARY:
            out.append(BOUNDARY)
        else:
            out.append(original[i])
            i += 1
    return "".join(out)


# --- one index per language -----------------------------------------------------------------

def language_config(base: dict[str, Any], lang: str) -> dict[str, Any]:
    """The lunr configuration of one language's index."""
    separator = base["separator"]
    if BOUNDARY not in separator and "\\u200b" not in separator:
        separator = separator.replace(r"[\s", r"[\s" + BOUNDARY, 1)
    langs = ["en"] if lang == "en" else ["en", lang]
    # Kept from lunr's pipeline: stop words and stemmers (the trimmer of each language would
    # cut Hangul from mixed tokens; the multi-language trimmer stays).
    return {**base, "lang": langs, "separator": separator,
            "pipeline": ["trimmer", "stopWordFilter", "stemmer"]}


def relocate(entries: list[dict], prefix: str) -> list[dict]:
    """Entries of a language built under `prefix` (e.g. `en/`), located relative to it."""
    return [{**e, "location": e["location"].removeprefix(prefix)} for e in entries]


def write_index(site_dir: Path, lang_dir: str, config: dict, entries: list[dict]) -> Path:
    path = site_dir / lang_dir / "search" / "search_index.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    data = {"config": config, "docs": entries}
    path.write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")),
                    encoding="utf-8")
    return path


def load_synonyms(path: Path = SYNONYMS) -> dict[str, list[str]]:
    """{a word of the pages, lower case: [other spellings readers type]}."""
    names = yaml.safe_load(path.read_text(encoding="utf-8"))
    return {str(name).lower(): [str(s) for s in spellings] for name, spellings in names.items()}


def query_addon(tails: set[str]) -> str:
    """The query analyser with its data, ready to append to Material's search worker."""
    data = {"tails": sorted(tails), "synonyms": load_synonyms()}
    return (f"\n{ADDON_MARK}\n{QUERY_JS.read_text(encoding='utf-8')}\n"
            f"CloudnotesSearch.install(self.lunr, "
            f"{json.dumps(data, ensure_ascii=False, separators=(',', ':'))});\n")


def install_addon(site_dir: Path, addon: str) -> Path:
    """Append the query analyser to the search worker (once)."""
    workers = sorted((site_dir / "assets" / "javascripts" / "workers").glob("search.*.min.js"))
    if len(workers) != 1:
        raise RuntimeError(f"expected one search worker, found {[w.name for w in workers]}")
    text = workers[0].read_text(encoding="utf-8")
    if ADDON_MARK in text:
        text = text[:text.index(ADDON_MARK)].rstrip("\n")
    workers[0].write_text(text + addon, encoding="utf-8")
    return workers[0]


# --- the MkDocs events (called from tools/mkdocs_hooks.py) ---------------------------------

_BASE = re.compile(r'("base":\s*")([^"]*)(")')


def _i18n(config):
    return config.plugins.get("i18n")


def current_language(config) -> str:
    i18n = _i18n(config)
    return i18n.current_language if i18n else config.theme.get("language", "en")


def default_language(config) -> str:
    i18n = _i18n(config)
    return i18n.default_language if i18n else current_language(config)


def language_prefix(config, lang: str) -> str:
    return "" if lang == default_language(config) else f"{lang}/"


class SiteSearch:
    """Sorts the entries Material's search plugin makes by language (mkdocs-static-i18n merges
    them into one list) and writes one index per language once every language is built."""

    def __init__(self) -> None:
        # {language: {page URL: the page's entries}}: under `mkdocs serve --dirty` only the
        # edited pages are rebuilt, and the other pages keep the entries of the last build.
        self.entries: dict[str, dict[str, list[dict]]] = {}
        self.dirty = False
        self._seen: tuple[int, int] = (0, 0)  # (id of the plugin's list, entries already taken)

    def _plugin(self, config):
        return config.plugins.get("material/search") or config.plugins.get("search")

    def startup(self, dirty: bool) -> None:
        self.dirty = dirty

    def pre_build(self, config) -> None:
        if not self.dirty:
            self.entries[current_language(config)] = {}

    def page_context(self, page, config) -> None:
        """After Material's search plugin has added the page's entries: take them."""
        plugin = self._plugin(config)
        if plugin is None:
            return
        entries = plugin.search_index.entries
        list_id, taken = self._seen
        if list_id != id(entries) or taken > len(entries):
            taken = 0
        self.entries.setdefault(current_language(config), {})[page.url] = [
            dict(e) for e in entries[taken:]]
        self._seen = (id(entries), len(entries))

    def post_page(self, output: str, page, config) -> str:
        """Point a page's search at its own language's index."""
        from mkdocs.utils import get_relative_url

        prefix = language_prefix(config, current_language(config))
        if not prefix or self._plugin(config) is None:
            return output
        base = get_relative_url(prefix, page.url or ".")
        return _BASE.sub(lambda m: m[1] + base + m[3], output, count=1)

    def post_build(self, config) -> None:
        """Once every language is built (the hooks skip nested language builds)."""
        plugin = self._plugin(config)
        if plugin is None:
            return
        site = Path(config.site_dir)
        analyser = KoreanAnalyser()
        tails: set[str] = set()
        base = {k: plugin.config[k] for k in ("lang", "separator", "pipeline", "fields")}
        for lang, pages in self.entries.items():
            prefix = language_prefix(config, lang)
            entries = relocate([e for page in pages.values() for e in page], prefix)
            if lang == "ko":
                tails |= segment_entries(entries, analyser).tails
            write_index(site, prefix, language_config(base, lang), entries)
        analyser.save()
        install_addon(site, query_addon(tails))


SEARCH = SiteSearch()
