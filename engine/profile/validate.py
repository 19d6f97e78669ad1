"""Validate a profile against the inputs of the selected packs.

A pydantic model is generated from the union of the packs' input
declarations (nested by dotted path). Its errors are rewritten as
`file:line:col` diagnostics that say what was expected, in the words of the
declaration. A valid profile is flattened into engine values: one entry per
declared path, lists of objects as lists of dicts keyed by field path.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Annotated, Any, TypeAlias

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, create_model, model_validator
from pydantic_core import ErrorDetails

from engine.errors import ERROR, Diagnostic, DiagnosticSink, InputError, PackError, did_you_mean
from engine.expr.values import engine_arithmetic
from engine.pack.discovery import subject_problems
from engine.pack.fieldtypes import NoSuchDate, annotation, describe, explained_date, items_of
from engine.pack.model import InputSpec, Pack, RelationSpec
from engine.pack.paths import Tree, nest
from engine.pack.schema import InputDecl
from engine.profile.period import counted_by_period, period_warnings
from engine.profile.relations import Place, relation_problems
from engine.source.load import Document
from engine.source.spans import SourceMap
from engine.source.validation_errors import cut_text_hint, located, plain_message, shown_value

META_KEY = "profile"
Loc: TypeAlias = tuple[int | str, ...]


# a date of the period written YYYY-MM-DD that names no day is said so (2024-06-31: June has 30 days)
PeriodDate = Annotated[dt.date, BeforeValidator(explained_date)]


class Period(BaseModel):
    """A period that is not a calendar year, written under `profile:` (never at the top of a profile)."""

    model_config = ConfigDict(extra="forbid")
    start: PeriodDate = Field(description="The first day (`2024-07-01`).")
    end: PeriodDate = Field(description="The last day (`2025-06-30`), not before `start`.")

    @model_validator(mode="after")
    def _order(self) -> Period:
        if self.end < self.start:
            raise ValueError("the period ends before it starts")
        return self


class ProfileMeta(BaseModel):
    """The `profile:` block: who is assessed, for which period. Every other key at the top of a profile is an
    input its packs declare."""

    model_config = ConfigDict(extra="forbid")
    id: str | None = Field(default=None, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}$",
                           description="Letters, digits, `_`, `.` and `-` (at most 64), starting with a letter or "
                           "digit; what the `profile:` of a waiver or adjustment matches.")
    name: str | None = Field(default=None, max_length=200, description="The name reports show (at most 200 "
                             "characters).")
    subject: str | None = Field(default=None, description="What is assessed; without `--pack` it chooses the "
                                "shipped packs of that subject.")
    year: int | None = Field(default=None, ge=1949, le=2100, description="The assessment year, 1949 to 2100: "
                             "the period is that calendar year.")
    period: Period | None = Field(default=None, description="Or: a period that is not a calendar year.")
    packs: list[str] | None = Field(default=None, description="Without `--pack`: the shipped packs (ids or "
                                    "directory names) that assess it.")
    description: str | None = Field(default=None, max_length=5000, description="Free text for readers (at most "
                                    "5,000 characters).")
    data_source: str | None = Field(default=None, max_length=5000, description="Where the data come from (at "
                                    "most 5,000 characters).")

    def resolved_period(self) -> tuple[dt.date, dt.date] | None:
        if self.period is not None:
            return self.period.start, self.period.end
        if self.year is not None:
            return dt.date(self.year, 1, 1), dt.date(self.year, 12, 31)
        return None


@dataclass
class Profile:
    file: str
    meta: ProfileMeta
    values: dict[str, Any]
    document: Document | None = None
    warnings: list[Diagnostic] = field(default_factory=list)

    @property
    def source(self) -> SourceMap | None:
        return self.document.source if self.document is not None else None

    @property
    def label(self) -> str:
        return self.meta.name or self.meta.id or self.file

    @property
    def period(self) -> tuple[dt.date, dt.date] | None:
        return self.meta.resolved_period()


class ProfileSchema:
    """The validator for profiles of one set of packs (built once, used for many profiles)."""

    def __init__(self, packs: Iterable[Pack]):
        packs = list(packs)
        self.inputs: dict[str, InputSpec] = {}
        self.subjects = sorted({pack.meta.subject for pack in packs})  # what the packs assess
        self.relations = _relations(packs)
        self.counted_by_period = counted_by_period(packs)  # the dated inputs warned about outside the period
        sink = DiagnosticSink()
        for pack in packs:
            for path, spec in pack.inputs.items():
                other = self.inputs.get(path)
                if other is not None and other.decl.model_dump(exclude={"title", "description", "example"}) != \
                        spec.decl.model_dump(exclude={"title", "description", "example"}):
                    line, col = spec.origin.position(key=True)
                    sink.error(spec.origin.file, line, col, "pack-input-conflict",
                               f"input '{path}' is declared differently by another selected pack",
                               hint=f"see {other.origin.file}")
                    continue
                self.inputs.setdefault(path, spec)
        sink.raise_if_errors(PackError)
        self.model = self._model()

    def _model(self) -> type[BaseModel]:
        tree = nest((path, spec.decl) for path, spec in self.inputs.items())
        return _build(tree, "Profile", root=True)

    # -- validation -------------------------------------------------------------
    @engine_arithmetic
    def validate(self, document: Document, file: str) -> Profile:
        """A profile file: it must not be empty, and its `profile.subject` must be one the packs assess (without
        one, a warning: the packs given decide); data from elsewhere (a form, a test case) need not say what it
        is (`validate_data`)."""
        problems = subject_problems(document.data, document.source, file, self.subjects, given=True)
        errors = [d for d in problems if d.severity == ERROR]
        try:
            profile = self.validate_data(document.data, file, document.source, warnings=document.warnings,
                                         document=document)
        except InputError as exc:
            raise InputError(errors + exc.diagnostics) from None
        if errors:
            raise InputError(errors + profile.warnings)
        profile.warnings = [d for d in problems if d.severity != ERROR] + profile.warnings
        return profile

    @engine_arithmetic
    def validate_data(self, data: Any, file: str, source: SourceMap | None = None, *, base: Loc = (),
                      warnings: Iterable[Diagnostic] = (), document: Document | None = None) -> Profile:
        """Validate profile data; `source`/`base` locate it (e.g. a profile written inline in a test case)."""
        sink = DiagnosticSink()
        sink.extend(warnings)
        if data is None and document is not None:
            data = {}  # an empty file: what is wrong with it is said by validate() (profile-empty)
        if not isinstance(data, dict):
            line, col = located(source, base)
            sink.error(file, line, col, "profile-shape", "a profile is a mapping of inputs",
                       hint="start with 'profile:' and the inputs the pack declares")
            raise InputError(sink.items)
        try:
            validated = self.model.model_validate(data)
        except ValidationError as exc:
            for item in exc.errors(include_url=False):
                sink.add(self._diagnostic(item, file, source, base))
            raise InputError(sink.items) from None
        meta = getattr(validated, META_KEY, None) or ProfileMeta()
        dumped = validated.model_dump(exclude_none=True, exclude={META_KEY})
        values = flatten(dumped, self.inputs)
        place = Place(file, source, base)
        sink.extend(relation_problems(self.relations, values, place))
        sink.raise_if_errors(InputError)
        period = meta.resolved_period()
        if period is not None:
            sink.extend(period_warnings(self.inputs, values, period, _period_loc(meta), place,
                                         self.counted_by_period))
            values["period.start"], values["period.end"] = period
            values["period.year"] = period[0].year
        return Profile(file, meta, values, document, [d for d in sink.items if d.severity != ERROR])

    def _diagnostic(self, item: ErrorDetails, file: str, source: SourceMap | None, base: Loc = ()) -> Diagnostic:
        loc = tuple(p for p in item.get("loc", ()) if not (isinstance(p, str) and p.startswith("function-")))
        kind = item.get("type", "")
        if kind == "extra_forbidden":
            line, col = located(source, base + loc, key=True)
            message, hint = self._unknown_key(loc)
            return Diagnostic(file, line, col, ERROR, "unknown-key", message,
                              cut_text_hint(source, base + loc) or hint)
        shown = _loc_text(loc)
        if kind == "missing":
            line, col = located(source, base + loc[:-1], key=True)
            if loc[0] == META_KEY:  # `period:` without `end:`
                return Diagnostic(file, line, col, ERROR, "profile-meta",
                                  f"missing required key '{loc[-1]}' in {_loc_text(loc[:-1])}",
                                  "period: {start: 2024-07-01, end: 2025-06-30}")
            return Diagnostic(file, line, col, ERROR, "missing-field", f"{shown} is required for each element")
        line, col = located(source, base + loc)
        if loc and loc[0] == META_KEY:
            message, hint = _meta_problem(item, loc, shown)
            return Diagnostic(file, line, col, ERROR, "profile-meta", message, hint)
        decl = self._decl_at(loc)
        if decl is None:
            return Diagnostic(file, line, col, ERROR, "type", self._not_an_input(item, loc, shown))
        code, message, hint = _value_problem(item, decl, shown)
        return Diagnostic(file, line, col, ERROR, code, message, hint)

    def _unknown_key(self, loc: Loc) -> tuple[str, str | None]:
        """The message of a key the packs do not declare, and a hint: the key meant, or where the key goes, and
        the keys that may be written at its place."""
        name = str(loc[-1])
        parent = ".".join(str(p) for p in loc[:-1] if not isinstance(p, int))
        siblings = self._children(parent, loc)
        if not parent and name in ProfileMeta.model_fields:
            return (f"unknown key '{name}'", f"'{name}' belongs in the 'profile:' block: "
                    f"profile: {{{name}: …}} (keys of profile: {', '.join(ProfileMeta.model_fields)})")
        hint = did_you_mean(name, siblings)
        if hint is None:
            full = [p for p in self.inputs if p.endswith("." + name) or p.split(".")[-1] == name]
            hint = f"did you mean '{full[0]}'?" if full else _keys_at(parent, siblings)
        return f"unknown key '{_loc_text(loc)}'", hint

    def _not_an_input(self, item: ErrorDetails, loc: Loc, shown: str) -> str:
        """The message of an error at a group of inputs (a mapping), not at an input."""
        if item.get("type", "") in ("model_type", "dict_type"):
            group = ".".join(str(p) for p in loc if not isinstance(p, int))
            children = ", ".join(self._children(group, loc + ("?",))[:6])
            return f"{shown} must be a mapping of inputs ({children}), got {shown_value(item.get('input'))}"
        return f"{shown}: {item.get('msg', 'invalid value')}"

    def _decl_at(self, loc: Loc) -> InputDecl | None:
        names = [str(p) for p in loc if not isinstance(p, int)]
        for cut in range(len(names), 0, -1):
            spec = self.inputs.get(".".join(names[:cut]))
            if spec is None:
                continue
            decl = spec.decl
            rest = names[cut:]
            while rest:
                if decl.type == "list":
                    decl = items_of(decl)
                    continue
                fields = decl.fields or {}
                for width in range(len(rest), 0, -1):
                    key = ".".join(rest[:width])
                    if key in fields:
                        decl, rest = fields[key], rest[width:]
                        break
                else:
                    return None
            if decl.type == "list" and isinstance(loc[-1], int):
                decl = items_of(decl)
            return decl
        return None

    def _children(self, parent: str, loc: Loc) -> list[str]:
        """Keys allowed beside the unknown one (for did-you-mean)."""
        prefix = parent + "." if parent else ""
        found = {p[len(prefix):].split(".")[0] for p in self.inputs if p.startswith(prefix)}
        if not parent:
            found.add(META_KEY)
        if parent == META_KEY:
            return list(ProfileMeta.model_fields)
        if parent == f"{META_KEY}.period":
            return list(Period.model_fields)
        decl = self._decl_at(loc[:-1])
        if decl is not None:
            if decl.type == "list":
                decl = decl.items
            fields = (decl.fields or {}) if decl is not None else {}
            found |= {name.split(".")[0] for name in fields}
        return sorted(found)


def _keys_at(parent: str, siblings: list[str]) -> str | None:
    """The keys that may be written where an unknown key is (`parent`: the dotted place, '' at the top)."""
    if not siblings:
        return None
    shown = ", ".join(siblings[:MAX_KEYS_SHOWN]) + (", …" if len(siblings) > MAX_KEYS_SHOWN else "")
    return f"keys of {parent}: {shown}" if parent else f"keys at the top of a profile: {shown}"


MAX_KEYS_SHOWN = 24


def _meta_problem(item: ErrorDetails, loc: Loc, shown: str) -> tuple[str, str | None]:
    """The message and hint of a problem in the `profile:` block, in the project's words."""
    kind = item.get("type", "")
    if kind == "string_pattern_mismatch" and loc[-1] == "id":
        return (f"{shown} {item.get('input')!r} is not a valid identifier",
                "at most 64 letters, digits, '_', '-' and '.', starting with a letter or digit")
    if kind in ("model_type", "dict_type") and len(loc) == 1:
        return (f"{shown} must be a mapping, got {shown_value(item.get('input'))}",
                f"profile: {{id: …, name: …, year: 2024}} (keys of profile: {', '.join(ProfileMeta.model_fields)})")
    message, hint = plain_message(item, shown)
    if kind in ("greater_than_equal", "less_than_equal") and loc[-1] == "year":
        hint = "the year in four digits, 1949 to 2100; or 'period: {start: …, end: …}'"
    return message, hint


