"""Pydantic field types generated from input declarations.

An input declared in a pack (`type: integer, min: 0`) becomes an annotated
pydantic type; profiles and parameter values are validated with them. The
YAML loader already gives int / Decimal / date / bool / str, so the types are
strict: '4519户' is not silently turned into 4519.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Callable
from decimal import Decimal
from typing import Annotated, Any, Literal, TypeAlias

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StrictBool, StrictStr, WithJsonSchema, create_model

from engine.expr import types as T
from engine.expr.values import NumberOutOfRange, to_number
from engine.pack.paths import Tree, nest
from engine.pack.schema import InputDecl

# A type pydantic validates against: a class, or a typing form such as Annotated[...] or Literal[...].
FieldType: TypeAlias = Any

MAX_TEXT = 10_000
MAX_ITEMS = 10_000
_PERCENT_TEXT = re.compile(r"^\s*([-+]?\d+(?:\.\d+)?)\s*[%％]\s*$")
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")  # ASCII digits only (\d would match other scripts)
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December")  # not calendar.month_name, which follows the locale


class ValueProblem(ValueError):
    """Raised by our validators; the message is shown to the user as is."""


class NoSuchDate(ValueProblem):
    """Text written as a date (YYYY-MM-DD) that names no day: `there is no 2024-02-30: February 2024 has
    29 days`, said as is rather than as a value of the wrong type."""

    def __init__(self, text: str):
        super().__init__(f"there is no {text}: {why_no_such_date(text)}")


def why_no_such_date(text: str) -> str:
    """Why YYYY-MM-DD text names no day (the text has that shape; the day does not exist)."""
    year, month, day = int(text[:4]), int(text[5:7]), int(text[8:10])
    if year < 1:
        return "years start at 1"
    if not 1 <= month <= 12:
        return f"there is no month {month}"
    if day < 1:
        return "days start at 1"
    return f"{_MONTHS[month - 1]} {year} has {calendar.monthrange(year, month)[1]} days"


def explained_date(value: Any) -> Any:
    """A date's text that has the shape YYYY-MM-DD but names no day is a NoSuchDate; anything else passes."""
    if isinstance(value, str) and _ISO_DATE.fullmatch(value):
        try:
            dt.date.fromisoformat(value)
        except ValueError:
            raise NoSuchDate(value) from None
    return value


def _number(value: Any) -> Decimal | int:
    if isinstance(value, bool) or not isinstance(value, (int, Decimal, float)):
        raise ValueProblem("not a number")
    try:
        return to_number(value)
    except NumberOutOfRange:
        raise ValueProblem("out of range (numbers stay below 1,000,000,000)") from None


def _integer(value: Any) -> int:
    if isinstance(value, Decimal) and value == value.to_integral_value():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueProblem("not a whole number")
    return int(_number(value))


def _percent(value: Any) -> Decimal | int:
    """98, 98.5, '98%' -> 0.98, 0.985: percents become fractions."""
    if isinstance(value, str):
        match = _PERCENT_TEXT.match(value)
        if not match:
            raise ValueProblem("not a percentage")
        value = Decimal(match.group(1))
    return to_number(Decimal(_number(value)) / 100)


def _ratio(value: Any) -> Decimal | int:
    """0.98 or '98%' -> 0.98."""
    if isinstance(value, str):
        return _percent(value)
    return _number(value)


def _bounded(low: Decimal | None, high: Decimal | None) -> Callable[[Decimal | int], Decimal | int]:
    def check(value: Decimal | int) -> Decimal | int:
        if low is not None and value < low:
            raise ValueProblem("below the minimum")
        if high is not None and value > high:
            raise ValueProblem("above the maximum")
        return value

    return check


def bounds_of(decl: InputDecl) -> tuple[Any, Any]:
    """Bounds in engine units (percent bounds are written in percent)."""
    low, high = decl.min, decl.max
    if decl.type == "percent":
        low = Decimal(0) if low is None else low / 100
        high = Decimal(1) if high is None else high / 100
    elif decl.type == "ratio":
        low = Decimal(0) if low is None else low
        high = Decimal(1) if high is None else high
    return low, high


_CONVERT: dict[str, Callable[[Any], Decimal | int]] = {"integer": _integer, "number": _number, "percent": _percent,
                                                       "ratio": _ratio}


def scalar_annotation(decl: InputDecl) -> FieldType:
    kind = decl.type
    if kind in _CONVERT:
        convert, check = _CONVERT[kind], _bounded(*bounds_of(decl))

        def validate(value: Any) -> Decimal | int:
            return check(convert(value))

        return Annotated[Any, BeforeValidator(validate), WithJsonSchema(number_json_schema(decl))]
    if kind == "boolean":
        return StrictBool
    if kind == "string":
        return Annotated[StrictStr, Field(max_length=MAX_TEXT)]
    if kind == "date":
        return Annotated[dt.date, BeforeValidator(_date)]
    if kind == "enum":
        return Literal[tuple(decl.values or ())]
    raise ValueError(f"not a scalar type: {kind}")


