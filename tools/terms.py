"""The Korean term list (docs/contributing/terms.yml): read it, check pages against it, show it.

- `check_korean(text, terms)` finds rejected terms and broken style rules (register, particle
  spacing, calques) in the prose of a Korean page, i.e. outside fenced code, inline code,
  URLs, link targets, HTML tags and heading anchors; a Latin gloss in parentheses such as
  `파드(Pod)` is allowed.
- `check_reader_page(text, terms)` finds builders' context (this machine, internal variables,
  toolchain notes) anywhere in a reader page's source, in either language.
- As an MkDocs hook, `on_page_markdown` replaces the `<!-- terms-table -->` marker on the style
  guide with the term list as a table in the page's language, so the page and the check read
  the same file.

tests/test_site/test_terms.py runs the checks on every page and on planted violations.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

TERMS_FILE = Path(__file__).resolve().parents[1] / "docs" / "contributing" / "terms.yml"
TABLE_MARKER = "<!-- terms-table -->"

_HANGUL = "가-힣"
# Hangul syllables whose final consonant is ㅂ (index 17 of 28): 합, 습, 입, 됩 ... (-ㅂ니다).
_SYLLABLES_ENDING_IN_B = "[" + "".join(
    chr(0xAC00 + lead_vowel * 28 + 17) for lead_vowel in range(19 * 21)) + "]"
_FENCE = re.compile(r"^(\s*)(`{3,}|~{3,})")
_INLINE_CODE = re.compile(r"(`+)(?:(?!\1).)+?\1")
_LINK_TARGET = re.compile(r"\]\([^)\s]*(?:\s+\"[^\"]*\")?\)")
_URL = re.compile(r"https?://\S+")
_HTML_TAG = re.compile(r"</?[A-Za-z][^>]*>")
_ANCHOR = re.compile(r"\{:?\s*#[^}]*\}")
_SNIPPET = re.compile(r"^\s*;?--8<--.*$")
# A parenthesised Latin gloss: (Pod), (Backend as a Service), (Linux bridge).
_LATIN_GLOSS = re.compile(r"\([A-Za-z][A-Za-z0-9 .,'/&+-]*\)")


@dataclass
class Term:
    preferred: str
    english: str
    rejected: list[str] = field(default_factory=list)
    patterns: list[str] = field(default_factory=list)
    source: str = ""
    note: str = ""

    def matchers(self) -> list[re.Pattern]:
        if self.patterns:  # they replace the literal forms, which stay for the table
            return [re.compile(p) for p in self.patterns]
        found = []
        for form in self.rejected:
            escaped = re.escape(form).replace(r"\ ", r"\s+")  # a line break counts as a space
            if re.match(f"[{_HANGUL}]", form):
                # The start of a word: not glued to a preceding Hangul syllable.
                found.append(re.compile(f"(?<![{_HANGUL}]){escaped}"))
            else:
                # Not inside a longer Latin word; a Hangul particle may follow (Pod를).
                found.append(re.compile(f"(?<![A-Za-z0-9_]){escaped}(?![A-Za-z0-9_])"))
        return found


@dataclass
class Rule:
    name: str
    pattern: str
    why: str

    def matcher(self) -> re.Pattern:
        return re.compile(self.pattern.replace("[:ㅂ받침:]", _SYLLABLES_ENDING_IN_B))


@dataclass
class TermList:
    terms: list[Term]
    rules: list[Rule]
    reader_rules: list[Rule]


@dataclass
class Violation:
    line: int
    found: str
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.found!r}: {self.message}"


def load(path: Path = TERMS_FILE) -> TermList:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return TermList(
        terms=[Term(**entry) for entry in data.get("terms", [])],
        rules=[Rule(**entry) for entry in data.get("rules", [])],
        reader_rules=[Rule(**entry) for entry in data.get("reader_rules", [])],
    )


def _blank(match: re.Match) -> str:
    """Replace a match by spaces of the same length, so columns and lines stay put."""
    return " " * len(match.group(0))


def prose_lines(text: str) -> list[str]:
    """The page's lines with everything that is not prose blanked out (line numbers kept)."""
    lines = text.splitlines()
    out: list[str] = []
    fence: str | None = None
    in_front_matter = bool(lines) and lines[0].strip() == "---"
    for number, line in enumerate(lines):
        if in_front_matter:
            out.append("")
            if number > 0 and line.strip() == "---":
                in_front_matter = False
            continue
        opening = _FENCE.match(line)
        if fence is None and opening:
            fence = opening.group(2)
            out.append("")
            continue
        if fence is not None:
            stripped = line.strip()
            if stripped.startswith(fence) and set(stripped) == {fence[0]}:
                fence = None
            out.append("")
            continue
        if _SNIPPET.match(line) or line.lstrip().startswith(":::"):
            out.append("")
            continue
        for pattern in (_INLINE_CODE, _LINK_TARGET, _URL, _HTML_TAG, _ANCHOR):
            line = pattern.sub(_blank, line)
        out.append(line)
    return out


