"""The evaluation environment shared by compiled expressions.

`values` maps dotted input/derived paths (and `period.*`) to engine values;
lists of objects are lists of dicts keyed by field path. `items` is the stack
of list elements being iterated (the for_each subject first). `missing`
collects the paths read without a value, `na` records that a value did not
apply; both feed the rule outcome (missing data / not applicable).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any, TypeAlias

from engine.expr.values import MISSING, NA, Value

WHY = "__why__"  # key, in an element dict, of the causes of its missing derived fields
Element: TypeAlias = dict[str, Any]  # an element of a list of objects: values by field path (and WHY)
Period: TypeAlias = tuple[dt.date, dt.date]


class Env:
    __slots__ = ("values", "why", "items", "item_lists", "missing", "na", "outcomes", "period")

    def __init__(self, values: dict[str, Value], *, why: dict[str, frozenset[str]] | None = None,
                 outcomes: dict[str, str] | None = None, period: Period | None = None):
        self.values = values
        # For derived values that are MISSING: the input paths whose absence caused it,
        # so a report asks for the inputs to supply rather than the derived name.
        self.why = why if why is not None else {}
        self.items: list[Element] = []
        self.item_lists: list[str] = []
        self.missing: set[str] = set()
        self.na = False
        self.outcomes = outcomes if outcomes is not None else {}
        self.period = period

    def reset_tracking(self) -> None:
        self.missing = set()
        self.na = False

    def read(self, path: str) -> Value:
        value = self.values.get(path, MISSING)
        if value is MISSING:
            cause = self.why.get(path)
            if cause:
                self.missing |= cause
            else:
                self.missing.add(path)
        elif value is NA:
            self.na = True
        return value

    def read_field(self, depth: int, name: str) -> Value:
        item = self.items[depth]
        value = item.get(name, MISSING)
        if value is MISSING:
            cause = item.get(WHY, {}).get(name)
            if cause:
                self.missing |= cause
            else:
                self.missing.add(f"{self.item_lists[depth]}[].{name}")
        elif value is NA:
            self.na = True
        return value

    def push(self, list_path: str, item: Element) -> None:
        self.items.append(item)
        self.item_lists.append(list_path)

    def pop(self) -> None:
        self.items.pop()
        self.item_lists.pop()


# A compiled expression (or part of one): reads what it needs from the environment, gives its value.
Thunk: TypeAlias = Callable[[Env], Value]
