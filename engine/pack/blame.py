"""Errors an overlay causes inside its base pack, moved to the overlay's own lines.

An overlay that changes what the base's rules read (removes a field, gives a derived value another kind of
value, retitles nothing but adds an input inside one of the base's) can break expressions the author of the
overlay never wrote: the builder finds those errors in the base's files. Whoever runs `assess pack check` on
the overlay can only change the overlay, so each such error is reported once per change of the overlay that
caused it, at that change, naming the first place in the base it breaks. A change is blamed when the error
names what it changes (`'scores.enterprise'`); otherwise the overlay's `extends:` is. The base must build on
its own for this: errors of a base that is broken by itself stay where they are.
"""

from __future__ import annotations

import linecache
import os
import re
from collections.abc import Callable, Collection, Iterable
from pathlib import Path

from engine.errors import ERROR, Diagnostic
from engine.pack.layers import Change
from engine.pack.origins import Origin

NAMESPACE_TARGETS = ("input ", "derived value ", "parameter ")
UNKNOWN_NAME = re.compile(r"^unknown input[^']*'([^']+)'$")


def blame_overlay(diagnostics: list[Diagnostic], overlay_root: Path, changes: Iterable[Change],
                  extends: Origin | None, derived: Collection[str], base_builds: Callable[[], bool]
                  ) -> list[Diagnostic]:
    """`diagnostics` with the errors located outside the overlay's directory replaced by errors at the
    overlay's changes that caused them (one per change). An error that only says a derived value the pack
    declares is unknown follows from that value's own error, reported already, and is left out."""
    foreign = [d for d in diagnostics if d.severity == ERROR and d.file and not _inside(d.file, overlay_root)]
    if not foreign or not base_builds():
        return diagnostics
    failed = _failed_names(derived)
    consequences = [d for d in foreign if _reads_failed(d, failed)]
    diagnostics = [d for d in diagnostics if d not in consequences]
    foreign = [d for d in foreign if d not in consequences]
    suspects = [change for change in changes if change.target.startswith(NAMESPACE_TARGETS)
                and change.origin is not None]
    blamed: dict[tuple[str, int, int], list[Diagnostic]] = {}
    for diagnostic in foreign:
        blamed.setdefault(_culprit(diagnostic, suspects, extends), []).append(diagnostic)
    kept = [d for d in diagnostics if d not in foreign]
    return kept + [_moved(where, caused) for where, caused in blamed.items()]


def _failed_names(derived: Collection[str]) -> set[str]:
    """The names a derived value is read by: its full name, and its field name inside a list's elements."""
    return set(derived) | {name.split(".", 1)[1] for name in derived if "." in name}


def _reads_failed(diagnostic: Diagnostic, failed: set[str]) -> bool:
    match = UNKNOWN_NAME.search(diagnostic.message)
    return diagnostic.code == "expr-unknown-name" and match is not None and match.group(1) in failed


def _reads(line: str, token: str) -> bool:
    """Whether a line of a pack file names `token` as a whole name (not a part of a longer one)."""
    return re.search(r"(?<![\w.])" + re.escape(token) + r"(?![\w.])", line) is not None


def _inside(file: str, root: Path) -> bool:
    path = os.path.abspath(file)
    top = os.path.abspath(root)
    return path == top or path.startswith(top + os.sep)


def _tokens(change: Change) -> set[str]:
    """The names a change is about: `staff.scores.street` → staff.scores.street, staff.scores, staff, street."""
    target = change.target
    name = next(target[len(p):] for p in NAMESPACE_TARGETS if target.startswith(p))
    names = [name]
    if change.what.startswith("field "):
        names.append(change.what.split()[1])
    found: set[str] = set()
    for text in names:
        parts = text.split(".")
        found |= {".".join(parts[:end]) for end in range(1, len(parts) + 1)}
        found |= {".".join(parts[start:]) for start in range(len(parts))}
    return found


def _culprit(diagnostic: Diagnostic, suspects: list[Change], extends: Origin | None) -> tuple[str, int, int]:
    """Where the overlay says what caused the error: the change whose name the error quotes, else the change
    whose name the expression at the error reads (the longest name), else the only change, else `extends:`."""
    said = diagnostic.message + " " + (diagnostic.hint or "")
    text = linecache.getline(diagnostic.file, diagnostic.line) if diagnostic.line else ""
    tests: list[Callable[[str], bool]] = [lambda token: f"'{token}'" in said, lambda token: _reads(text, token)]
    for found in tests:
        best = _best(suspects, found)
        if best is not None:
            return best.position()
    if len(suspects) == 1:
        return suspects[0].position()
    if extends is not None:
        line, col = extends.position("extends", key=True)
        return extends.file, line, col
    return "", 0, 0


def _best(suspects: list[Change], found: Callable[[str], bool]) -> Change | None:
    """The change with the longest name `found` accepts."""
    best: tuple[int, Change] | None = None
    for change in suspects:
        lengths = [len(token) for token in _tokens(change) if found(token)]
        if lengths and (best is None or max(lengths) > best[0]):
            best = (max(lengths), change)
    return best[1] if best is not None else None


def _moved(where: tuple[str, int, int], caused: list[Diagnostic]) -> Diagnostic:
    first = caused[0]
    places = f"{len(caused)} places" if len(caused) > 1 else "1 place"
    message = (f"this change of the overlay breaks the base pack in {places}; first at "
               f"{first.file}:{first.line}:{first.col}: {first.message}")
    hint = "change the overlay so the base's rules still read what they need, or disable those rules under " \
           "overrides.rules"
    return Diagnostic(where[0], where[1], where[2], ERROR, "pack-overlay-breaks", message, hint)


__all__ = ["blame_overlay"]
