"""Where each part of a pack was written: the file and the path inside its YAML document, and how an
overlay's changes keep their own positions."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import TypeAlias

from engine.errors import Diagnostic, DiagnosticSink
from engine.source.spans import SourceMap
from engine.source.validation_errors import located

PathPart: TypeAlias = str | int  # a mapping key or a list index
DataPath: TypeAlias = tuple[PathPart, ...]


@dataclass(frozen=True)
class Origin:
    """Where a part of a pack was written: file and path inside the YAML document."""

    file: str
    source: SourceMap | None
    path: DataPath = ()

    def child(self, *parts: PathPart) -> Origin:
        return Origin(self.file, self.source, self.path + parts)

    def position(self, *parts: PathPart, key: bool = False) -> tuple[int, int]:
        return located(self.source, self.path + parts, key=key)

    def position_in(self, parts: DataPath, offset: int) -> tuple[int, int]:
        """File position of character `offset` inside the scalar at parts."""
        if self.source is None:
            return 0, 0
        full = self.path + parts
        if self.source.value(full) is None:
            return self.position(*parts)
        return self.source.locate(full, offset)


@dataclass(frozen=True)
class LayeredOrigin(Origin):
    """A base part changed by an overlay: keys the overlay set are located in the overlay's file."""

    patched: tuple[tuple[str, Origin], ...] = ()  # (key, Origin of the patch mapping), ...

    def _patch(self, parts: DataPath) -> Origin | None:
        if parts:
            for key, origin in self.patched:
                if key == parts[0]:
                    return origin
        return None

    def child(self, *parts: PathPart) -> Origin:
        patch = self._patch(parts)
        return patch.child(*parts) if patch is not None else Origin(self.file, self.source, self.path + parts)

    def position(self, *parts: PathPart, key: bool = False) -> tuple[int, int]:
        patch = self._patch(parts)
        return patch.position(*parts, key=key) if patch is not None else super().position(*parts, key=key)

    def position_in(self, parts: DataPath, offset: int) -> tuple[int, int]:
        patch = self._patch(parts)
        return patch.position_in(parts, offset) if patch is not None else super().position_in(parts, offset)


class RenamedOrigin(Origin):
    """The origin of `overrides.parameters.NAME`, asked for as the parameter's `default`."""

    _name: str

    def __init__(self, origin: Origin, name: str):
        object.__setattr__(self, "file", origin.file)
        object.__setattr__(self, "source", origin.source)
        object.__setattr__(self, "path", origin.path)
        object.__setattr__(self, "_name", name)

    def _map(self, parts: DataPath) -> DataPath:
        return (self._name,) + parts[1:] if parts and parts[0] == "default" else parts

    def child(self, *parts: PathPart) -> Origin:
        return Origin(self.file, self.source, self.path + self._map(parts))

    def position(self, *parts: PathPart, key: bool = False) -> tuple[int, int]:
        return super().position(*self._map(parts), key=key)

    def position_in(self, parts: DataPath, offset: int) -> tuple[int, int]:
        return super().position_in(self._map(parts), offset)


class ReindexedOrigin(Origin):
    """The origin of a file read without its entries in error: `rules.1` of what was kept is the entry written
    at `kept['rules'][1]` of the file."""

    _kept: Mapping[str, Sequence[int]]

    def __init__(self, origin: Origin, kept: Mapping[str, Sequence[int]]):
        object.__setattr__(self, "file", origin.file)
        object.__setattr__(self, "source", origin.source)
        object.__setattr__(self, "path", origin.path)
        object.__setattr__(self, "_kept", kept)

    def _map(self, parts: DataPath) -> DataPath:
        if len(parts) < 2 or not isinstance(parts[1], int) or parts[0] not in self._kept:
            return parts
        return (parts[0], self._kept[str(parts[0])][parts[1]]) + parts[2:]

    def child(self, *parts: PathPart) -> Origin:
        return Origin(self.file, self.source, self.path + self._map(parts))

    def position(self, *parts: PathPart, key: bool = False) -> tuple[int, int]:
        return super().position(*self._map(parts), key=key)

    def position_in(self, parts: DataPath, offset: int) -> tuple[int, int]:
        return super().position_in(self._map(parts), offset)


def layered_origin(origin: Origin, patch_origin: Origin, keys: Collection[str]) -> Origin:
    patched = tuple((key, patch_origin) for key in keys)
    if isinstance(origin, LayeredOrigin):  # patched again by a later overlay
        patched = patched + tuple(p for p in origin.patched if p[0] not in keys)
    return LayeredOrigin(origin.file, origin.source, origin.path, patched)


def error_at(sink: DiagnosticSink, origin: Origin, parts: DataPath, code: str, message: str, *,
             hint: str | None = None, key: bool = False) -> None:
    line, col = origin.position(*parts, key=key)
    sink.add(Diagnostic(origin.file, line, col, "error", code, message, hint))


def diagnostic_at(origin: Origin | None, severity: str, code: str, message: str, *parts: PathPart,
                  hint: str | None = None, key: bool = False) -> Diagnostic:
    """A diagnostic at a part of the pack (an overlay's change of a base part is located in the overlay)."""
    if origin is None:
        return Diagnostic("", 0, 0, severity, code, message, hint)
    where = origin.child(*parts) if parts else origin
    line, col = where.position(key=key)
    return Diagnostic(where.file, line, col, severity, code, message, hint)
