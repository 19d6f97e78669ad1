"""The checked, ready-to-run form of a pack.

`pack.build` produces these objects from the validated files: every
expression is parsed, type-checked and compiled, every name resolved, and
parameters hold their values for this run. Nothing here is re-checked while
profiles are assessed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeAlias

from engine.errors import Diagnostic
from engine.expr import ast
from engine.expr import types as T
from engine.expr.checker import Symbol
from engine.expr.runtime import Thunk
from engine.pack.layers import Change, Layer
from engine.pack.origins import Origin
from engine.pack.schema import Citation, Dimension, Grade, InputDecl, PackMeta, ParamDecl, Scoring, Source, Text


@dataclass(eq=False)
class Expr:
    """One expression of the pack, checked and compiled."""

    source: str
    tree: ast.Node
    type: T.Type
    list_path: str | None  # None: evaluated for the profile; else for each element of this list
    origin: Origin  # origin.path points at the YAML scalar holding the source
    params: frozenset[str]
    rules: frozenset[str]
    thunk: Thunk

    @property
    def where(self) -> str:
        line, col = self.origin.position()
        return f"{self.origin.file}:{line}:{col}"


TemplatePart: TypeAlias = str | tuple[Expr, str | None]  # literal text, or a placeholder and its format


@dataclass(eq=False)
class Template:
    """A text with `{expression}` or `{expression:percent}` placeholders, per language."""

    text: Text
    parts: dict[str, list[TemplatePart]]  # lang -> the pieces of the text


@dataclass(eq=False)
class InputSpec:
    path: str
    decl: InputDecl
    type: T.Type
    origin: Origin
    fields: dict[str, InputSpec] = field(default_factory=dict)

    @property
    def is_object_list(self) -> bool:
        return isinstance(self.type, T.ListType) and isinstance(self.type.item, T.ObjectType)

    @property
    def label(self) -> str | None:
        return self.decl.label

    @property
    def display_format(self) -> str | None:
        return "percent" if self.decl.type in ("percent", "ratio") else None


@dataclass(frozen=True)
class RelationSpec:
    """A checked relation between inputs: `left` ≤ `right` (part, range) or sum(`left`) = `right` (sum).

    With `list_path` the relation holds in each element of that list of objects, and the names are fields of
    its elements; else they are input paths of the profile."""

    form: str  # part | range | sum
    left: tuple[str, ...]  # the part, the start, or the parts
    right: str  # the whole, the end, or the total
    list_path: str | None
    value_kind: str  # number | percent | date: how values are compared and shown
    origin: Origin

    @property
    def key(self) -> tuple[str, tuple[str, ...], str, str | None]:
        """What the relation says, wherever it is declared (packs that share inputs may both declare it)."""
        return self.form, self.left, self.right, self.list_path


@dataclass(eq=False)
class DerivedSpec:
    name: str  # full dotted name: 'training_rate' or 'staff.composite'
    list_path: str | None  # per-element derived values belong to a list of objects
    field: str  # name inside the element (== name for profile-level values)
    expr: Expr
    title: Text | None
    format: str | None


@dataclass(eq=False)
class ParamSpec:
    name: str
    decl: ParamDecl
    type: T.Type
    value: Any
    origin: Origin
    overridden: bool = False


@dataclass(eq=False)
class TierSpec:
    when: Expr
    points: Decimal | None
    credit: Decimal | None
    label: Text | None

    def points_of(self, rule_points: Decimal | None) -> Decimal:
        if self.points is not None:
            return self.points
        return (rule_points or Decimal(0)) * (self.credit or Decimal(0))


@dataclass(eq=False)
class OccurrenceSpec:
    count: Expr | None  # None: the elements of for_each failing `require` / meeting `trigger`
    per: Decimal | Expr  # a number, or an expression such as a parameter
    cap: Decimal | Expr | None
    unit: Text | None = None  # what one occurrence is called in reports


@dataclass(eq=False)
class ClauseSpec:
    """One clause of an item's deductions or own bonus: `when` with `points`, or `count` with `per` and `cap`."""

    text: Text
    when: Expr | None = None
    points: Decimal | Expr | None = None
    count: Expr | None = None
    per: Decimal | Expr | None = None
    cap: Decimal | Expr | None = None
    unit: Text | None = None

    def amounts(self) -> list[Expr]:
        """The expressions among its amounts (a parameter, a computed number)."""
        return [e for e in (self.count, self.points, self.per, self.cap) if isinstance(e, Expr)]


@dataclass(eq=False)
class LevelSpec:
    """A level of a check judged by a letter, and the outcome it counts as."""

    id: str
    label: Text
    when: Expr
    outcome: str  # met | partly_met | not_met


@dataclass(eq=False)
class MeasureSpec:
    """A value against its target: `target` is the condition `value` meets its bounds (matched by a backend)."""

    value: Expr
    bounds: list[tuple[str, Decimal | Expr]]  # (at_least | above | at_most | below, the bound)
    target: Expr
    format: str | None
    unit: Text | None


@dataclass(eq=False)
class BandSpec:
    id: str
    label: Text
    when: Expr
    consequences: Template | None


@dataclass(eq=False)
class NoteSpec:
    when: Expr
    text: Template


