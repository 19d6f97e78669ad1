"""The packs a service assesses with, loaded once in the server process: listed with their versions and
parameters, each with its profile JSON Schema and score sheet (made on first request, then kept).

With `--pack`, those packs (and `--set` must name their parameters, as on the command line). Without,
the shipped packs grouped by subject, each group with the `--set` values that apply to it; a value
that applies to no group stops the start, with the command line's diagnostic.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from engine.api.engine import split_overrides
from engine.errors import EngineError
from engine.pack.build import load_pack
from engine.pack.model import Pack


@dataclass
class Catalog:
    packs: dict[str, Pack]  # by id, in the order given (or shipped)
    schemas: dict[tuple[str, str], bytes] = field(default_factory=dict)
    sheets: dict[tuple[str, str], bytes] = field(default_factory=dict)

    @classmethod
    def load(cls, dirs: list[Path] | None, params: dict[str, Any]) -> Catalog:
        groups = [list(dirs)] if dirs else shipped_groups()
        packs: list[Pack] = []
        failures: list[EngineError] = []
        for group in groups:
            try:
                overrides = split_overrides(params, group)
                packs += [load_pack(path, overrides.get(index)) for index, path in enumerate(group)]
            except EngineError as exc:
                if dirs or not params:  # the packs themselves, or the values for the only packs there are
                    raise
                failures.append(exc)
                packs += [load_pack(path) for path in group]  # listed with their defaults
        if failures and len(failures) == len(groups):
            raise failures[0]
        return cls({pack.id: pack for pack in packs})

    def listing(self) -> list[dict[str, Any]]:
        return [describe(pack) for pack in self.packs.values()]

    def schema(self, pack: Pack, lang: str) -> bytes:
        from engine.authoring.schemas import dumps, profile_schema

        key = (pack.id, lang)
        if key not in self.schemas:
            self.schemas[key] = dumps(profile_schema([pack], lang)).encode("utf-8")
        return self.schemas[key]

    def sheet(self, pack: Pack, lang: str) -> bytes:
        from engine.authoring.scoresheet import render_scoresheet

        key = (pack.id, lang)
        if key not in self.sheets:
            self.sheets[key] = render_scoresheet(pack, lang, pack.id).encode("utf-8")
        return self.sheets[key]


def shipped_groups() -> list[list[Path]]:
    """The shipped packs by subject: the sets a profile's subject selects (as `packs_for_profile`)."""
    from engine.pack.discovery import pack_identity, shipped_packs

    by_subject: dict[str | None, list[Path]] = {}
    for path in shipped_packs():
        by_subject.setdefault(pack_identity(path)[1], []).append(path)
    return list(by_subject.values())


def describe(pack: Pack) -> dict[str, Any]:
    """What a client needs to know of a pack: no server path (its directory is not said)."""
    return {
        "id": pack.id, "version": pack.version, "subject": pack.meta.subject, "format": pack.format,
        "title": pack.meta.title.model_dump(), "edition": pack.meta.edition.model_dump(),
        "grades": [grade.id for grade in pack.grades],
        "parameters": {name: {"value": _plain(spec.value), "type": spec.decl.type, "overridden": spec.overridden,
                              "title": spec.decl.title.model_dump()}
                       for name, spec in pack.params.items()},
    }


def _plain(value: Any) -> Any:
    """A parameter's value as JSON has it: a decimal as its exact text, a date in ISO form."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    return value
