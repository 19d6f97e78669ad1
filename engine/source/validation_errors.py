"""Turn pydantic validation errors into located Diagnostics.

A pydantic error carries a `loc` (the path inside the validated data); the
SourceMap of the YAML file turns that path into `file:line:col`. Messages are
rewritten into plain words (unknown key with did-you-mean, missing key,
allowed values) because pydantic's own texts mention Python types.

The model validated is walked along the `loc`, so that the keys of the model at
each step are known (for did-you-mean) and the tag a discriminated union puts in
a `loc` (`rules.0.veto.points`) is left out of the path (`rules.0.points`). A
model may explain an unknown key better than "unknown key" by defining
`unknown_key_note(key) -> (message, hint) | None` (a rule of one kind given a key
of another kind).
"""

from __future__ import annotations

import datetime as dt
import types
import typing
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeAlias

import yaml
from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo
from pydantic_core import ErrorDetails

from engine.errors import ERROR, Diagnostic, did_you_mean
from engine.source.spans import SourceMap, Span

Loc: TypeAlias = tuple[int | str, ...]
KeyNote: TypeAlias = Callable[[str], tuple[str, str | None] | None]


def located(source: SourceMap | None, path: Sequence[int | str], *, key: bool = False) -> tuple[int, int]:
    """(line, col) of the value (or key) at path, or of its nearest existing parent."""
    if source is None:
        return 0, 0
    span = source.key(path) if key else None
    if span is None:
        span = source.value(path)
    if span is None:
        _, span = source.nearest(path)
    return (span.line, span.col) if span is not None else (0, 0)


# -- walking a model along a loc -------------------------------------------------------------

def _is_internal(part: int | str) -> bool:
    """pydantic's own loc parts: validator names and the marker of a mapping key."""
    return isinstance(part, str) and (part.startswith("function-") or part == "[key]")


def _unwrap(annotation: Any) -> Any:
    """The annotation without Annotated metadata and without `| None`; a discriminated union stays Annotated."""
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated and _discriminator(annotation) is None:
            annotation = typing.get_args(annotation)[0]
        elif origin in (typing.Union, types.UnionType):
            options = [a for a in typing.get_args(annotation) if a is not type(None)]
            if len(options) != 1:
                return annotation
            annotation = options[0]
        else:
            return annotation


def _discriminator(annotation: Any) -> str | None:
    """The key that tells the members of a discriminated union apart (`kind`), or None."""
    if typing.get_origin(annotation) is not typing.Annotated:
        return None
    for meta in typing.get_args(annotation)[1:]:
        if isinstance(meta, FieldInfo) and isinstance(meta.discriminator, str):
            return meta.discriminator
    return None


def _member(annotation: Any, tag: int | str) -> type[BaseModel] | None:
    """The member of a discriminated union whose discriminator field is the literal `tag`."""
    key = _discriminator(annotation)
    if key is None:
        return None
    for member in typing.get_args(typing.get_args(annotation)[0]):
        field = member.model_fields.get(key)
        if field is not None and tag in typing.get_args(field.annotation):
            return typing.cast(type[BaseModel], member)
    return None


def _step(annotation: Any, part: int | str) -> Any:
    """The annotation of the data at `part` inside data of `annotation` (None when unknown)."""
    origin = typing.get_origin(annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel) and isinstance(part, str):
        field = annotation.model_fields.get(part)
        return field.annotation if field is not None else None
    if origin is list and isinstance(part, int):
        return typing.get_args(annotation)[0]
    if origin is dict and isinstance(part, str):
        return typing.get_args(annotation)[1]
    return None


def walk_loc(model: type[BaseModel] | None, loc: Iterable[int | str]) -> tuple[Loc, Any]:
    """The loc as a path in the data (pydantic's internal parts and union tags left out), and the
    annotation of the data at its end (a model class, or None when the walk lost track)."""
    path: list[int | str] = []
    annotation: Any = model
    for part in loc:
        if _is_internal(part):
            continue
        annotation = _unwrap(annotation)
        member = _member(annotation, part)
        if member is not None:  # the tag of a discriminated union, not a key of the data
            annotation = member
            continue
        path.append(part)
        annotation = _step(annotation, part)
    return tuple(path), _unwrap(annotation)


def _model_at(model: type[BaseModel] | None, loc: Iterable[int | str]) -> type[BaseModel] | None:
    """The model validating the data at `loc` (a loc as pydantic gives it, with the tags of unions)."""
    _, found = walk_loc(model, loc)
    return found if isinstance(found, type) and issubclass(found, BaseModel) else None


def model_fields_of(model: type[BaseModel], loc: Iterable[int | str]) -> list[str]:
    """The keys a model accepts at loc, a loc as pydantic gives it (for did-you-mean on unknown keys)."""
    found = _model_at(model, loc)
    return list(found.model_fields) if found is not None else []


# -- the diagnostics ----------------------------------------------------------------------------

