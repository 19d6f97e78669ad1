"""The Report reference (docs/reference/report.md) and its JSON Schema (docs/reference/report.schema.json),
generated from the pydantic models of engine/report/model.py.

A field's meaning is its `Field(description=…)`; where a model gives none, the comment written after the
field in the source (`grade_change: str  # up | down | same`) is shown instead, and otherwise nothing.
"""

from __future__ import annotations

import inspect
import json
import re
import types
import typing
from typing import Any

from pydantic import BaseModel
from pydantic.fields import FieldInfo

from engine.authoring.reference import reachable
from engine.report import model as M

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"  # what pydantic generates
_FIELD_COMMENT = re.compile(r"^\s+(?P<name>\w+)\s*:[^#]*#\s*(?P<comment>.+?)\s*$")
_WORDS: dict[Any, str] = {str: "text", int: "integer", float: "number", bool: "true/false", type(None): "null",
                          typing.Any: "any value"}


def type_words(annotation: Any) -> str:
    """A field's JSON type in words, models linked to their section: 'list of [FindingOut](#findingout)'."""
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin is typing.Union or origin is types.UnionType:
        return " or ".join(type_words(a) for a in args)
    if origin is list:
        return f"list of {type_words(args[0])}"
    if origin is dict:
        return f"mapping of names to {type_words(args[1])}"
    if origin is typing.Literal:
        return "one of " + ", ".join(f"`{a}`" for a in args)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return f"[{annotation.__name__}](#{annotation.__name__.lower()})"
    return _WORDS.get(annotation, getattr(annotation, "__name__", str(annotation)))


def field_comments(model: type[BaseModel]) -> dict[str, str]:
    """The comments written after the model's own fields in its source."""
    found = {}
    for line in inspect.getsource(model).splitlines():
        match = _FIELD_COMMENT.match(line)
        if match and match["name"] in model.model_fields:
            found[match["name"]] = match["comment"]
    return found


def _default(field: FieldInfo) -> str:
    if field.is_required():
        return "required"
    value = field.get_default(call_default_factory=True)
    return f"`{json.dumps(value, ensure_ascii=False)}`"


def model_section(model: type[BaseModel]) -> list[str]:
    lines = [f"### {model.__name__}", ""]
    doc = model.__dict__.get("__doc__")
    if doc:
        lines += [" ".join(inspect.cleandoc(doc).split()), ""]
    comments = field_comments(model)
    lines += ["| key | type | default | meaning |", "|---|---|---|---|"]
    for name, field in model.model_fields.items():
        meaning = (field.description or comments.get(name, "")).replace("|", "\\|")
        lines.append(f"| `{name}` | {type_words(field.annotation)} | {_default(field)} | {meaning} |")
    return lines + [""]


def report_reference() -> str:
    """Every model of the Report, from `Report` down, in the order a reader meets them."""
    lines = [f"The current schema version is `\"{M.SCHEMA_VERSION}\"`.", ""]
    for model in reachable(M.Report):
        lines += model_section(model)
    return "\n".join(lines).rstrip("\n") + "\n"


def report_schema() -> dict[str, Any]:
    """The JSON Schema of a report, as pydantic generates it from the model."""
    return {"$schema": SCHEMA_DIALECT, **M.Report.model_json_schema()}


def report_schema_text() -> str:
    return json.dumps(report_schema(), ensure_ascii=False, indent=2) + "\n"
