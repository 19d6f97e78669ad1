"""Overlays: a pack that `extends` another and changes it.

An overlay's pack.yaml says `extends: community` (a shipped pack's id) or
`extends: ../community` (a path relative to the overlay). Its files add
parameters, inputs, derived values, dimensions and rules like any pack's, and
its `overrides:` section changes the base: parameter defaults, dimension
titles and weights, rule points, tiers, deductions, texts and citations,
scoring and grades; `{disabled: true}` removes a rule. The result is one
merged RawPack, checked and built like any other pack, so an overlay gets
every check a pack gets. This module finds the layers (`extends`, cycles);
`pack.merge` merges two of them and records each change, so
`assess pack check` can show what the overlay does to its base.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from ..errors import Diagnostic, DiagnosticSink, PackError, did_you_mean
from .loader import Origin, RawPack, display_path

MAX_DEPTH = 8


@dataclass(frozen=True)
class Layer:
    """One pack that contributed to a (possibly layered) pack: the base first, the overlay last."""

    id: str
    version: str
    root: Path

    @property
    def shown(self) -> str:
        return display_path(self.root)


@dataclass(frozen=True)
class LayeredOrigin(Origin):
    """A base part changed by an overlay: keys the overlay set are located in the overlay's file."""

    patched: tuple = ()  # ((key, Origin of the patch mapping), ...)

    def _patch(self, parts: tuple) -> Origin | None:
        if parts:
            for key, origin in self.patched:
                if key == parts[0]:
                    return origin
        return None

    def child(self, *parts) -> Origin:
        patch = self._patch(parts)
        return patch.child(*parts) if patch is not None else Origin(self.file, self.source, self.path + parts)

    def position(self, *parts, key: bool = False) -> tuple[int, int]:
        patch = self._patch(parts)
        return patch.position(*parts, key=key) if patch is not None else super().position(*parts, key=key)

    def position_in(self, parts: tuple, offset: int) -> tuple[int, int]:
        patch = self._patch(parts)
        return patch.position_in(parts, offset) if patch is not None else super().position_in(parts, offset)


def resolve_base(value: str, overlay_root: Path) -> Path | None:
    """The directory of the base pack: a path relative to the overlay, or a shipped pack's id."""
    from . import pack_identity, shipped_packs

    if "/" in value or "\\" in value or value.startswith("."):
        candidate = Path(os.path.normpath(overlay_root / value))
        return candidate if (candidate / "pack.yaml").is_file() else None
    for path in shipped_packs():
        if path.name == value or pack_identity(path)[0] == value:
            return path
    return None


def read_layers(root: Path, read_one: Callable[[Path], RawPack], trail: tuple[Path, ...] = ()) -> RawPack:
    """Read a pack directory; when it extends another, read the base (recursively) and merge."""
    raw = read_one(root)
    if raw.extends is None:
        raw.layers = [Layer(raw.meta.id, raw.meta.version, raw.root)]
        return raw
    sink = DiagnosticSink()
    origin = raw.meta_origin
    here = Path(os.path.abspath(root))
    base_dir = resolve_base(raw.extends, raw.root)
    if base_dir is None:
        from . import pack_identity, shipped_packs

        ids = [pack_identity(p)[0] or p.name for p in shipped_packs()]
        _error(sink, origin, ("extends",), "pack-extends", f"no pack to extend at '{raw.extends}'",
               hint=did_you_mean(raw.extends, ids) or
               ("a path relative to this pack (../community) or a shipped pack: " + ", ".join(ids)))
        sink.raise_if_errors(PackError)
    chain = trail + (here,)
    if Path(os.path.abspath(base_dir)) in chain:
        names = [display_path(p) for p in chain] + [display_path(base_dir)]
        _error(sink, origin, ("extends",), "pack-cycle", "packs extend each other: " + " → ".join(names))
        sink.raise_if_errors(PackError)
    if len(chain) >= MAX_DEPTH:
        _error(sink, origin, ("extends",), "pack-extends", f"more than {MAX_DEPTH} levels of extends")
        sink.raise_if_errors(PackError)
    base = read_layers(base_dir, read_one, chain)
    from .merge import merge

    return merge(base, raw)


class _Renamed(Origin):
    """The origin of `overrides.parameters.NAME`, asked for as the parameter's `default`."""

    def __init__(self, origin: Origin, name: str):
        object.__setattr__(self, "file", origin.file)
        object.__setattr__(self, "source", origin.source)
        object.__setattr__(self, "path", origin.path)
        object.__setattr__(self, "_name", name)

    def _map(self, parts: tuple) -> tuple:
        return (self._name,) + tuple(parts[1:]) if parts and parts[0] == "default" else tuple(parts)

    def child(self, *parts) -> Origin:
        return Origin(self.file, self.source, self.path + self._map(parts))

    def position(self, *parts, key: bool = False) -> tuple[int, int]:
        return super().position(*self._map(parts), key=key)

    def position_in(self, parts: tuple, offset: int) -> tuple[int, int]:
        return super().position_in(self._map(parts), offset)


def _layered(origin: Origin, patch_origin: Origin, keys) -> Origin:
    patched = tuple((key, patch_origin) for key in keys)
    if isinstance(origin, LayeredOrigin):  # patched again by a later overlay
        patched = patched + tuple(p for p in origin.patched if p[0] not in keys)
    return LayeredOrigin(origin.file, origin.source, origin.path, patched)


def _error(sink: DiagnosticSink, origin: Origin, parts: tuple, code: str, message: str, *, hint: str | None = None,
           key: bool = False) -> None:
    line, col = origin.position(*parts, key=key)
    sink.add(Diagnostic(origin.file, line, col, "error", code, message, hint))


__all__ = ["Layer", "LayeredOrigin", "read_layers", "resolve_base"]