class _Context:
    """What every error of one validation shares: where the data came from and which model checked it."""

    def __init__(self, file: str, source: SourceMap | None, base: Loc, model: type[BaseModel] | None,
                 code_prefix: str):
        self.file = file
        self.source = source
        self.base = base
        self.model = model
        self.code_prefix = code_prefix

    def as_written(self, path: Loc) -> Loc:
        """The path without the index 0 that a one-or-many key adds to the single item written without a list
        (`cite: {…}` is validated as `cite: [{…}]`)."""
        if self.source is None:
            return path
        written: list[int | str] = []
        for part in path:
            if not (isinstance(part, int) and part == 0 and self.source.keys_at(self.base + tuple(written))):
                written.append(part)
        return tuple(written)

    def at(self, path: Loc, code: str, message: str, hint: str | None = None, *, key: bool = False) -> Diagnostic:
        line, col = located(self.source, self.base + path, key=key)
        return Diagnostic(self.file, line, col, ERROR, self.code_prefix + code, message, hint)


def diagnostics_from(error: ValidationError, *, file: str, source: SourceMap | None, base: Loc = (),
                     model: type[BaseModel] | None = None, code_prefix: str = "") -> list[Diagnostic]:
    context = _Context(file, source, base, model, code_prefix)
    return [_diagnostic(item, context) for item in error.errors(include_url=False)]


def _diagnostic(item: ErrorDetails, context: _Context) -> Diagnostic:
    raw_loc = item.get("loc", ())
    loc = context.as_written(walk_loc(context.model, raw_loc)[0])
    kind = item.get("type", "")
    if kind == "extra_forbidden":
        return _unknown_key(loc, _model_at(context.model, raw_loc[:-1]), context)
    if kind == "missing":
        where = ".".join(str(p) for p in loc[:-1]) or "document"
        return context.at(loc[:-1], "missing-key", f"missing required key '{loc[-1]}' in {where}", key=True)
    if kind in ("union_tag_invalid", "union_tag_not_found"):
        return _unknown_tag(item, loc, context)
    message, hint = plain_message(item, ".".join(str(p) for p in loc) or "document")
    return context.at(loc, "schema", message, hint)


def _unknown_key(loc: Loc, owner: type[BaseModel] | None, context: _Context) -> Diagnostic:
    """An unknown key at `loc` of the mapping validated by `owner` (when known)."""
    name = str(loc[-1]) if loc else "?"
    explain: KeyNote | None = getattr(owner, "unknown_key_note", None)
    note = explain(name) if explain is not None else None
    if note is not None:
        return context.at(loc, "unknown-key", note[0], note[1], key=True)
    allowed = list(owner.model_fields) if owner is not None else []
    hint = (cut_text_hint(context.source, context.base + loc) if loc else None) or did_you_mean(name, allowed) or \
        (f"allowed keys: {', '.join(allowed)}" if allowed else None)
    return context.at(loc, "unknown-key", f"unknown key '{name}'", hint, key=True)


def cut_text_hint(source: SourceMap | None, path: Loc) -> str | None:
    """The hint for the key at `path` (in the whole document) that is the rest of a text cut by a comma
    (`{quote: 达到90%以上, 按时完成, …}`, where YAML reads `按时完成` as a key without a value), or None when the
    key does not look like one."""
    if source is None or not path or not _flow_mapping(source, path[:-1]):
        return None
    name = str(path[-1])
    keys = source.keys_at(path[:-1])
    position = keys.index(name) if name in keys else -1
    if position < 1 or not (_written_without_value(source, path) or " " in name.strip()):
        return None
    previous = keys[position - 1]
    before = _one_line(source, source.value(path[:-1] + (previous,)))
    if before is not None and not _plain_text(before):
        return None  # `{total: 1, trainde}`: a number is not a text a comma cut
    return (f"a comma inside {{{previous}: ..., ...}} ends the text there; quote texts that contain commas: "
            f"{previous}: \"{before or '…'}, {name}\"")


def _plain_text(written: str) -> bool:
    """Whether a scalar as written is read as a text (not a number, a date, true/false or null)."""
    try:
        return isinstance(yaml.safe_load(written), str)
    except yaml.YAMLError:
        return True


def _lines(source: SourceMap) -> list[str]:
    return source.text.splitlines()


def _one_line(source: SourceMap, span: Span | None) -> str | None:
    """The text of a span on one line, as written."""
    lines = _lines(source)
    if span is None or span.line != span.end_line or not 0 < span.line <= len(lines):
        return None
    return lines[span.line - 1][span.col - 1:span.end_col - 1] or None


def _flow_mapping(source: SourceMap, path: Loc) -> bool:
    """Whether the mapping at `path` is written in flow style (`{a: 1, b: 2}`)."""
    span = source.value(path)
    lines = _lines(source)
    if span is None or not 0 < span.line <= len(lines):
        return False
    return lines[span.line - 1][span.col - 1:span.col] == "{"


