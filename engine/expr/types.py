"""Static types of the expression language.

Types are small immutable values. `integer` is a subtype of `number`; an
enum is a string restricted to declared values; `percent` and `ratio` inputs
are numbers (fractions, 0.9 = 90 %) with a display format kept on the input
declaration, not in the type.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TypeAlias


@dataclass(frozen=True)
class Type:
    name: str

    def __str__(self) -> str:
        return self.name


INTEGER = Type("integer")
NUMBER = Type("number")
BOOLEAN = Type("boolean")
STRING = Type("string")
DATE = Type("date")
NULL = Type("null")  # the literal null; compatible with every type
ANY = Type("any")  # only inside the checker, for an empty list literal


@dataclass(frozen=True)
class EnumType(Type):
    values: tuple[str, ...] = ()

    def __str__(self) -> str:
        shown = ", ".join(repr(v) for v in self.values[:6])
        more = ", ..." if len(self.values) > 6 else ""
        return f"enum({shown}{more})"


@dataclass(frozen=True)
class ListType(Type):
    item: Type = ANY

    def __str__(self) -> str:
        return f"list of {self.item}"


@dataclass(frozen=True)
class ObjectType(Type):
    """An element of a list of objects: its fields by dotted name."""

    fields: tuple[tuple[str, Type], ...] = ()
    list_path: str = ""

    def field(self, name: str) -> Type | None:
        for key, value in self.fields:
            if key == name:
                return value
        return None

    @property
    def field_names(self) -> list[str]:
        return [key for key, _ in self.fields]

    def __str__(self) -> str:
        return f"item of {self.list_path}" if self.list_path else "object"


# The elements of the lists an expression is inside of (for_each, count(list, ...)), the innermost last.
Scope: TypeAlias = tuple[ObjectType, ...]


def enum(values: Iterable[str]) -> EnumType:
    return EnumType("enum", tuple(values))


def list_of(item: Type) -> ListType:
    return ListType("list", item)


def is_numeric(t: Type) -> bool:
    return t in (INTEGER, NUMBER)


def is_stringlike(t: Type) -> bool:
    return t == STRING or isinstance(t, EnumType)


def is_list(t: Type) -> bool:
    return isinstance(t, ListType)


def comparable(a: Type, b: Type) -> bool:
    """Can values of these types be tested with == / != ?"""
    if NULL in (a, b) or ANY in (a, b):
        return True
    if is_numeric(a) and is_numeric(b):
        return True
    if is_stringlike(a) and is_stringlike(b):
        return True
    if isinstance(a, ListType) and isinstance(b, ListType):
        return comparable(a.item, b.item)
    return a == b


def orderable(a: Type, b: Type) -> bool:
    """Can values of these types be tested with < <= > >= ?"""
    return (is_numeric(a) and is_numeric(b)) or (a == DATE and b == DATE)


def unify(a: Type, b: Type) -> Type | None:
    """The common type of two values (list items, if() branches), or None."""
    if a == b:
        return a
    if a in (NULL, ANY):
        return b
    if b in (NULL, ANY):
        return a
    if is_numeric(a) and is_numeric(b):
        return NUMBER
    if is_stringlike(a) and is_stringlike(b):
        if isinstance(a, EnumType) and isinstance(b, EnumType):
            return enum(dict.fromkeys(a.values + b.values))
        return STRING
    if isinstance(a, ListType) and isinstance(b, ListType):
        item = unify(a.item, b.item)
        return list_of(item) if item is not None else None
    return None


def accepts(expected: Type, actual: Type) -> bool:
    """May a value of type `actual` be passed where `expected` is required?"""
    if actual in (NULL, ANY) or expected == ANY:
        return True
    if expected == NUMBER:
        return is_numeric(actual)
    if expected == STRING:
        return is_stringlike(actual)
    if isinstance(expected, EnumType):
        return isinstance(actual, EnumType) and set(actual.values) <= set(expected.values) or actual == STRING
    if isinstance(expected, ListType):
        return isinstance(actual, ListType) and accepts(expected.item, actual.item)
    return expected == actual
