"""Check the relations a pack declares between its inputs, and build them (`pack.model.RelationSpec`).

A relation names inputs: values of the profile (`mediation.resolved`), or fields of the elements of one
list of objects (`terms.start`, then checked in each element). Parameters and derived values are not
inputs: a relation says what a profile can hold. The names must exist and compare values of one kind —
numbers (whole or not), percentages, or dates — and a part, its whole, a sum's parts and total are numbers.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import NamedTuple, Protocol

from engine.errors import did_you_mean
from engine.pack.model import InputSpec, RelationSpec
from engine.pack.origins import Origin, PathPart
from engine.pack.schema import InputDecl, Relation

# what values of each input type are compared as; other types have no order a relation could use
VALUE_KINDS = {"integer": "number", "number": "number", "percent": "percent", "ratio": "percent", "date": "date"}
MEANING = {"part": "a part never exceeds its whole", "range": "a range is in order (start ≤ end)",
           "sum": "the parts add up to the total"}


class ErrorAt(Protocol):
    """How the pack builder reports an error at a part of the pack."""

    def __call__(self, origin: Origin, code: str, message: str, *parts: PathPart, hint: str | None = None,
                 key: bool = False) -> None: ...


class Named(NamedTuple):
    """An input a relation names, resolved: where it is named, and what it is."""

    at: tuple[PathPart, ...]  # the key of the relation that names it (`part`, or `parts`, 1)
    path: str  # as written
    list_path: str | None  # a field of the elements of this list, or None: a value of the profile
    name: str  # the input path, or the field's name inside an element
    decl: InputDecl


class Problem(NamedTuple):
    code: str
    message: str
    hint: str | None = None


def build_relations(relations: list[tuple[Relation, Origin]], inputs: dict[str, InputSpec], derived: set[str],
                    error: ErrorAt) -> list[RelationSpec]:
    """The relations that check out, each once; the others are reported through `error`."""
    built: dict[tuple[str, tuple[str, ...], str, str | None], RelationSpec] = {}
    for relation, origin in relations:
        spec = _build_one(relation, origin, inputs, derived, error)
        if spec is not None:
            built.setdefault(spec.key, spec)
    return list(built.values())


def _build_one(relation: Relation, origin: Origin, inputs: dict[str, InputSpec], derived: set[str],
               error: ErrorAt) -> RelationSpec | None:
    named: list[Named] = []
    for at, path in _named_paths(relation):
        found = resolve(path, inputs, derived)
        if isinstance(found, Problem):
            error(origin, found.code, found.message, *at, hint=found.hint)
            continue
        named.append(Named(at, path, found[0], found[1], found[2]))
    if len(named) < len(relation.paths()):
        return None
    problem = _same_place(named) or _twice(named) or _kinds(relation.form, named)
    if problem is not None:
        where, found = problem
        error(origin, found.code, found.message, *where.at, hint=found.hint)
        return None
    kind = VALUE_KINDS[named[0].decl.type]
    return RelationSpec(relation.form, tuple(n.name for n in named[:-1]), named[-1].name, named[0].list_path, kind,
                        origin)


def _named_paths(relation: Relation) -> Iterator[tuple[tuple[PathPart, ...], str]]:
    """(key inside the relation, path) of each input it names, left side first; a sum's parts by index."""
    parts = 0
    for key, path in relation.paths():
        if key == "parts":
            yield (key, parts), path
            parts += 1
        else:
            yield (key,), path


def resolve(path: str, inputs: dict[str, InputSpec], derived: set[str]) -> tuple[str | None, str, InputDecl] | Problem:
    """(list path or None, name, declaration) of an input a relation names, or why it names none."""
    if path.split(".")[0] == "params":
        return Problem("relation-input", f"'{path}' is a parameter: a relation compares the inputs of a profile",
                       "a parameter is the same for every profile: compare with it in a rule's condition")
    if path in inputs:
        return None, path, inputs[path].decl
    for list_path, spec in inputs.items():
        if spec.is_object_list and path.startswith(list_path + "."):
            fields = (spec.decl.items.fields or {}) if spec.decl.items is not None else {}
            name = path[len(list_path) + 1:]
            if name in fields:
                return list_path, name, fields[name]
    if path in derived:
        return Problem("relation-input", f"'{path}' is a derived value: a relation compares the inputs of a "
                       "profile", "name the inputs it is computed from")
    return Problem("relation-input", f"unknown input '{path}'", did_you_mean(path, _all_names(inputs)))


def _all_names(inputs: dict[str, InputSpec]) -> list[str]:
    names = list(inputs)
    for list_path, spec in inputs.items():
        if spec.is_object_list and spec.decl.items is not None:
            names += [f"{list_path}.{field}" for field in spec.decl.items.fields or {}]
    return names


def _same_place(named: list[Named]) -> tuple[Named, Problem] | None:
    """All values of the profile, or all fields of the elements of one list."""
    first = named[0]
    for other in named[1:]:
        if other.list_path == first.list_path:
            continue
        element, value = (first, other) if first.list_path is not None else (other, first)
        where = (f"and '{value.path}' is not" if value.list_path is None else
                 f"and '{value.path}' of '{value.list_path}'")
        return other, Problem("relation-input", f"'{element.path}' is a field of each element of "
                              f"'{element.list_path}' {where}: a relation compares values of the profile, or "
                              "fields of one element")
    return None


def _twice(named: list[Named]) -> tuple[Named, Problem] | None:
    seen: set[str] = set()
    for item in named:
        if item.path in seen:
            return item, Problem("relation-input", f"the relation names '{item.path}' twice")
        seen.add(item.path)
    return None


def _kinds(form: str, named: list[Named]) -> tuple[Named, Problem] | None:
    """Values of one kind, with an order; numbers for a part and its whole, or a sum."""
    for item in named:
        kind = VALUE_KINDS.get(item.decl.type)
        if kind is None:
            return item, Problem("relation-type", f"'{item.path}' is {_a(item.decl.type)}: a relation compares "
                                 "numbers or dates")
        if kind == "date" and form != "range":
            what = "a part and its whole are numbers" if form == "part" else "parts and their total are numbers"
            return item, Problem("relation-type", f"'{item.path}' is a date: {what}",
                                 "a range of dates is written {start, end}")
    first = named[0]
    for other in named[1:]:
        if VALUE_KINDS[other.decl.type] != VALUE_KINDS[first.decl.type]:
            return other, Problem("relation-type", f"'{first.path}' is {_a(first.decl.type)} and '{other.path}' "
                                  f"{_a(other.decl.type)}: a relation compares values of one kind")
    return None


def _a(word: str) -> str:
    return ("an " if word[0] in "aeiou" else "a ") + word


__all__ = ["MEANING", "VALUE_KINDS", "build_relations", "resolve"]
