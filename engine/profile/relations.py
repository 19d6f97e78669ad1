"""Check a validated profile against the relations its packs declare (`relations:`, `pack.relations`).

A value that breaks a relation is an error at its position, naming the other value and its line:
`mediation.resolved is 35, more than mediation.cases (31, line 40)`. A relation with an absent side is not
checked (the rules that need the value report missing data). A relation between fields of a list's
elements is checked in each element.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from typing import Any, NamedTuple, TypeAlias

from engine.errors import ERROR, Diagnostic
from engine.pack.model import RelationSpec
from engine.pack.relations import MEANING
from engine.source.spans import SourceMap
from engine.source.validation_errors import located

Loc: TypeAlias = tuple[int | str, ...]


class Value(NamedTuple):
    """A value a relation compares: how it is named in messages, what it is, where it is."""

    text: str  # `mediation.resolved`, `terms[1].end`
    value: Any
    loc: Loc  # path of the value in the profile document


class Place(NamedTuple):
    """Where messages point: the profile's file and its source map, and where the profile starts in it."""

    file: str
    source: SourceMap | None
    base: Loc

    def position(self, loc: Loc) -> tuple[int, int]:
        return located(self.source, self.base + loc)


def relation_problems(relations: list[RelationSpec], values: dict[str, Any], place: Place) -> list[Diagnostic]:
    """An error for every value that breaks a relation."""
    found: list[Diagnostic] = []
    for relation in relations:
        for compared in _compared(relation, values):
            diagnostic = _broken(relation, compared, place)
            if diagnostic is not None:
                found.append(diagnostic)
    return found


def _compared(relation: RelationSpec, values: dict[str, Any]) -> Iterator[list[Value]]:
    """The values a relation compares (left side first), once for the profile or once per element; the
    comparisons with an absent value are left out."""
    names = relation.left + (relation.right,)
    if relation.list_path is None:
        found = [Value(name, values.get(name), tuple(name.split("."))) for name in names]
        if all(v.value is not None for v in found):
            yield found
        return
    elements = values.get(relation.list_path)
    for index, element in enumerate(elements if isinstance(elements, list) else []):
        prefix: Loc = tuple(relation.list_path.split(".")) + (index,)
        found = [Value(f"{relation.list_path}[{index}].{name}", element.get(name), prefix + tuple(name.split(".")))
                 for name in names]
        if all(v.value is not None for v in found):
            yield found


def _broken(relation: RelationSpec, compared: list[Value], place: Place) -> Diagnostic | None:
    """The error of a comparison that fails: at the part, the end of the range, or the total."""
    *left, right = compared
    kind = relation.value_kind
    if relation.form == "sum":
        added = sum((v.value for v in left), Decimal(0))
        if added == right.value:
            return None
        parts = " + ".join(f"{v.text} ({_other(v, kind, place)})" for v in left)
        blamed, message = right, (f"{right.text} is {shown(right.value, kind)}, but its parts add up to "
                                  f"{shown(added, kind)}: {parts}")
    elif left[0].value <= right.value:
        return None
    elif relation.form == "part":
        blamed, message = left[0], (f"{left[0].text} is {shown(left[0].value, kind)}, more than {right.text} "
                                    f"({_other(right, kind, place)})")
    else:
        blamed, message = right, (f"{right.text} is {shown(right.value, kind)}, before {left[0].text} "
                                  f"({_other(left[0], kind, place)})")
    line, col = place.position(blamed.loc)
    declared, _ = relation.origin.position()
    return Diagnostic(place.file, line, col, ERROR, "relation", message,
                      f"{MEANING[relation.form]}: the pack says so at {relation.origin.file}:{declared}")


def _other(value: Value, kind: str, place: Place) -> str:
    """The other value of a message, with its line when the profile has a source."""
    line, _ = place.position(value.loc)
    return shown(value.value, kind) + (f", line {line}" if line else "")


def shown(value: Any, kind: str) -> str:
    """A value as the profile's author wrote it: percentages in percent, numbers without trailing zeros."""
    if isinstance(value, dt.date):
        return value.isoformat()
    if kind == "percent":
        return _number(Decimal(value) * 100) + "%"
    return _number(value)


def _number(value: Any) -> str:
    if isinstance(value, Decimal):
        text = format(value.normalize(), "f")
        return text
    return str(value)


__all__ = ["Place", "relation_problems", "shown"]