def number_json_schema(decl: InputDecl) -> dict[str, Any]:
    """JSON Schema of a number as a profile writes it (editors): percents in percent, or as text '98%'."""
    kind = decl.type
    schema: dict[str, Any] = {"type": "integer" if kind == "integer" else "number"}
    low, high = decl.min, decl.max
    if kind == "percent":
        low, high = (Decimal(0) if low is None else low), (Decimal(100) if high is None else high)
    elif kind == "ratio":
        low, high = (Decimal(0) if low is None else low), (Decimal(1) if high is None else high)
    if low is not None:
        schema["minimum"] = int(low) if low == int(low) else float(low)
    if high is not None:
        schema["maximum"] = int(high) if high == int(high) else float(high)
    if kind in ("percent", "ratio"):
        return {"anyOf": [schema, {"type": "string", "pattern": r"^\s*[-+]?\d+(\.\d+)?\s*[%％]\s*$"}]}
    return schema


def _date(value: Any) -> dt.date:
    """A date as the YAML loader gives it, or as JSON carries it: text that is exactly YYYY-MM-DD."""
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if isinstance(value, str) and _ISO_DATE.fullmatch(value):
        return dt.date.fromisoformat(explained_date(value))  # 2024-02-30: the shape of a date, but no such day
    raise ValueProblem("not a date")


def annotation(decl: InputDecl, name: str = "Item") -> FieldType:
    """The pydantic type for one declared input (scalars, lists, objects)."""
    if decl.type == "list":
        item = annotation(items_of(decl), name)
        # the element type is made at run time from the declaration, which a static checker cannot follow
        return Annotated[list[item], Field(max_length=decl.max_items or MAX_ITEMS)]  # type: ignore[valid-type]
    if decl.type == "object":
        return object_model(decl.fields or {}, name)
    return scalar_annotation(decl)


def object_model(fields: dict[str, InputDecl], name: str) -> type[BaseModel]:
    """A model for an object whose fields may have dotted names (nested mappings)."""
    return _model_from_tree(nest(fields.items()), name)


def _model_from_tree(tree: Tree, name: str) -> type[BaseModel]:
    definitions: dict[str, Any] = {}
    for key, value in tree.items():
        if isinstance(value, dict):
            sub = _model_from_tree(value, f"{name}_{key}")
            definitions[key] = (sub | None, None)
        else:
            field_type = annotation(value, f"{name}_{key}")
            if value.required:
                definitions[key] = (field_type, ...)
            else:
                definitions[key] = (field_type | None, None)
    return create_model(_safe_name(name), __config__=ConfigDict(extra="forbid"), **definitions)


def items_of(decl: InputDecl) -> InputDecl:
    """The declaration of the elements of a list input (the schema makes a list declare them)."""
    if decl.items is None:
        raise ValueError("a list input needs 'items'")
    return decl.items


def _safe_name(name: str) -> str:
    return re.sub(r"\W", "_", name) or "Model"


def expr_type(decl: InputDecl, list_path: str = "") -> T.Type:
    """The expression-language type of a declared input."""
    kind = decl.type
    if kind == "integer":
        return T.INTEGER
    if kind in ("number", "percent", "ratio"):
        return T.NUMBER
    if kind == "boolean":
        return T.BOOLEAN
    if kind == "string":
        return T.STRING
    if kind == "date":
        return T.DATE
    if kind == "enum":
        return T.enum(decl.values or ())
    if kind == "list":
        return T.list_of(expr_type(items_of(decl), list_path))
    fields = tuple((key, expr_type(value, f"{list_path}.{key}")) for key, value in (decl.fields or {}).items())
    return T.ObjectType("object", fields, list_path)


def describe(decl: InputDecl, lang: str = "en") -> str:
    """What a value must look like, in words: 'a whole number ≥ 0'."""
    kind = decl.type
    low, high = decl.min, decl.max
    if kind == "list":
        return f"a list of {describe(items_of(decl), lang)}"
    if kind == "object":
        return "a mapping with " + ", ".join(decl.fields or {})
    if kind == "enum":
        return "one of " + ", ".join(repr(v) for v in decl.values or [])
    base = {
        "integer": "a whole number",
        "number": "a number",
        "percent": "a percentage such as 98 or 98%",
        "ratio": "a fraction between 0 and 1 (or a percentage such as 98%)",
        "boolean": "true or false",
        "string": "text",
        "date": "a date written YYYY-MM-DD",
    }[kind]
    suffix = "%" if kind == "percent" else ""
    if low is not None and high is not None:
        return f"{base} from {low}{suffix} to {high}{suffix}"
    if low is not None:
        return f"{base} ≥ {low}{suffix}"
    if high is not None:
        return f"{base} ≤ {high}{suffix}"
    return base