def _relations(packs: list[Pack]) -> list[RelationSpec]:
    """The relations of all the packs, each once (packs that share inputs may declare the same)."""
    found: dict[tuple[str, tuple[str, ...], str, str | None], RelationSpec] = {}
    for pack in packs:
        for relation in pack.relations:
            found.setdefault(relation.key, relation)
    return list(found.values())


def _period_loc(meta: ProfileMeta) -> Loc:
    """Where the profile says its period: `profile.period`, else `profile.year`."""
    return (META_KEY, "period") if meta.period is not None else (META_KEY, "year")


def _value_problem(item: ErrorDetails, decl: InputDecl, shown: str) -> tuple[str, str, str | None]:
    """(code, message, hint) of a value that does not fit its declaration."""
    kind = item.get("type", "")
    error = item.get("ctx", {}).get("error")
    if isinstance(error, NoSuchDate):
        return "date", f"{shown}: {error}", None
    value = item.get("input")
    expected = describe(decl)
    code = "type"
    hint = _writing_hint(value, decl)
    if kind == "literal_error":
        code = "enum"
        hint = did_you_mean(str(value), decl.values or [])
    elif "maximum" in str(item.get("msg")) or "minimum" in str(item.get("msg")):
        code = "range"
    elif kind in ("dict_type", "model_type") and decl.type != "list":
        expected = "a mapping"
    if kind == "too_long":
        code = "too-long"
        expected = f"{expected} (at most {item.get('ctx', {}).get('max_length')} items)"
    return code, f"{shown} must be {expected}, got {shown_value(value)}", hint