def check_korean(text: str, terms: TermList) -> list[Violation]:
    """Rejected terms and broken style rules in the prose of a Korean page."""
    problems: list[Violation] = []
    term_matchers = [(term, m) for term in terms.terms for m in term.matchers()]
    rule_matchers = [(rule, rule.matcher()) for rule in terms.rules]
    # Particle spacing looks at the closing ** or ` itself: check it before code is blanked.
    code_marks = _mark_code_spans(text)
    lines = prose_lines(text)
    # Terms are matched on the whole prose, so that a product name broken over two lines
    # ("Docker\nHub") is still recognised; the offset gives the line back.
    prose = _LATIN_GLOSS.sub(_blank, "\n".join(lines))
    for term, matcher in term_matchers:
        for match in matcher.finditer(prose):
            problems.append(Violation(prose.count("\n", 0, match.start()) + 1, match.group(0),
                                      f"write {term.preferred!r} ({term.english})"))
    for number, line in enumerate(lines, 1):
        for rule, matcher in rule_matchers:
            subject = code_marks[number - 1] if "`" in rule.pattern else line
            for match in matcher.finditer(subject):
                problems.append(Violation(number, match.group(0), f"{rule.name}: {rule.why}"))
    return sorted(problems, key=lambda v: v.line)


def _mark_code_spans(text: str) -> list[str]:
    """Prose lines where each inline code span is kept as a bare pair of backticks."""
    marked = []
    raw_lines = text.splitlines()
    for raw, prose in zip(raw_lines, prose_lines(text), strict=True):
        if not prose.strip():
            marked.append(prose)
            continue
        line = _INLINE_CODE.sub(lambda m: "`" + " " * (len(m.group(0)) - 2) + "`", raw)
        for pattern in (_LINK_TARGET, _URL, _HTML_TAG, _ANCHOR):
            line = pattern.sub(_blank, line)
        # `code`   로 -> `code` 로: the padding inside the span must not look like a space after it.
        marked.append(re.sub(r"` +`", "``", line))
    return marked


def check_reader_page(text: str, terms: TermList) -> list[Violation]:
    """Builders' context anywhere in a reader page's source (either language)."""
    problems = []
    matchers = [(rule, rule.matcher()) for rule in terms.reader_rules]
    for number, line in enumerate(text.splitlines(), 1):
        if _SNIPPET.match(line):
            continue
        for rule, matcher in matchers:
            for match in matcher.finditer(line):
                problems.append(Violation(number, match.group(0), f"{rule.name}: {rule.why}"))
    return problems


# --- the table on the style guide ------------------------------------------------------------

_HEADERS = {
    "ko": ("권장 표기", "원어", "쓰지 않는 표기", "근거", "비고"),
    "en": ("preferred", "English", "rejected", "source", "note"),
}


def _cell(text: str) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def markdown_table(terms: TermList, lang: str = "ko") -> str:
    """The term list as a Markdown table (headers in the page's language)."""
    headers = _HEADERS.get(lang, _HEADERS["en"])
    rows = ["| " + " | ".join(headers) + " |", "| " + " | ".join("---" for _ in headers) + " |"]
    for term in terms.terms:
        rejected = [f"`{form}`" for form in term.rejected]
        rows.append("| " + " | ".join([
            f"**{_cell(term.preferred)}**", _cell(term.english),
            _cell(", ".join(rejected)), _cell(term.source), _cell(term.note),
        ]) + " |")
    return "\n".join(rows)


def on_page_markdown(markdown: str, page, config, files) -> str:
    """MkDocs hook: put the term list where the style guide asks for it."""
    if TABLE_MARKER not in markdown:
        return markdown
    lang = "en" if ".en." in page.file.src_uri else "ko"
    return markdown.replace(TABLE_MARKER, markdown_table(load(), lang))
