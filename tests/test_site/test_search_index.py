"""The build-time half of the search (tools/search_index.py): Korean words cut by Kiwi, one
index per language. The browser half is tested in test_search_query.py and test_browser.py."""

from __future__ import annotations

import pytest

from tools import search_index as si

pytestmark = pytest.mark.site

TEXTS = [
    "블록 스토리지는 볼륨을 서버에 붙인다. 블록스토리지를 쓰면 스토리지가 남는다.",
    "컨테이너는 커널을 공유하고 프로세스를 격리합니다. "
    "격리된 프로세스는 컨테이너란 이름으로 부른다.",
    "<p>컨테이너와 <code>cgroup</code>을 쓴다. "
    "네임스페이스와 블록 스토리지, 컨테이너를 다룬다.</p>",
]


@pytest.fixture(scope="module")
def segmented(tmp_path_factory) -> tuple[list[dict], si.Vocabulary]:
    entries = [{"location": f"p{i}/", "title": "블록 스토리지", "text": t}
               for i, t in enumerate(TEXTS)]
    vocab = si.segment_entries(entries, si.KoreanAnalyser(tmp_path_factory.mktemp("kiwi")))
    return entries, vocab


def words(text: str) -> list[str]:
    return text.replace("<p>", " ").replace("</p>", " ").split()


def test_particles_and_endings_are_cut_off(segmented) -> None:
    entries, _ = segmented
    found = words(entries[1]["text"])
    assert "컨테이너\u200b는" in found
    assert "격리\u200b합니다." in found
    assert "격리\u200b된" in found


def test_a_compound_is_cut_where_its_parts_are_site_words(segmented) -> None:
    entries, _ = segmented
    assert "블록\u200b스토리지\u200b를" in words(entries[0]["text"])
    # 네임스페이스: 네임 is no word of these pages on its own, so it stays whole
    assert any(w.startswith("네임스페이스") for w in words(entries[2]["text"]))


def test_markup_is_kept_and_the_text_reads_the_same(segmented) -> None:
    entries, _ = segmented
    for entry, original in zip(entries, TEXTS, strict=True):
        assert entry["text"].replace(si.BOUNDARY, "") == original
    assert "<code>cgroup</code>" in entries[2]["text"]


def test_the_vocabulary_knows_the_endings(segmented) -> None:
    _, vocab = segmented
    assert {"는", "를", "합니다"} <= vocab.tails
    assert vocab.heads["컨테이너"] >= 2


def test_glued_ending_is_found_from_the_site_vocabulary() -> None:
    vocab = si.Vocabulary()
    vocab.heads.update({"컨테이너": 5, "컨테이너란": 1, "스토리지": 3})
    vocab.tails.update({"란", "지"})
    assert vocab.glued_tail("컨테이너란") == 4
    assert vocab.glued_tail("스토리지") is None  # 스토리 is no site word
    assert vocab.split_compound("블록스토리지", [2]) == []  # 블록 unknown: kept whole
    vocab.heads["블록"] = 2
    assert vocab.split_compound("블록스토리지", [2]) == [2]


def test_language_config_and_locations() -> None:
    base = {"lang": ["en", "ko"], "separator": r"[\s\-]+", "pipeline": [" "], "fields": {}}
    ko, en = si.language_config(base, "ko"), si.language_config(base, "en")
    assert ko["lang"] == ["en", "ko"] and en["lang"] == ["en"]
    assert si.BOUNDARY in ko["separator"] and "stemmer" in en["pipeline"]
    assert si.relocate([{"location": "en/a/#b"}], "en/") == [{"location": "a/#b"}]


def test_the_addon_goes_into_the_worker_once(tmp_path) -> None:
    workers = tmp_path / "assets" / "javascripts" / "workers"
    workers.mkdir(parents=True)
    worker = workers / "search.0123abcd.min.js"
    worker.write_text("self.lunr=1;", encoding="utf-8")
    addon = si.query_addon({"는"})
    si.install_addon(tmp_path, addon)
    si.install_addon(tmp_path, addon)  # mkdocs serve rebuilds: still once
    text = worker.read_text(encoding="utf-8")
    assert text.startswith("self.lunr=1;") and text.count(si.ADDON_MARK) == 1
    assert '"노바"' in text and '"tails":["는"]' in text
