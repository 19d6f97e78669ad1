"""A pack as read from its files, before it is checked and built: validated file models with their
origins, and the layers of an overlay."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from engine.errors import display_path
from engine.pack.origins import Origin
from engine.pack.schema import DerivedDecl, Dimension, InputDecl, PackMeta, ParamDecl, Rule, Scoring


@dataclass(frozen=True)
class Layer:
    """One pack that contributed to a (possibly layered) pack: the base first, the overlay last."""

    id: str
    version: str
    root: Path

    @property
    def shown(self) -> str:
        return display_path(self.root)


@dataclass
class OverlayParts:
    """What an overlay's `overrides:` sections say, by target, with where they say it."""

    parameters: dict[str, tuple[Any, Origin]] = field(default_factory=dict)
    dimensions: dict[str, tuple[Any, Origin]] = field(default_factory=dict)
    rules: dict[str, tuple[Any, Origin]] = field(default_factory=dict)
    scoring: tuple[Any, Origin] | None = None
    first: Origin | None = None  # the first `overrides:` key (for errors about the section as a whole)


@dataclass
class RawPack:
    root: Path
    meta: PackMeta | None = None
    meta_origin: Origin | None = None
    scoring: Scoring | None = None
    scoring_origin: Origin | None = None
    dimensions: list[tuple[Dimension, Origin]] = field(default_factory=list)
    parameters: dict[str, tuple[ParamDecl, Origin]] = field(default_factory=dict)
    inputs: dict[str, tuple[InputDecl, Origin]] = field(default_factory=dict)
    derived: dict[str, tuple[DerivedDecl, Origin]] = field(default_factory=dict)
    rules: list[tuple[Rule, Origin]] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    paths: list[Path] = field(default_factory=list)
    warnings: list = field(default_factory=list)
    extends: str | None = None
    parts: OverlayParts = field(default_factory=OverlayParts)
    layers: list = field(default_factory=list)  # overlay.Layer, the base first
    changes: list = field(default_factory=list)  # overlay.Change, what an overlay changes in its base
    problems: list = field(default_factory=list)  # errors found merging an overlay, raised by the builder
