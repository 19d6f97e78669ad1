"""The pack format a directory is written in, and the keys only format 2 may use.

Each directory of a pack (each layer of an overlay) is checked against its own `pack.format`, file by
file as the files are read: a format 2 key in a format 1 pack is an error at the key, so a format 1 pack
keeps the meaning it always had; a format 2 pack declares how items that do not apply count
(`scoring.not_applicable`) rather than leaving it to a default. The keys are those each model lists in
its `format_2_keys` (`pack.schema`).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pydantic import BaseModel

from engine.errors import Diagnostic, DiagnosticSink
from engine.pack.origins import DataPath, Origin, error_at
from engine.pack.schema import Model, PackFile, PackMeta

LATEST = 2
HINT = "write 'format: 2' under 'pack:' in pack.yaml (a format 1 pack keeps the meaning it always had)"


def format_problems(model: PackFile, origin: Origin, meta: PackMeta | None) -> list[Diagnostic]:
    """What one validated file of a pack says that its pack's format does not allow (or leaves unsaid)."""
    if meta is None:  # no `pack:` section: reported as such
        return []
    sink = DiagnosticSink()
    if meta.format < 2:
        for path, key, owner in format_2_keys(model, ()):
            shown = f"kind: {getattr(owner, key)}" if key == "kind" else key
            error_at(sink, origin, path + (key,), "pack-format-key", f"'{shown}' needs format: 2", hint=HINT,
                     key=True)
    elif model.scoring is not None and "not_applicable" not in model.scoring.model_fields_set:
        error_at(sink, origin, ("scoring",), "pack-not-applicable", "a format 2 pack says how items that do not "
                 "apply count: scoring.not_applicable", key=True,
                 hint="exclude (they leave the denominator), zero (they count 0) or full (they earn their points)")
    return sink.items


def format_2_keys(value: Any, path: DataPath) -> Iterator[tuple[DataPath, str, BaseModel]]:
    """(path of the mapping, key, the model) of every format 2 key given, in the order written."""
    if isinstance(value, BaseModel):
        marked = type(value).format_2_keys if isinstance(value, Model) else frozenset()
        for key in type(value).model_fields:
            if key not in value.model_fields_set:
                continue
            child = getattr(value, key)
            if key in marked and child is not None:
                yield path, key, value
            else:
                yield from format_2_keys(child, path + (key,))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from format_2_keys(item, path + (index,))
    elif isinstance(value, dict):
        for name, item in value.items():
            yield from format_2_keys(item, path + (name,))


__all__ = ["LATEST", "format_2_keys", "format_problems"]
