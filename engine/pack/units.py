"""Roll-up (format 2 `units:`): the reports of units feed the rules of the community that contains them.

    units:
      grids:
        pack: ../grid-sheet          # the pack that assesses each unit (a path or a shipped pack's id)
        title: 网格

A profile lists its units under that name — files inside the profile's folder, or profiles written in
place — and each is assessed by its pack before the profile is (`engine.api.rollup`). To this pack's rules
the list is a list of objects, one per unit, with the unit's result:

    name      the unit's name (its profile's `name`, else `id`, else its file name)
    total     its total, as shown
    grade     its grade id; absent while its grade is withheld (暂不评定), so a rule that reads it is
              missing data, never a confident answer
    vetoed    whether a veto applied
    withheld  whether its grade is withheld
    coverage  the share of its points that could be assessed

so `count(grids, grade == 'excellent')`, `avg(grids, total)` and `all(grids, not vetoed)` are ordinary
expressions, matched alike by both backends.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from engine.errors import DiagnosticSink, PackError, did_you_mean, display_path
from engine.pack.blocks import UnitList
from engine.pack.discovery import shipped_packs
from engine.pack.include import included_dir
from engine.pack.origins import Origin, error_at
from engine.pack.raw import RawPack
from engine.pack.schema import InputDecl, Text, UnitsDecl

Reader = Callable[[Path, tuple[Path, ...]], RawPack]


def unit_input(decl: UnitsDecl, grades: list[str] | None) -> InputDecl:
    """The list a profile's units become: one object per unit, with its result (grades: the ids of its pack's
    grades; None when its pack could not be read, so the rules that read the list are still checked)."""
    grade = {"type": "enum", "values": grades} if grades else {"type": "string"}
    return InputDecl.model_validate({
        "type": "list", "label": "name", "title": decl.title,
        "items": {"type": "object", "fields": {
            "name": {"type": "string", "required": True, "title": {"zh": "名称", "en": "Name"}},
            "total": {"type": "number", "title": {"zh": "总分", "en": "Total"}},
            "grade": {**grade, "title": {"zh": "等次", "en": "Grade"}},
            "vetoed": {"type": "boolean", "title": {"zh": "被一票否决", "en": "Vetoed"}},
            "withheld": {"type": "boolean", "title": {"zh": "暂不评定", "en": "Grade withheld"}},
            "coverage": {"type": "ratio", "title": {"zh": "可评定分值占比", "en": "Coverage"}},
        }},
    })


def resolve_units(raw: RawPack, read: Reader, trail: tuple[Path, ...] = ()) -> RawPack:
    """Read the pack of every list of units and declare the list as an input of this pack."""
    if not raw.units:
        return raw
    chain = trail + (Path(os.path.abspath(raw.root)),)
    sink = DiagnosticSink()
    for name, (decl, origin) in raw.units.items():
        unit_pack = _read_unit_pack(decl, origin, read, chain, sink)
        if unit_pack is None:
            raw.inputs.setdefault(name, (unit_input(decl, None), origin))
            continue
        if name in raw.inputs:
            line, _ = raw.inputs[name][1].position(key=True)
            error_at(sink, origin, (), "unit-pack", f"the list of units '{name}' has the name of an input "
                     f"({raw.inputs[name][1].file}:{line})", key=True, hint="give the list another name")
            continue
        meta, _ = unit_pack.meta_part()
        scoring, _ = unit_pack.scoring_part()
        raw.inputs[name] = (unit_input(decl, [grade.id for grade in scoring.grades]), origin)
        raw.unit_lists[name] = UnitList(name, unit_pack.root, meta.id, decl.title or Text(zh=name, en=name))
    raw.problems.extend(sink.items)
    return raw


def _read_unit_pack(decl: UnitsDecl, origin: Origin, read: Reader, chain: tuple[Path, ...],
                    sink: DiagnosticSink) -> RawPack | None:
    directory = included_dir(decl.pack, Path(origin.file).parent)
    if directory is None:
        ids = [path.name for path in shipped_packs()]
        error_at(sink, origin, ("pack",), "unit-pack", f"no pack to assess the units at '{decl.pack}'",
                 hint=did_you_mean(decl.pack, ids) or
                 "a path relative to this pack (../grid-sheet) or a shipped pack: " + ", ".join(ids))
        return None
    if Path(os.path.abspath(directory)) in chain:
        names = [display_path(path) for path in chain] + [display_path(directory)]
        error_at(sink, origin, ("pack",), "unit-pack", "a unit is assessed by a pack it is a unit of: "
                 + " → ".join(names), hint="units are assessed by a pack of their own (co-building-unit)")
        return None
    try:
        unit_pack = read(directory, chain)
    except PackError as exc:
        sink.extend(exc.diagnostics)
        return None
    sink.extend(unit_pack.problems)
    return None if unit_pack.problems else unit_pack


__all__ = ["resolve_units", "unit_input"]
