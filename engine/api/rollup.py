"""Roll-up, on the profile's side: each unit a profile lists is assessed by its own pack first, and the list
is replaced by the units' results (`engine.pack.units` says what a rule reads of each).

    grids:
      - {file: units/grid-1.yaml}          # a unit's profile, inside this profile's folder
      - profile: {name: 二网格, subject: grid, year: 2024}   # or a unit's profile written in place
        households: 310

A unit file outside the profile's folder (an absolute path, `..`, a symbolic link leading out) is never
read (`unit-outside`); a file that is not there is `unit-file`; an entry that is neither is `unit-entry`;
the errors of a unit's profile are reported in its file, or in place. All are positioned, and the profile
is not assessed (exit 2).
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any, NamedTuple

from engine.errors import Diagnostic, DiagnosticSink, InputError, display_path
from engine.evaluation.scoring import Scorecard
from engine.pack.blocks import UnitList
from engine.source.spans import SourceMap
from engine.source.validation_errors import located

Loc = tuple[str | int, ...]


class UnitSource(NamedTuple):
    """Where a unit's profile is: a file (`path`), or written in place (`data` at `base` of the profile
    `file`, located by `source`; its own units are read from `folder`)."""

    path: Path | None
    data: Any
    base: Loc
    file: str
    source: SourceMap | None
    folder: Path


# (the list, where the unit's profile is) → the unit's profile label and scorecard; raises InputError
Assess = Callable[[UnitList, UnitSource], tuple[str, Scorecard]]


def expand_units(data: Any, file: str, source: SourceMap | None, folder: Path, units: dict[str, UnitList],
                 assess: Assess, base: Loc = ()) -> tuple[Any, list[Diagnostic]]:
    """The profile data with each list of units replaced by the units' results, and warnings; an InputError
    with every problem of every unit. A list with a unit whose grade is withheld is left out: every rule that
    reads it is missing data (a count of excellent units, an average of totals earned on missing data would
    otherwise be answered with confidence), and a warning at the unit says why."""
    if not units or not isinstance(data, dict) or not any(isinstance(data.get(name), list) for name in units):
        return data, []
    expanded = copy.copy(data)
    sink = DiagnosticSink()
    place = _Place(file, source, folder)
    for name, unit in units.items():
        entries = data.get(name)
        if not isinstance(entries, list):
            continue
        results = [_result(unit, entry, (*base, name, index), place, assess, sink)
                   for index, entry in enumerate(entries)]
        withheld = [(index, result) for index, result in enumerate(results) if result and result["withheld"]]
        for index, result in withheld:
            line, col = located(source, (*base, name, index))
            sink.add(Diagnostic(file, line, col, "warning", "unit-withheld",
                                f"the grade of unit '{result['name']}' is withheld (暂不评定): the rules that read "
                                f"'{name}' are missing data until it can be graded",
                                "supply what its own report asks for (assess it alone with its pack to see)"))
        expanded[name] = None if withheld else results
    sink.raise_if_errors(InputError)
    return expanded, sink.items


def _result(unit: UnitList, entry: Any, at: Loc, place: _Place, assess: Assess,
            sink: DiagnosticSink) -> dict[str, Any] | None:
    unit_source = place.source_of(entry, at, sink)
    if unit_source is None:
        return None
    try:
        label, card = assess(unit, unit_source)
    except InputError as exc:
        sink.extend(exc.diagnostics)
        return None
    return unit_result(label, card)


def unit_result(label: str, card: Scorecard) -> dict[str, Any]:
    """What a rule reads of one unit; a withheld grade is left out, so reading it is missing data."""
    result: dict[str, Any] = {"name": label, "total": card.shown_total, "vetoed": bool(card.vetoes),
                              "withheld": card.withheld}
    if not card.withheld:
        result["grade"] = card.grade.id
    if card.coverage is not None:
        result["coverage"] = min(Decimal(1), card.coverage)
    return result


class _Place(NamedTuple):
    file: str
    source: SourceMap | None
    folder: Path

    def error(self, sink: DiagnosticSink, at: Loc, code: str, message: str, hint: str) -> None:
        line, col = located(self.source, at)
        sink.add(Diagnostic(self.file, line, col, "error", code, message, hint))

    def source_of(self, entry: Any, at: Loc, sink: DiagnosticSink) -> UnitSource | None:
        if isinstance(entry, dict) and set(entry) == {"file"} and isinstance(entry["file"], str):
            return self.unit_file(entry["file"], (*at, "file"), sink)
        if isinstance(entry, dict) and "profile" in entry and "file" not in entry:
            return UnitSource(None, entry, at, self.file, self.source, self.folder)
        self.error(sink, at, "unit-entry", "a unit is {file: PATH} or a unit's profile written in place",
                   "write '- {file: units/grid-1.yaml}' (a file beside this profile) or the unit's own profile, "
                   "starting with its 'profile:' block")
        return None

    def unit_file(self, written: str, at: Loc, sink: DiagnosticSink) -> UnitSource | None:
        folder = self.folder.resolve()
        path = (self.folder / written).resolve()
        if Path(written).is_absolute() or not path.is_relative_to(folder):
            self.error(sink, at, "unit-outside", f"the unit file '{written}' is outside this profile's folder",
                       f"keep unit files in this profile's folder ({display_path(self.folder)}) or a folder "
                       "inside it")
            return None
        if not path.is_file():
            self.error(sink, at, "unit-file", f"no unit profile at '{written}'",
                       f"a path relative to this profile's folder ({display_path(self.folder)})")
            return None
        return UnitSource(self.folder / written, None, at, self.file, self.source, self.folder)


__all__ = ["UnitSource", "expand_units", "unit_result"]
