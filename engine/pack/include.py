"""Blocks owned by another authority: a dimension of this pack whose rules are another pack's (format 2).

    dimensions:
      - id: P
        title: 党建工作（区委组织部细则）
        weight: 30                                  # the block counts 30 points of this pack's total
        include: {pack: ../party-sheet, dimension: D1}

The included pack is read as it is (its own overlays and includes resolved, its own errors reported in its
own files) and the rules of its dimension become rules of this dimension:

- **Ids.** Its rules keep their definitions and positions, with ids prefixed by its pack id (`party.R1`);
  `met('R1')` inside them becomes `met('party.R1')`. Its parameters are prefixed the same way with `_`
  (`params.party_min_rate`: a parameter name has no dots) and its sources with `.`, so nothing it names
  can collide with this pack's names; a clash that is left (a host parameter already called
  `party_min_rate`) is an error at the include.
- **The profile is shared.** Its inputs and derived values are read from the same profile under the same
  names: a name both packs declare must mean the same (same type, unit, bounds, values and fields for an
  input; the same expression for a derived value), else an `include-conflict` error at the include names
  both declarations.
- **Scaling.** The dimension's score is this dimension's weight × earned / available of the included rules:
  the block scaled to the weight with the engine's decimal arithmetic, rounded only where the total is
  shown. Its deductions (`kind: penalty` of that dimension) and its items' own bonus are in the included
  sheet's points and are scaled by weight here / weight there.
- **What comes and what stays.** Items, the deductions of that dimension and checks (of that dimension or
  of none) come; every veto of the included pack comes too (once, however many of its dimensions are
  included): a veto of the other authority still bars the grade here. Its bonus pool, total-level
  deductions, grades and scoring stay with it: this pack's apply.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from engine.errors import DiagnosticSink, PackError, did_you_mean, display_path
from engine.expr import ast
from engine.expr.errors import ExprError
from engine.expr.parser import parse
from engine.pack.blocks import IncludedBlock
from engine.pack.discovery import shipped_pack, shipped_packs
from engine.pack.origins import Origin, error_at
from engine.pack.raw import RawPack
from engine.pack.schema import Citation, Dimension, InputDecl, Rule, Text
from engine.pack.templates import parse_template

Reader = Callable[[Path, tuple[Path, ...]], RawPack]

MAX_DEPTH = 8
EXACT = Decimal("0.000001")  # a weight has at most six decimals, as every number of a pack
PARAM_RE = re.compile(r"(?<![\w.])params\.([A-Za-z_][A-Za-z0-9_]*)")
MET_RE = re.compile(r"""(?<![\w.])met\(\s*(['"])([^'"]*)\1\s*\)""")
SHAPE_ORDER = ("type", "values", "items", "fields", "unit", "min", "max")  # what to name first when several differ
TEXT_KEYS = frozenset({"title", "description", "example"})  # what an input may word differently in each pack


def resolve_includes(raw: RawPack, read: Reader, trail: tuple[Path, ...] = ()) -> RawPack:
    """Replace every included dimension's rules into `raw`; problems go to `raw.problems` (the builder raises
    them with its own), so one `pack check` shows every problem of the pack."""
    if not any(dimension.include for dimension, _ in raw.dimensions):
        return raw
    chain = trail + (Path(os.path.abspath(raw.root)),)
    sink = DiagnosticSink()
    taken: dict[str, set[str]] = {}  # by included pack: the parameters already here (its vetoes are, too)
    dimensions: list[tuple[Dimension, Origin]] = []
    for dimension, origin in raw.dimensions:
        # relative to the pack that declares it: in an overlay, its base may be elsewhere
        declared_in = Path(origin.file).parent
        other = _read_included(dimension, origin, declared_in, read, chain, sink) if dimension.include else None
        scored = _Inclusion(raw, other, dimension, origin, sink).apply(taken) if other is not None else [dimension]
        dimensions += [(each, origin) for each in scored]
    raw.dimensions = dimensions
    raw.problems.extend(sink.items)
    return raw


def included_dir(value: str, root: Path) -> Path | None:
    """The directory an include names: a path relative to the including pack, or a shipped pack's id."""
    if "/" in value or "\\" in value or value.startswith("."):
        candidate = Path(os.path.normpath(root / value))
        return candidate if (candidate / "pack.yaml").is_file() else None
    return shipped_pack(value)


def _read_included(dimension: Dimension, origin: Origin, root: Path, read: Reader, chain: tuple[Path, ...],
                   sink: DiagnosticSink) -> RawPack | None:
    """The included pack as read (None after an error, reported)."""
    assert dimension.include is not None
    where = ("include", "pack")
    directory = included_dir(dimension.include.pack, root)
    if directory is None:
        ids = [path.name for path in shipped_packs()]
        error_at(sink, origin, where, "include-pack", f"no pack to include at '{dimension.include.pack}'",
                 hint=did_you_mean(dimension.include.pack, ids) or
                 "a path relative to this pack (../party-sheet) or a shipped pack: " + ", ".join(ids))
        return None
    if Path(os.path.abspath(directory)) in chain:
        names = [display_path(path) for path in chain] + [display_path(directory)]
        error_at(sink, origin, where, "include-cycle", "packs include each other: " + " → ".join(names),
                 hint="a pack may include another only if that one does not include it back")
        return None
    if len(chain) >= MAX_DEPTH:
        error_at(sink, origin, where, "include-cycle", f"more than {MAX_DEPTH} levels of include")
        return None
    try:
        other = read(directory, chain)
    except PackError as exc:  # its own errors, at their own positions
        sink.extend(exc.diagnostics)
        return None
    sink.extend(other.problems)  # what its overlays and includes got wrong, at their positions
    return None if other.problems else other


class _Inclusion:
    """One included dimension: what it adds to the including pack."""

    def __init__(self, raw: RawPack, other: RawPack, dimension: Dimension, origin: Origin, sink: DiagnosticSink):
        self.raw, self.other, self.dimension, self.origin, self.sink = raw, other, dimension, origin, sink
        self.meta, _ = other.meta_part()
        self.prefix = self.meta.id + "."
        self.param_prefix = self.meta.id.replace("-", "_") + "_"

    def apply(self, taken: dict[str, set[str]]) -> list[Dimension]:
        """Add its rules and what they read (and, the first time this pack is included, its vetoes and
        sources); the dimensions that score them here (several for a whole pack), or the dimension as written
        after an error."""
        scored = self.scored_dimensions()
        if not scored:
            return [self.dimension]
        first = self.meta.id not in taken
        added = taken.setdefault(self.meta.id, set())
        into = {source.id: here.id for source, here in scored}
        rules = [(rule, origin) for rule, origin in self.other.rules if _belongs(rule, into, first)]
        read = self.reads([rule for rule, _ in rules])
        if first:
            self.add_sources()
        self.add_parameters(read, added)
        self.add_inputs(read)
        self.add_derived(read)
        self.add_relations(read)
        self.add_rules(rules, into)
        for source, here in scored:
            here._points_scale = here.weight / source.weight
            self.raw.includes.append(IncludedBlock(
                self.meta.id, self.meta.version, self.meta.title, self.meta.edition, self.other.root, source.id,
                source.weight, here.id, here.weight))
        return [here for _, here in scored]

    def scored_dimensions(self) -> list[tuple[Dimension, Dimension]]:
        """(the included pack's dimension, the dimension scoring it here): one, or for a whole pack each of its
        dimensions, weighted by its share of that pack's total (`P.D1`, 30 × 60 / 100 = 18 points)."""
        assert self.dimension.include is not None
        if self.dimension.include.dimension is not None:
            source = self.source_dimension(self.dimension.include.dimension)
            return [(source, self.dimension.model_copy())] if source is not None else []
        sources = [dim for dim, _ in self.other.dimensions]
        total = sum((dim.weight for dim in sources), Decimal(0))
        scored = []
        for source in sources:
            weight = self.dimension.weight * source.weight / total
            if weight != weight.quantize(EXACT):
                error_at(self.sink, self.origin, ("weight",), "include-scale",
                         f"{self.dimension.weight:f} × {source.weight:f} / {total:f} (the share of {source.id} in pack "
                         f"'{self.meta.id}') is not an exact number of points", key=True,
                         hint=f"choose a weight its shares divide exactly (a multiple of {total:f} always does), "
                              "or include its dimensions one by one, each with a weight of your own")
                return []
            title = Text(zh=f"{self.dimension.title.zh}·{source.title.zh}",
                         en=f"{self.dimension.title.en}: {source.title.en}")
            scored.append((source, self.dimension.model_copy(update={
                "id": f"{self.dimension.id}.{source.id}", "title": title, "weight": _plain(weight)})))
        return scored

    def reads(self, rules: list[Rule]) -> set[str]:
        """The names the rules read, and those the derived values they read read (in the included pack's own
        names): only these of its inputs, derived values and parameters come, so a profile is not asked for
        what no included rule reads."""
        read = set().union(*(_names(rule) for rule in rules))
        pending = [name for name in self.other.derived if _is_read(name, read)]
        while pending:
            name = pending.pop()
            for other in _names(self.other.derived[name][0]) - read:
                read.add(other)
                pending += [more for more in self.other.derived if more == other]
            read.add(name)
        return read

    def source_dimension(self, wanted: str) -> Dimension | None:
        ids = [dim.id for dim, _ in self.other.dimensions]
        for dim, _ in self.other.dimensions:
            if dim.id == wanted:
                return dim
        error_at(self.sink, self.origin, ("include", "dimension"), "include-dimension",
                 f"pack '{self.meta.id}' has no dimension '{wanted}'",
                 hint=did_you_mean(wanted, ids) or "its dimensions: " + ", ".join(ids))
        return None

    # -- names: the included pack's parameters, rules and sources get its prefix --------------------------
    def rename(self, text: str) -> str:
        text = PARAM_RE.sub(lambda m: "params." + self.param_prefix + m.group(1), text)
        return MET_RE.sub(lambda m: f"met({m.group(1)}{self.prefix}{m.group(2)}{m.group(1)})", text)

    def renamed(self, value: Any) -> Any:
        """A part of the included pack with its names prefixed: in every expression and text placeholder, and
        in every citation's source."""
        if isinstance(value, Citation):
            return value.model_copy(update={"source": self.prefix + value.source})
        if isinstance(value, BaseModel):
            changes = {key: self.renamed(getattr(value, key)) for key in value.model_fields_set}
            return value.model_copy(update={k: v for k, v in changes.items() if v is not getattr(value, k)})
        if isinstance(value, list):
            items = [self.renamed(item) for item in value]
            return items if any(a is not b for a, b in zip(items, value, strict=True)) else value
        if isinstance(value, dict):
            entries = {key: self.renamed(item) for key, item in value.items()}
            return entries if any(entries[k] is not value[k] for k in value) else value
        if isinstance(value, str):
            changed = self.rename(value)
            return changed if changed != value else value
        return value

    def conflict(self, what: str, name: str, theirs: Origin, ours: Origin, why: str) -> None:
        their_line, _ = theirs.position(key=True)
        our_line, _ = ours.position(key=True)
        error_at(self.sink, self.origin, ("include", "pack"), "include-conflict",
                 f"{what} '{name}' is declared differently here ({ours.file}:{our_line}) and in pack "
                 f"'{self.meta.id}' ({theirs.file}:{their_line}): {why}",
                 hint="both packs read the same profile: make the two declarations agree, or rename this pack's")

    def add_parameters(self, read: set[str], added: set[str]) -> None:
        for name, (decl, origin) in self.other.parameters.items():
            here = self.param_prefix + name
            if "params." + name not in read or here in added:
                continue
            if here in self.raw.parameters:
                self.conflict("parameter", here, origin, self.raw.parameters[here][1],
                              f"the included pack's '{name}' is called '{here}' here")
                continue
            self.raw.parameters[here] = (self.renamed(decl), origin)
            added.add(here)

    def add_sources(self) -> None:
        meta, meta_origin = self.raw.meta_part()
        known = {source.id for source in meta.sources}
        # quotes are checked by the included pack's own check: its files stay where they are
        added = [source.model_copy(update={"id": self.prefix + source.id, "file": None})
                 for source in self.meta.sources if self.prefix + source.id not in known]
        self.raw.meta = meta.model_copy(update={"sources": [*meta.sources, *added]})
        self.raw.meta_origin = meta_origin

    def add_inputs(self, read: set[str]) -> None:
        for name, (decl, origin) in self.other.inputs.items():
            if not _is_read(name, read):
                continue
            if name not in self.raw.inputs:
                self.raw.inputs[name] = (decl, origin)
                continue
            ours, our_origin = self.raw.inputs[name]
            if _shape(ours) != _shape(decl):
                self.conflict("input", name, origin, our_origin, _difference(_shape(ours), _shape(decl)))

    def add_derived(self, read: set[str]) -> None:
        for name, (decl, origin) in self.other.derived.items():
            if not _is_read(name, read):
                continue
            decl = self.renamed(decl)
            if name not in self.raw.derived:
                self.raw.derived[name] = (decl, origin)
                continue
            ours, our_origin = self.raw.derived[name]
            if " ".join(ours.expr.split()) != " ".join(decl.expr.split()):
                self.conflict("derived value", name, origin, our_origin,
                              f"'{ours.expr}' here, '{decl.expr}' there")

    def add_relations(self, read: set[str]) -> None:
        known = [relation for relation, _ in self.raw.relations]
        for relation, origin in self.other.relations:
            if relation not in known and all(_is_read(path, read) for _, path in relation.paths()):
                self.raw.relations.append((relation, origin))

    def add_rules(self, rules: list[tuple[Rule, Origin]], into: dict[str, str]) -> None:
        for rule, origin in rules:
            update: dict[str, Any] = {"id": self.prefix + rule.id}
            dimension = getattr(rule, "dimension", None)
            if dimension is not None:
                update["dimension"] = into[dimension]
            self.raw.rules.append((self.renamed(rule).model_copy(update=update), origin))


def _names(value: Any) -> set[str]:
    """Every dotted name the expressions and text placeholders of a part of a pack read (`params.NAME` for a
    parameter); a string that is not an expression reads nothing."""
    if isinstance(value, Citation):
        return set()
    if isinstance(value, Text):
        return set().union(*(_template_names(value.get(lang)) for lang in ("zh", "en")))
    if isinstance(value, BaseModel):
        return set().union(*(_names(getattr(value, key)) for key in value.model_fields_set))
    if isinstance(value, (list, tuple)):
        return set().union(*(_names(item) for item in value))
    if isinstance(value, dict):
        return set().union(*(_names(item) for item in value.values()))
    if isinstance(value, str):
        return _expression_names(value)
    return set()


def _expression_names(text: str) -> set[str]:
    try:
        tree = parse(text)
    except ExprError:
        return set()
    return {node.dotted for node in ast.walk(tree) if isinstance(node, ast.Path)}


def _template_names(text: str) -> set[str]:
    try:
        pieces = parse_template(text)
    except ExprError:
        return set()
    return set().union(*(_expression_names(piece.source) for piece in pieces if not isinstance(piece, str)))


def _is_read(name: str, read: set[str]) -> bool:
    """Whether a declared name is read: by its name, or as the list whose elements a rule reads (a value
    computed per element, `staff.composite`, comes with its list)."""
    return name in read or name.rsplit(".", 1)[0] in read


def _plain(value: Decimal) -> Decimal:
    """A weight as written: 18, not 18.000000 nor 1.8E+1."""
    exact = value.quantize(EXACT)
    return exact.to_integral_value() if exact == exact.to_integral_value() else exact.normalize()


def _belongs(rule: Rule, dimensions: dict[str, str], with_vetoes: bool) -> bool:
    """Whether an included pack's rule comes with its included dimensions: items and deductions of them,
    checks of them or of none, and (once per included pack) vetoes."""
    own = getattr(rule, "dimension", None)
    if rule.kind in ("item", "penalty"):
        return own in dimensions
    if rule.kind == "check":
        return own is None or own in dimensions
    return rule.kind == "veto" and with_vetoes


def _shape(decl: InputDecl) -> Any:
    """What an input declaration says of the values a profile holds (not how it words them)."""
    return _without_texts(decl.model_dump(mode="json", exclude_defaults=True))


def _without_texts(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _without_texts(item) for key, item in value.items() if key not in TEXT_KEYS}
    return value


def _difference(ours: dict[str, Any], theirs: dict[str, Any]) -> str:
    """The first key the two declarations disagree on, in words."""
    for key in sorted(set(ours) | set(theirs), key=lambda k: (SHAPE_ORDER.index(k) if k in SHAPE_ORDER else 99, k)):
        if ours.get(key) != theirs.get(key):
            return f"{key} {_shown(ours.get(key))} here, {_shown(theirs.get(key))} there"
    return "they differ"


def _shown(value: Any) -> str:
    if value is None:
        return "not given"
    if isinstance(value, dict) and set(value) <= {"zh", "en"}:
        return str(value.get("zh"))
    return str(value)


__all__ = ["included_dir", "resolve_includes"]
