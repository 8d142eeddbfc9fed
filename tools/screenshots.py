"""Screenshots the pages show: saved small (WebP) with a stamp, and checked against the pages.

Both twins of a page show `![...](../assets/screenshots/<topic>/<name>.webp)`: the Korean page
gets `<name>.webp`, the English one `<name>.en.webp` (the i18n plugin's suffix structure swaps
localised assets for the English build, as it does pages). Each lies next to its stamp,
`<name>[.en].stamp.json`, written by the run that took it: when, what ran (and the software's
version), the page language the browser showed at capture time (read from the DOM, not
guessed from the pixels), and the SHA-256 of the example that took it. `check()` compares
every screenshot a page shows with its stamp: it must exist, come from the example as it is
now, and show the page's language.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCREENSHOTS = Path("docs") / "assets" / "screenshots"
STAMP_SUFFIX = ".stamp.json"
WEBP_QUALITY = 80
# Markdown images: ![alt](path) or ![alt](path "title"), optionally followed by { attrs }
_IMAGE = re.compile(r"!\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")


DEFAULT_LANGUAGE = "ko"


def stamp_path(image: Path) -> Path:
    return image.with_name(image.stem + STAMP_SUFFIX)


def localized(image: Path, lang: str) -> Path:
    """The file a `lang` page shows for `image`: `x.webp` in Korean, `x.en.webp` in English."""
    if lang == DEFAULT_LANGUAGE:
        return image
    return image.with_name(f"{image.stem}.{lang}{image.suffix}")


def file_sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def save(png: Path, target: Path, *, lang: str, ran: str, software: Mapping[str, str],
         example: Path, root: Path = ROOT) -> dict:
    """Write `png` as WebP at `target` and its stamp beside it; returns the stamp.

    Args:
        png: The screenshot as the browser saved it.
        target: Where the page expects it (a .webp path).
        lang: The page language the browser showed when it was taken (from the DOM).
        ran: What ran, in words (the command, against what).
        software: Versions of what the picture shows, e.g. {"horizon": "27.0.0"}.
        example: The example file that took it.
        root: The repository (stamps name files relative to it).
    """
    from PIL import Image  # matplotlib brings Pillow into the project's environment

    target.parent.mkdir(parents=True, exist_ok=True)
    with Image.open(png) as picture:
        size = picture.size
        picture.convert("RGB").save(target, "WEBP", quality=WEBP_QUALITY, method=6)
    stamp = {
        "date": datetime.now(UTC).replace(microsecond=0).isoformat(),
        "ran": ran,
        "software": dict(software),
        "lang": lang,
        "example": example.resolve().relative_to(root).as_posix(),
        "example_sha256": file_sha256(example),
        "size": list(size),
        "bytes": target.stat().st_size,
    }
    stamp_path(target).write_text(json.dumps(stamp, indent=1, ensure_ascii=False) + "\n")
    return stamp


@dataclass(frozen=True)
class Reference:
    page: Path
    lang: str
    image: Path


def page_language(page: Path) -> str:
    """`page.en.md` is English; `page.md` is Korean, the site's default language."""
    return "en" if page.name.endswith(".en.md") else "ko"


def references(root: Path = ROOT) -> list[Reference]:
    """Every image in docs/assets/screenshots that a page shows."""
    found = []
    shots = (root / SCREENSHOTS).resolve()
    for page in sorted((root / "docs").rglob("*.md")):
        for target in _IMAGE.findall(page.read_text(encoding="utf-8")):
            if "://" in target:
                continue
            image = (page.parent / target).resolve()
            if image.is_relative_to(shots):
                lang = page_language(page)
                found.append(Reference(page, lang, localized(image, lang)))
    return found


def check(root: Path = ROOT) -> list[str]:
    """What is wrong with the screenshots the pages show (nothing: an empty list)."""
    problems = []
    refs = references(root)
    for ref in refs:
        page = ref.page.relative_to(root)
        image = ref.image.relative_to(root.resolve())
        if not ref.image.is_file():
            problems.append(f"{page} shows {image}, which does not exist (run `make outputs`)")
            continue
        stamp_file = stamp_path(ref.image)
        if not stamp_file.is_file():
            problems.append(f"{image} has no stamp {stamp_file.name}")
            continue
        stamp = json.loads(stamp_file.read_text(encoding="utf-8"))
        example = root / stamp.get("example", "")
        if not example.is_file():
            problems.append(f"{image} was taken by {stamp.get('example')}, which no longer "
                            "exists")
        elif file_sha256(example) != stamp.get("example_sha256"):
            problems.append(f"{image} is older than {stamp['example']}, which changed "
                            "since it was taken (run `make outputs`)")
        if stamp.get("lang") != ref.lang:
            problems.append(f"{image} shows a page in {stamp.get('lang')!r}, but {page} is "
                            f"the {ref.lang!r} page")
    shown = {ref.image for ref in refs}
    for image in sorted((root / SCREENSHOTS).rglob("*.webp")):
        if image.resolve() not in shown:
            problems.append(f"{image.relative_to(root)} is shown by no page")
    return problems
