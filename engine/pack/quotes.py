"""Check that a citation's quote is found, word for word, in its source document.

Normalisation (as in DOMAIN.md §2.1): pinyin annotations in parentheses are
removed (`社區(qū)` → `社區`), all whitespace is ignored, and a quote written
with ` … ` is several fragments that must appear in order (a quote crossing a
page break). Characters are compared as written: traditional stays traditional.
"""

from __future__ import annotations

import os
import re
from pathlib import Path, PureWindowsPath

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
    return find_source(file, pack_root)[0]


def find_source(file: str, pack_root: Path) -> tuple[Path | None, str | None]:
    """(the document, None) when found where sources may be; (None, why not) when `file` leads anywhere else —
    an absolute path, `..` above the pack, a symbolic link out; (None, None) when it is not there.

    Sources are read from the pack and the folders of ASSESS_SOURCE_PATH only: a pack must not make the
    engine read, and `pack check` tell whether a text is in, any file of the machine.
    """
    if _leads_out(file):
        return None, "is not a path inside the pack"
    outside = None
    for candidate, base in _candidates(file, pack_root):
        if not candidate.is_file():
            continue
        if _within(candidate, base):
            return candidate, None
        outside = f"leads out of {base} through a symbolic link"
    return None, outside


def _leads_out(file: str) -> bool:
    """An absolute path (also a Windows drive or share), or one that goes up above where it starts."""
    path = Path(file)
    if path.is_absolute() or path.anchor or PureWindowsPath(file).anchor:
        return True
    return os.path.normpath(file).split(os.sep)[0] == os.pardir


def _candidates(file: str, pack_root: Path) -> list[tuple[Path, Path]]:
    """(where the document may be, the folder it must stay in), in the order they are tried."""
    candidates = [(pack_root / file, pack_root), (pack_root / "sources" / file, pack_root)]
    for directory in os.environ.get(SOURCE_PATH_ENV, "").split(os.pathsep):
        if directory:
            candidates.append((Path(directory) / file, Path(directory)))
            candidates.append((Path(directory) / Path(file).name, Path(directory)))
    return candidates


def _within(candidate: Path, base: Path) -> bool:
    try:
        return candidate.resolve().is_relative_to(base.resolve())
    except (OSError, RuntimeError):  # a loop of links
        return False