def _written_without_value(source: SourceMap, path: Loc) -> bool:
    """A key followed by ',' or '}' (no ':'): YAML gives it a null value."""
    span = source.key(path)
    lines = _lines(source)
    if span is None or not 0 < span.end_line <= len(lines):
        return False
    return lines[span.end_line - 1][span.end_col - 1:].lstrip()[:1] in (",", "}")


def _unknown_tag(item: ErrorDetails, loc: Loc, context: _Context) -> Diagnostic:
    """A discriminated union's tag (`kind: bonsu`) that names none of its members: said like a wrong literal."""
    details = item.get("ctx", {})
    key = str(details.get("discriminator", "")).strip("'") or "kind"
    expected = str(details.get("expected_tags", ""))
    options = [part.strip().strip("'") for part in expected.split(",")]
    given = item.get("input")
    tag = given.get(key) if isinstance(given, dict) else None
    where = ".".join(str(p) for p in loc + (key,))
    return context.at(loc + (key,), "schema", f"{where} must be one of {expected}, got {tag!r}",
                      did_you_mean(str(tag), [o for o in options if o]))


def plain_message(item: ErrorDetails, where: str) -> tuple[str, str | None]:
    """The message and hint of an error about a value, in the project's words (never pydantic's)."""
    kind = item.get("type", "")
    message = item.get("msg", "invalid value")
    if kind == "literal_error":
        expected = item.get("ctx", {}).get("expected", "")
        options = [part.strip().strip("'") for part in str(expected).replace(" or ", ",").split(",")]
        given = str(item.get("input"))
        return (f"{where} must be one of {expected}, got {item.get('input')!r}",
                _meant(given, options) or did_you_mean(given, [o for o in options if o]))
    if kind == "value_error":
        return f"{where}: {message.removeprefix('Value error, ')}", None
    if kind in _TYPE_WORDS:
        hint = _DATE_HINT if _TYPE_WORDS[kind] == _DATE_WORDS else None
        return f"{where} must be {_TYPE_WORDS[kind]}, got {shown_value(item.get('input'))}", hint
    if kind in _BOUNDS:
        return f"{where} {_bound(kind, item)}", None
    if kind == "string_pattern_mismatch":
        return (f"{where} {item.get('input')!r} is not a valid identifier",
                "use letters, digits, '_', '-' and '.', starting with a letter or digit")
    return f"{where}: {message}", None


# Words that name none of a literal's options but are meant for one of them; not accepted as synonyms, since
# "round" may be read as any of the roundings, but the hint says which one the author most likely wants.
_MEANT = {"round": ("half_up", "did you mean half_up (四舍五入)?")}


def _meant(given: str, options: list[str]) -> str | None:
    meant = _MEANT.get(given.strip().lower())
    return meant[1] if meant is not None and meant[0] in options else None


def _bound(kind: str, item: ErrorDetails) -> str:
    """What a bounded value must be: `must be at most 2100, got 2200`, `must not be empty`."""
    details = item.get("ctx", {})
    words, key = _BOUNDS[kind]
    limit = details.get(key)
    value = item.get("input")
    if kind in ("too_short", "string_too_short") and limit == 1:
        return "must not be empty"
    if kind in ("too_short", "too_long"):
        return f"must have {words} {limit} items, got {details.get('actual_length')}"
    if kind in ("string_too_short", "string_too_long"):
        return f"must have {words} {limit} characters, got {len(value) if isinstance(value, str) else value}"
    return f"must be {words} {shown_value(limit)}, got {shown_value(value)}"


_DATE_WORDS = "a date (YYYY-MM-DD)"
_DATE_HINT = "write dates as 2024-03-01, a day that exists"
_TYPE_WORDS = {
    "string_type": "text",
    "int_type": "a whole number",
    "int_parsing": "a whole number",
    "int_from_float": "a whole number",
    "decimal_type": "a number",
    "decimal_parsing": "a number",
    "float_type": "a number",
    "float_parsing": "a number",
    "bool_type": "true or false",
    "bool_parsing": "true or false",
    "date_type": _DATE_WORDS,
    "date_parsing": _DATE_WORDS,
    "date_from_datetime_parsing": _DATE_WORDS,
    "date_from_datetime_inexact": _DATE_WORDS,
    "list_type": "a list",
    "dict_type": "a mapping",
    "model_type": "a mapping",
    "model_attributes_type": "a mapping",
}
_BOUNDS = {
    "less_than_equal": ("at most", "le"),
    "less_than": ("below", "lt"),
    "greater_than_equal": ("at least", "ge"),
    "greater_than": ("above", "gt"),
    "too_short": ("at least", "min_length"),
    "too_long": ("at most", "max_length"),
    "string_too_short": ("at least", "min_length"),
    "string_too_long": ("at most", "max_length"),
}


def shown_value(value: Any) -> str:
    """A value as a diagnostic quotes it: its kind for a collection, the date as written, else its repr."""
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "nothing"
    if isinstance(value, dt.date):
        return value.isoformat()
    return repr(value) if isinstance(value, str) else str(value)