def _writing_hint(value: Any, decl: InputDecl) -> str | None:
    """How to write the value, when it looks like a habit from spreadsheets or other formats."""
    if isinstance(value, str) and decl.type in ("integer", "number", "percent") and re.match(r"^\s*\d", value):
        return "write the number alone, without a unit: the unit is declared by the pack"
    if isinstance(value, str) and decl.type == "boolean" and value.lower() in ("yes", "no", "on", "off", "是", "否"):
        return "write true or false"
    if isinstance(value, (int, float)) and decl.type == "string":
        return "quote it to keep it as text, e.g. '001'"
    return None


def _build(tree: Tree, name: str, *, root: bool = False) -> type[BaseModel]:
    definitions: dict[str, Any] = {}
    for key, value in tree.items():
        if isinstance(value, dict):
            definitions[key] = (_build(value, f"{name}_{key}") | None, None)
        else:
            definitions[key] = (annotation(value, f"{name}_{key}") | None, None)
    if root:
        definitions.setdefault(META_KEY, (ProfileMeta | None, None))
    return create_model(re.sub(r"\W", "_", name), __config__=ConfigDict(extra="forbid"), **definitions)


def flatten(data: dict[str, Any], inputs: dict[str, InputSpec]) -> dict[str, Any]:
    """One engine value per declared input path present in the data."""
    values: dict[str, Any] = {}
    for path, spec in inputs.items():
        node: Any = data
        for part in path.split("."):
            if not isinstance(node, dict) or part not in node:
                node = None
                break
            node = node[part]
        if node is None:
            continue
        if spec.is_object_list:
            node = [flatten_object(item) for item in node]
        values[path] = node
    return values


def flatten_object(item: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """{'scores': {'community': 80}} -> {'scores.community': 80} (lists of objects flattened too)."""
    flat: dict[str, Any] = {}
    for key, value in item.items():
        kind = type(value)
        if kind is dict:
            flat.update(flatten_object(value, prefix + key + "."))
        elif kind is list and value and type(value[0]) is dict:
            flat[prefix + key] = [flatten_object(element) for element in value]
        elif value is not None:
            flat[prefix + key] = value
    return flat


def _loc_text(loc: Loc) -> str:
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += ("." if text else "") + str(part)
    return text or "profile"


