"""A pack as read from its files, before it is checked and built: validated file models with their
origins, and the layers of an overlay."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from engine.errors import Diagnostic, display_path
from engine.expr import ast
from engine.pack.layers import Change, Layer
from engine.pack.origins import Origin
from engine.pack.schema import (
    DerivedDecl,
    Dimension,
    DimensionPatch,
    InputDecl,
    PackMeta,
    ParamDecl,
    Relation,
    Rule,
    RulePatch,
    Scoring,
    ScoringPatch,
)


@dataclass
class OverlayParts:
    """What an overlay's `overrides:` sections say, by target, with where they say it."""

    parameters: dict[str, tuple[Any, Origin]] = field(default_factory=dict)  # a new default: any value
    dimensions: dict[str, tuple[DimensionPatch, Origin]] = field(default_factory=dict)
    rules: dict[str, tuple[RulePatch, Origin]] = field(default_factory=dict)
    scoring: tuple[ScoringPatch, Origin] | None = None
    first: Origin | None = None  # the first `overrides:` key (for errors about the section as a whole)


@dataclass
class Unchecked:
    """Parts of a pack left out because their own entry is not valid (that is reported): what reads them is not
    checked either, so one mistake is reported once while every other part is still checked."""

    names: set[str] = field(default_factory=set)  # inputs, derived values, and params.NAME
    rules: set[str] = field(default_factory=set)
    dimensions: set[str] = field(default_factory=set)

    def named(self, name: str) -> bool:
        """Whether a dotted name is a part left out or lies inside one (`terms.start` of a list `terms`)."""
        parts = name.split(".")
        return any(".".join(parts[:count]) in self.names for count in range(1, len(parts) + 1))

    def read_by(self, tree: ast.Node) -> bool:
        """Whether an expression reads a part left out."""
        return bool(self.names) and any(isinstance(node, ast.Path) and self.named(node.dotted)
                                        for node in ast.walk(tree))

    def update(self, other: Unchecked) -> None:
        self.names |= other.names
        self.rules |= other.rules
        self.dimensions |= other.dimensions


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
    relations: list[tuple[Relation, Origin]] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    paths: list[Path] = field(default_factory=list)
    warnings: list[Diagnostic] = field(default_factory=list)
    extends: str | None = None
    parts: OverlayParts = field(default_factory=OverlayParts)
    layers: list[Layer] = field(default_factory=list)  # the base first
    changes: list[Change] = field(default_factory=list)  # what an overlay changes in its base
    problems: list[Diagnostic] = field(default_factory=list)  # errors found merging an overlay, raised by the builder
    unchecked: Unchecked = field(default_factory=Unchecked)  # entries left out as not valid (their errors in problems)

    # The loader stops on a pack without a `pack:` section, or without `scoring:` that it does not inherit;
    # these give the sections of a pack so read.
    def meta_part(self) -> tuple[PackMeta, Origin]:
        """The `pack:` section and where it is written."""
        if self.meta is None or self.meta_origin is None:
            raise ValueError(f"{self.shown}: read without its 'pack:' section")
        return self.meta, self.meta_origin

    def scoring_part(self) -> tuple[Scoring, Origin]:
        """The `scoring:` section (an overlay's: its base's, changed) and where it is written."""
        if self.scoring is None or self.scoring_origin is None:
            raise ValueError(f"{self.shown}: read without a 'scoring:' section")
        return self.scoring, self.scoring_origin

    @property
    def shown(self) -> str:
        return display_path(self.root)
