"""Check that a citation's quote is found, word for word, in its source document.

Normalisation (as in DOMAIN.md §2.1): pinyin annotations in parentheses are
removed (`社區(qū)` → `社區`), all whitespace is ignored, and a quote written
with ` … ` is several fragments that must appear in order (a quote crossing a
page break). Characters are compared as written: traditional stays traditional.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

_PINYIN = re.compile(r"\([a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü]+\)")
_SPACE = re.compile(r"\s+")
_SPLIT = re.compile(r"\s*…\s*")
SOURCE_PATH_ENV = "ASSESS_SOURCE_PATH"


def normalize(text: str) -> str:
    return _SPACE.sub("", _PINYIN.sub("", text))


def fragments(quote: str) -> list[str]:
    return [normalize(part) for part in _SPLIT.split(quote) if normalize(part)]


def quote_found(quote: str, document: str) -> bool:
    """Every fragment of the quote, in order, in the normalised document."""
    haystack = normalize(document)
    position = 0
    for fragment in fragments(quote):
        found = haystack.find(fragment, position)
        if found < 0:
            return False
        position = found + len(fragment)
    return True


def locate_source(file: str, pack_root: Path) -> Path | None:
    """A source document: in the pack, its sources/ folder, or a directory on ASSESS_SOURCE_PATH."""
    candidates = [pack_root / file, pack_root / "sources" / file]
    for directory in os.environ.get(SOURCE_PATH_ENV, "").split(os.pathsep):
        if directory:
            candidates.append(Path(directory) / file)
            candidates.append(Path(directory) / Path(file).name)
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    return None
