"""Dated entries outside the assessment period: a located warning per input.

Rules count what happened in the period (`in_period(events)`), so a profile whose `profile.year` says 2042
instead of 2024 silently loses every dated record and many points. Each input that a pack counts by period
(the list given to in_period, per_period, periods_meeting or shortfall) with dates outside the period gets
one warning, at its first such date, saying how many, the first few and the period. Other dates (a founding
date, the last election, incidents read over a two-year window) lie outside the period by nature and are
not warned about.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from engine.errors import WARNING, Diagnostic
from engine.expr import ast
from engine.pack.model import InputSpec, Pack
from engine.profile.relations import Loc, Place, Value

SHOWN = 3  # the dates a warning lists
PERIOD_FUNCTIONS = frozenset({"in_period", "per_period", "periods_meeting", "shortfall"})


def counted_by_period(packs: list[Pack]) -> frozenset[str]:
    """The inputs the packs count by period: the lists (of events or dates) given to the period functions,
    also through filter(…) and the like."""
    found: set[str] = set()
    expressions = [d.expr for pack in packs for d in pack.derived]
    expressions += [e for pack in packs for rule in pack.rules for e in rule.expressions()]
    for expr in expressions:
        for node in ast.walk(expr.tree):
            if isinstance(node, ast.Call) and node.name in PERIOD_FUNCTIONS and node.args:
                path = _listed(node.args[0])
                if path is not None:
                    found.add(path)
    return frozenset(found)


def _listed(node: ast.Node) -> str | None:
    """The input a list argument comes from: `events`, or the list inside `filter(events, …)`."""
    while isinstance(node, ast.Call) and node.args:
        node = node.args[0]
    if isinstance(node, ast.Path) and node.ref is not None and node.ref.kind == "input":
        return node.ref.name
    return None


def period_warnings(inputs: dict[str, InputSpec], values: dict[str, Any], period: tuple[dt.date, dt.date],
                    period_loc: Loc, place: Place, counted: frozenset[str]) -> list[Diagnostic]:
    start, end = period
    found = []
    for path, dates in _dated({p: s for p, s in inputs.items() if p in counted}, values):
        outside = [d for d in dates if not start <= d.value <= end]
        if outside:
            found.append(_warning(path, len(dates), outside, period, period_loc, place))
    return found


def _warning(path: str, total: int, outside: list[Value], period: tuple[dt.date, dt.date], period_loc: Loc,
             place: Place) -> Diagnostic:
    listed = ", ".join(f"{d.text} {d.value.isoformat()}{_line(d.loc, place)}" for d in outside[:SHOWN])
    more = ", …" if len(outside) > SHOWN else ""
    line, col = place.position(outside[0].loc)
    period_line, _ = place.position(period_loc)
    where = ".".join(map(str, period_loc)) + (f", line {period_line}" if period_line else "")
    shown = f"{period[0].isoformat()} – {period[1].isoformat()}"
    return Diagnostic(place.file, line, col, WARNING, "date-outside-period",
                      f"{_count(path, total, len(outside))} outside the assessment period {shown}: {listed}{more}",
                      f"the rules count what happened in the period; check these dates, and the period ({where})")


def _count(path: str, total: int, outside: int) -> str:
    if total == 1:
        return f"the date of {path} is"
    return f"{outside} of the {total} dates of {path} {'is' if outside == 1 else 'are'}"


def _line(loc: Loc, place: Place) -> str:
    line, _ = place.position(loc)
    return f" (line {line})" if line else ""


def _dated(inputs: dict[str, InputSpec], values: dict[str, Any]) -> Iterator[tuple[str, list[Value]]]:
    """(input path, its dates) for every input holding dates: a date, a list of dates, or the date fields of
    the elements of a list of objects."""
    for path, spec in inputs.items():
        value = values.get(path)
        if value is None:
            continue
        loc: Loc = tuple(path.split("."))
        decl = spec.decl
        if decl.type == "date":
            yield path, [Value(path, value, loc)]
        elif decl.type == "list" and decl.items is not None and decl.items.type == "date":
            yield path, [Value(f"{path}[{i}]", d, loc + (i,)) for i, d in enumerate(value)]
        elif spec.is_object_list and decl.items is not None:
            fields = [name for name, field in (decl.items.fields or {}).items() if field.type == "date"]
            dates = [Value(f"{path}[{i}].{name}", element[name], loc + (i,) + tuple(name.split(".")))
                     for i, element in enumerate(value) for name in fields if element.get(name) is not None]
            if dates:
                yield path, dates


__all__ = ["period_warnings"]