@dataclass(eq=False)
class RuleSpec:
    id: str
    title: Text
    kind: str  # item | bonus | penalty | veto | check
    dimension: str | None
    points: Decimal | None
    origin: Origin
    description: Text | None = None
    method: Text | None = None
    for_each: str | None = None
    label_field: str | None = None
    applies_when: Expr | None = None
    where: Expr | None = None
    require: Expr | None = None
    partial: Expr | None = None
    tiers: list[TierSpec] = field(default_factory=list)
    deduct: OccurrenceSpec | None = None
    award: OccurrenceSpec | None = None
    trigger: Expr | None = None
    severity: str | None = None
    roll_up: str = "all"
    min_share: Decimal | None = None
    bands: list[BandSpec] = field(default_factory=list)
    notes: list[NoteSpec] = field(default_factory=list)
    evidence: list[Text] = field(default_factory=list)
    recommend: Template | None = None
    cite: list[Citation] = field(default_factory=list)
    not_applicable: str | None = None  # the item's own policy (format 2); None: the pack's
    deductions: list[ClauseSpec] = field(default_factory=list)
    bonus: list[ClauseSpec] = field(default_factory=list)  # the item's own bonus clauses
    bonus_cap: Decimal | Expr | None = None
    levels: list[LevelSpec] = field(default_factory=list)
    measure: MeasureSpec | None = None
    unset_params: tuple[str, ...] = ()
    depends_on: frozenset[str] = frozenset()
    stratum: int = 0

    def decisions(self) -> list[tuple[str, Expr]]:
        """The conditions matched by a backend, named as they appear in findings."""
        found: list[tuple[str, Expr]] = []
        if self.applies_when is not None:
            found.append(("applies_when", self.applies_when))
        if self.where is not None:
            found.append(("where", self.where))
        if self.require is not None:
            found.append(("require", self.require))
        if self.trigger is not None:
            found.append(("trigger", self.trigger))
        for index, tier in enumerate(self.tiers):
            found.append((f"tier{index + 1}", tier.when))
        for band in self.bands:
            found.append((f"band:{band.id}", band.when))
        for index, note in enumerate(self.notes):
            found.append((f"note{index + 1}", note.when))
        found += self._format_2_decisions()
        return found

    def _format_2_decisions(self) -> list[tuple[str, Expr]]:
        """The conditions of clauses, levels and targets (format 2), after those of format 1."""
        found: list[tuple[str, Expr]] = []
        for prefix, clauses in (("deduction", self.deductions), ("bonus", self.bonus)):
            found += [(f"{prefix}{index + 1}", clause.when) for index, clause in enumerate(clauses)
                      if clause.when is not None]
        found += [(f"level:{level.id}", level.when) for level in self.levels]
        if self.measure is not None:
            found.append(("target", self.measure.target))
        return found

    def expressions(self) -> list[Expr]:
        found = [expr for _, expr in self.decisions()]
        if self.partial is not None:
            found.append(self.partial)
        for occurrence in (self.deduct, self.award):
            if occurrence is not None:
                found += [e for e in (occurrence.count, occurrence.per, occurrence.cap) if isinstance(e, Expr)]
        for clause in self.deductions + self.bonus:
            found += clause.amounts()
        if isinstance(self.bonus_cap, Expr):
            found.append(self.bonus_cap)
        if self.measure is not None:
            found.append(self.measure.value)
            found += [bound for _, bound in self.measure.bounds if isinstance(bound, Expr)]
        for template in [self.recommend] + [n.text for n in self.notes] + [b.consequences for b in self.bands]:
            if template is not None:
                for parts in template.parts.values():
                    found.extend(part[0] for part in parts if isinstance(part, tuple))
        return found

    @property
    def max_points(self) -> Decimal:
        """Points at stake in the rule's dimension (items) or pool (bonus)."""
        if self.points is not None:
            return self.points
        if self.tiers:
            return max(tier.points_of(self.points) for tier in self.tiers)
        if self.award is not None and isinstance(self.award.cap, Decimal):
            return self.award.cap
        return Decimal(0)


@dataclass(eq=False)
class Pack:
    meta: PackMeta
    root: Path
    files: list[str]
    sources: dict[str, Source]
    dimensions: list[Dimension]
    scoring: Scoring
    params: dict[str, ParamSpec]
    inputs: dict[str, InputSpec]
    derived: list[DerivedSpec]
    rules: list[RuleSpec]
    symbols: dict[str, Symbol]
    fingerprint: str
    warnings: list[Diagnostic] = field(default_factory=list)
    dimension_origins: dict[str, Origin] = field(default_factory=dict)
    scoring_origin: Origin | None = None
    layers: list[Layer] = field(default_factory=list)  # every pack that contributed, the base first
    changes: list[Change] = field(default_factory=list)  # what an overlay changes in its base
    relations: list[RelationSpec] = field(default_factory=list)  # what every profile must keep

    @property
    def base(self) -> Layer | None:
        """The pack this one extends (its layer), or None."""
        return self.layers[-2] if len(self.layers) > 1 else None

    @property
    def id(self) -> str:
        return self.meta.id

    @property
    def version(self) -> str:
        return self.meta.version

    @property
    def grades(self) -> list[Grade]:
        return self.scoring.grades

    @property
    def format(self) -> int:
        """The pack format (1 or 2): what its keys may say, and how a few things are shown."""
        return self.meta.format

    def not_applicable(self, rule: RuleSpec) -> str:
        """How an item counts when it does not apply or is waived: its own policy, or the pack's."""
        return rule.not_applicable or self.scoring.not_applicable

    @property
    def total_weight(self) -> Decimal:
        return sum((d.weight for d in self.dimensions), Decimal(0))

    def rule(self, rule_id: str) -> RuleSpec | None:
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        return None

    def dimension(self, dimension_id: str) -> Dimension | None:
        for dimension in self.dimensions:
            if dimension.id == dimension_id:
                return dimension
        return None
