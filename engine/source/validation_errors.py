"""Turn pydantic validation errors into located Diagnostics.

A pydantic error carries a `loc` (the path inside the validated data); the
SourceMap of the YAML file turns that path into `file:line:col`. Messages are
rewritten into plain words (unknown key with did-you-mean, missing key,
allowed values) because pydantic's own texts mention Python types.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pydantic import BaseModel, ValidationError

from engine.errors import ERROR, Diagnostic, did_you_mean


def located(source, path: tuple, *, key: bool = False) -> tuple[int, int]:
    """(line, col) of the value (or key) at path, or of its nearest existing parent."""
    if source is None:
        return 0, 0
    span = source.key(path) if key else None
    if span is None:
        span = source.value(path)
    if span is None:
        _, span = source.nearest(path)
    return (span.line, span.col) if span is not None else (0, 0)


def _clean_loc(loc: Iterable) -> tuple:
    """Drop pydantic's internal loc parts (validator names, union branches)."""
    out = []
    for part in loc:
        if isinstance(part, str) and (part.startswith("function-") or part in ("[key]",)):
            continue
        out.append(part)
    return tuple(out)


def model_fields_of(model: type[BaseModel], loc: tuple) -> list[str]:
    """The keys a model accepts at loc (for did-you-mean on unknown keys)."""
    current: Any = model
    for part in loc:
        if isinstance(part, int) or current is None:
            continue
        fields = getattr(current, "model_fields", None)
        if not fields:
            return []
        field = fields.get(part)
        if field is None:
            return []
        current = _inner_model(field.annotation)
    fields = getattr(current, "model_fields", None)
    return list(fields) if fields else []


def _inner_model(annotation: Any):
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()) or ():
        found = _inner_model(arg)
        if found is not None:
            return found
    return None


def diagnostics_from(error: ValidationError, *, file: str, source, base: tuple = (),
                     model: type[BaseModel] | None = None, code_prefix: str = "") -> list[Diagnostic]:
    found: list[Diagnostic] = []
    for item in error.errors(include_url=False):
        loc = _clean_loc(item.get("loc", ()))
        path = base + loc
        kind = item.get("type", "")
        message = item.get("msg", "invalid value")
        hint = None
        code = code_prefix + "schema"
        where = ".".join(str(p) for p in loc) or "document"
        if kind == "extra_forbidden":
            name = str(loc[-1]) if loc else "?"
            line, col = located(source, path, key=True)
            allowed = model_fields_of(model, loc[:-1]) if model is not None else []
            hint = did_you_mean(name, allowed) or (f"allowed keys: {', '.join(allowed)}" if allowed else None)
            if " " in name.strip() or set(allowed) == {"zh", "en"}:
                hint = ("a comma inside {zh: ..., en: ...} ends the text there; quote texts that contain commas: "
                        "en: \"one, two\"")
            found.append(Diagnostic(file, line, col, ERROR, code_prefix + "unknown-key",
                                    f"unknown key '{name}'", hint))
            continue
        if kind == "missing":
            line, col = located(source, path[:-1], key=True)
            found.append(Diagnostic(file, line, col, ERROR, code_prefix + "missing-key",
                                    f"missing required key '{loc[-1]}' in {'.'.join(str(p) for p in loc[:-1]) or 'document'}"))
            continue
        if kind == "literal_error":
            expected = item.get("ctx", {}).get("expected", "")
            message = f"{where} must be one of {expected}, got {item.get('input')!r}"
            options = [part.strip().strip("'") for part in str(expected).replace(" or ", ",").split(",")]
            hint = did_you_mean(str(item.get("input")), [o for o in options if o])
        elif kind == "value_error":
            message = f"{where}: {message.removeprefix('Value error, ')}"
        elif kind in ("string_type", "int_type", "decimal_type", "bool_type", "list_type", "dict_type",
                      "model_type", "float_type"):
            message = f"{where} must be {_type_word(kind)}, got {_shown(item.get('input'))}"
        elif kind == "string_pattern_mismatch":
            message = f"{where} {item.get('input')!r} is not a valid identifier"
            hint = "use letters, digits, '_', '-' and '.', starting with a letter or digit"
        else:
            message = f"{where}: {message}"
        line, col = located(source, path)
        found.append(Diagnostic(file, line, col, ERROR, code, message, hint))
    return found


def _type_word(kind: str) -> str:
    return {
        "string_type": "text",
        "int_type": "a whole number",
        "decimal_type": "a number",
        "float_type": "a number",
        "bool_type": "true or false",
        "list_type": "a list",
        "dict_type": "a mapping",
        "model_type": "a mapping",
    }[kind]


def _shown(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "nothing (null)"
    return repr(value)
