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
from collections.abc import Callable
from pathlib import Path

from engine.errors import DiagnosticSink, PackError, did_you_mean, display_path
from engine.pack.discovery import resolve_pack_dir, shipped_pack
from engine.pack.include import resolve_includes
from engine.pack.layers import Layer
from engine.pack.loader import read_one_dir
from engine.pack.origins import Origin, error_at
from engine.pack.raw import RawPack
from engine.pack.units import resolve_units

MAX_DEPTH = 8


def resolve_base(value: str, overlay_root: Path) -> Path | None:
    """The directory of the base pack: a path relative to the overlay, or a shipped pack's id."""
    if "/" in value or "\\" in value or value.startswith("."):
        candidate = Path(os.path.normpath(overlay_root / value))
        return candidate if (candidate / "pack.yaml").is_file() else None
    return shipped_pack(value)


def read_layers(root: Path, read_one: Callable[[Path], RawPack], trail: tuple[Path, ...] = ()) -> RawPack:
    """Read a pack directory; when it extends another, read the base (recursively) and merge."""
    raw = read_one(root)
    meta, origin = raw.meta_part()
    if raw.extends is None:
        raw.layers = [Layer(meta.id, meta.version, raw.root)]
        return raw
    base_dir = _base_dir(raw.extends, raw.root, origin)
    chain = trail + (Path(os.path.abspath(root)),)
    sink = DiagnosticSink()
    if Path(os.path.abspath(base_dir)) in chain:
        names = [display_path(p) for p in chain] + [display_path(base_dir)]
        error_at(sink, origin, ("extends",), "pack-cycle", "packs extend each other: " + " → ".join(names))
    elif len(chain) >= MAX_DEPTH:
        error_at(sink, origin, ("extends",), "pack-extends", f"more than {MAX_DEPTH} levels of extends")
    sink.raise_if_errors(PackError)
    base = read_layers(base_dir, read_one, chain)
    from engine.pack.merge import merge

    return merge(base, raw)


def _base_dir(extends: str, root: Path, origin: Origin) -> Path:
    """The directory of the pack `extends:` names; a PackError when there is none."""
    base_dir = resolve_base(extends, root)
    if base_dir is not None:
        return base_dir
    from engine.pack.discovery import pack_identity, shipped_packs

    ids = [pack_identity(p)[0] or p.name for p in shipped_packs()]
    sink = DiagnosticSink()
    error_at(sink, origin, ("extends",), "pack-extends", f"no pack to extend at '{extends}'",
             hint=did_you_mean(extends, ids) or
             ("a path relative to this pack (../community) or a shipped pack: " + ", ".join(ids)))
    raise PackError(sink.items)


def read_pack_dir(root: Path | str, trail: tuple[Path, ...] = ()) -> RawPack:
    """A pack directory (or a shipped pack's id) as one RawPack; an overlay is merged with its base (read
    first), the dimensions it includes from other packs are read with theirs, and the packs of its units
    (format 2)."""
    raw = resolve_includes(read_layers(resolve_pack_dir(root), read_one_dir), read_pack_dir, trail)
    return resolve_units(raw, read_pack_dir, trail)


__all__ = ["read_layers", "read_pack_dir", "resolve_base"]
