"""Check the meaning of a pack and build its runtime form.

Runs once per pack and parameter set, before any profile is read:
parameters get their values (defaults or overrides), inputs become types,
derived values are checked in dependency order, and every rule is checked
for its kind's required parts, its names, types and citations. All problems
are collected and raised together as one PackError.
"""

from __future__ import annotations

import hashlib
from decimal import Decimal
from pathlib import Path
from typing import Any, NamedTuple

from pydantic import TypeAdapter, ValidationError

from engine.errors import ERROR, WARNING, Diagnostic, DiagnosticSink, PackError, UsageError, did_you_mean
from engine.expr import ast
from engine.expr import types as T
from engine.expr.checker import Checker, Symbol
from engine.expr.errors import ExprError
from engine.expr.evaluator import compile_expr
from engine.expr.parser import parse
from engine.expr.values import engine_arithmetic
from engine.pack.blame import blame_overlay
from engine.pack.dependencies import dependency_order
from engine.pack.fieldtypes import annotation, describe, expr_type
from engine.pack.model import (
    BandSpec,
    ClauseSpec,
    DerivedSpec,
    Expr,
    InputSpec,
    LevelSpec,
    MeasureSpec,
    NoteSpec,
    OccurrenceSpec,
    Pack,
    ParamSpec,
    RuleSpec,
    Template,
    TemplatePart,
    TierSpec,
)
from engine.pack.origins import Origin, PathPart
from engine.pack.overlay import read_pack_dir
from engine.pack.paramtables import check_table
from engine.pack.quotas import grade_quota_problems, quota_problems
from engine.pack.raw import RawPack
from engine.pack.relations import build_relations
from engine.pack.schema import (
    NAME_RE,
    RESERVED_ROOTS,
    Citation,
    Clause,
    Grade,
    InputDecl,
    Level,
    Measure,
    ParamDecl,
    PerOccurrence,
    Rule,
    Text,
    Tier,
    VetoCap,
    VetoRule,
)
from engine.pack.templates import parse_template

MEASURE_OPERATORS = {"at_least": ">=", "above": ">", "at_most": "<=", "below": "<"}
PERIOD_SYMBOLS = {"period.start": T.DATE, "period.end": T.DATE, "period.year": T.INTEGER}
RULE_SYMBOLS = {"rule.points": T.NUMBER, "rule.earned": T.NUMBER, "rule.recoverable": T.NUMBER}


class _ParsedDerived(NamedTuple):
    """A derived value whose expression parsed, before it is type-checked."""

    tree: ast.Node
    origin: Origin
    list_path: str | None  # a per-element value: the list of objects it belongs to
    field: str  # its name inside the element (== the name for a profile-level value)


class _Builder:
    def __init__(self, raw: RawPack, overrides: dict[str, Any]):
        self.raw = raw
        self.meta, self.meta_origin = raw.meta_part()
        self.scoring, self.scoring_origin = raw.scoring_part()
        self.overrides = overrides
        self.sink = DiagnosticSink()
        self.symbols: dict[str, Symbol] = {}
        self.list_items: dict[str, T.ObjectType] = {}
        self.params: dict[str, ParamSpec] = {}
        self.inputs: dict[str, InputSpec] = {}
        self.derived: list[DerivedSpec] = []
        self.derived_params: dict[str, frozenset[str]] = {}
        self.unchecked = raw.unchecked  # entries left out as not valid: what reads them is not checked
        self.rule_ids = [rule.id for rule, _ in raw.rules] + sorted(raw.unchecked.rules)
        self.source_ids = {source.id for source in self.meta.sources}

    # -- diagnostics ---------------------------------------------------------
    # A part of a base pack changed by an overlay is located in the overlay's file: ask the part's own origin.
    def error(self, origin: Origin, code: str, message: str, *parts: PathPart, hint: str | None = None,
              key: bool = False) -> None:
        where = origin.child(*parts) if parts else origin
        line, col = where.position(key=key)
        self.sink.add(Diagnostic(where.file, line, col, ERROR, code, message, hint))

    def warn(self, origin: Origin, code: str, message: str, *parts: PathPart, hint: str | None = None) -> None:
        where = origin.child(*parts) if parts else origin
        line, col = where.position()
        self.sink.add(Diagnostic(where.file, line, col, WARNING, code, message, hint))

    def expr_error(self, origin: Origin, parts: tuple[PathPart, ...], exc: ExprError) -> None:
        where = origin.child(*parts) if parts else origin
        line, col = where.position_in((), exc.start)
        self.sink.add(Diagnostic(where.file, line, col, ERROR, exc.code, exc.message, exc.hint))

    def errors_since(self, count: int) -> bool:
        """Whether an error was reported after the first `count` diagnostics."""
        return any(d.severity == ERROR for d in self.sink.items[count:])

    # -- the steps -----------------------------------------------------------
    def build(self) -> Pack:
        raw = self.raw
        self.sink.extend(raw.problems)
        self.check_manifest()
        self.build_params()
        self.build_inputs()
        self.build_param_tables()
        self.build_derived()
        checked = [r for r in self.raw.relations if not any(self.unchecked.named(path) for _, path in r[0].paths())]
        relations = build_relations(checked, self.inputs, set(self.raw.derived), self.error)
        rules = self.build_rules()
        self.assign_strata(rules)
        self.check_grade_requirements()
        self.check_quotas(rules)
        self.check_grade_quotas()
        if self.sink.has_errors and len(raw.layers) > 1:  # an overlay: its errors in the base, at its lines
            self.sink.items = blame_overlay(self.sink.items, raw.root, raw.changes, raw.meta_origin, raw.derived,
                                            lambda: _builds(raw.layers[-2].root))
        self.sink.raise_if_errors(PackError)
        return Pack(
            meta=self.meta, root=raw.root, files=raw.files,
            sources={source.id: source for source in self.meta.sources},
            dimensions=[d for d, _ in raw.dimensions], scoring=self.scoring,
            params=self.params, inputs=self.inputs, derived=self.derived, rules=rules,
            symbols=self.symbols, fingerprint=self.fingerprint(),
            warnings=list(raw.warnings) + [d for d in self.sink.items if d.severity != ERROR],
            dimension_origins={d.id: origin for d, origin in raw.dimensions}, scoring_origin=self.scoring_origin,
            layers=list(raw.layers), changes=list(raw.changes), relations=relations, includes=list(raw.includes),
            units=dict(raw.unit_lists),
        )

    def fingerprint(self) -> str:
        digest = hashlib.sha256()
        for path in self.raw.paths:
            try:
                digest.update(path.read_bytes())
            except OSError:
                digest.update(str(path).encode())
        for name, spec in sorted(self.params.items()):
            digest.update(f"{name}={spec.value!r};".encode())
        return digest.hexdigest()[:16]

    def check_manifest(self) -> None:
        raw = self.raw
        seen: dict[str, Origin] = {}
        for dimension, origin in raw.dimensions:
            if dimension.id in seen:
                self.error(origin, "pack-duplicate", f"dimension '{dimension.id}' is declared twice", "id")
            seen[dimension.id] = origin
        if not raw.dimensions and not self.unchecked.dimensions:
            self.error(self.meta_origin, "pack-manifest", "the pack declares no dimensions",
                       hint="add 'dimensions:'")
        source_ids: set[str] = set()
        for index, source in enumerate(self.meta.sources):
            if source.id in source_ids:
                self.error(self.meta_origin, "pack-duplicate", f"source '{source.id}' is declared twice",
                           "sources", index, "id")
            source_ids.add(source.id)
        self.check_grades()

    def check_grades(self) -> None:
        scoring, origin = self.scoring, self.scoring_origin
        ids: set[str] = set()
        previous_low: Decimal | None = None
        for index, grade in enumerate(scoring.grades):
            if grade.id in ids:
                self.error(origin, "pack-duplicate", f"grade '{grade.id}' is declared twice", "grades", index, "id")
            ids.add(grade.id)
            low = grade.at_least if grade.at_least is not None else grade.above
            is_last = index == len(scoring.grades) - 1
            if low is None and not is_last:
                self.error(origin, "grade-bounds", f"grade '{grade.id}' needs a lower bound ('at_least' or 'above')",
                           "grades", index, hint="only the lowest grade may leave its lower bound open")
            if previous_low is not None and low is not None and low > previous_low:
                self.error(origin, "grade-order", f"grade '{grade.id}' starts above the grade before it",
                           "grades", index, hint="list grades from the highest to the lowest")
            if index > 0 and previous_low is not None:
                self.check_grade_touches(index, previous_low)
            if low is not None:
                previous_low = low

    def check_grade_requirements(self) -> None:
        """The rules a grade requires to be met are rules of the pack; the dimensions it names, dimensions of the
        pack; the grade it requires in earlier periods, a lower grade of the pack."""
        for index, grade in enumerate(self.scoring.grades):
            for position, rule_id in enumerate(grade.requires.met or []):
                if rule_id not in self.rule_ids:
                    self.error(self.scoring_origin, "grade-requires", f"grade '{grade.id}' requires rule "
                               f"'{rule_id}', which the pack does not have", "grades", index, "requires", "met",
                               position, hint=did_you_mean(rule_id, self.rule_ids))
            self.check_grade_dimensions(index, grade)
            self.check_previous_grade(index, grade)

    def check_grade_dimensions(self, index: int, grade: Grade) -> None:
        shares = grade.requires.min_dimension_share
        if not isinstance(shares, dict):
            return
        dimension_ids = [dimension.id for dimension, _ in self.raw.dimensions]
        for dimension_id in shares:
            if dimension_id not in dimension_ids:
                self.error(self.scoring_origin, "grade-requires", f"grade '{grade.id}' requires a share of "
                           f"dimension '{dimension_id}', which the pack does not have", "grades", index,
                           "requires", "min_dimension_share", dimension_id, key=True,
                           hint=did_you_mean(dimension_id, dimension_ids) or f"dimensions: {', '.join(dimension_ids)}")

    def check_previous_grade(self, index: int, grade: Grade) -> None:
        previous = grade.requires.previous
        if previous is None:
            return
        lower = [g.id for g in self.scoring.grades[index:]]
        if previous.grade not in lower:
            self.error(self.scoring_origin, "grade-requires", f"grade '{grade.id}' requires grade "
                       f"'{previous.grade}' in earlier periods, which is not this grade or a lower one of the pack",
                       "grades", index, "requires", "previous", "grade",
                       hint=did_you_mean(previous.grade, lower) or f"grades from '{grade.id}' down: {', '.join(lower)}")

    def check_grade_touches(self, index: int, previous_low: Decimal) -> None:
        """A grade ends where the grade above it begins, with one bound inclusive and the other not."""
        grade, prev = self.scoring.grades[index], self.scoring.grades[index - 1]
        high = grade.below if grade.below is not None else grade.at_most
        if high is None:
            return
        touching = (high == previous_low and
                    ((grade.below is not None and prev.at_least is not None) or
                     (grade.at_most is not None and prev.above is not None)))
        if not touching:
            self.error(self.scoring_origin, "grade-bounds", f"grade '{grade.id}' does not end where '{prev.id}' begins",
                       "grades", index, hint=f"use 'below: {previous_low}' if '{prev.id}' says 'at_least: "
                       f"{previous_low}', or 'at_most' if it says 'above'")

    def check_quotas(self, rules: list[RuleSpec]) -> None:
        """`scoring.quotas` (format 2): what each band quota names (engine/pack/quotas.py)."""
        if self.scoring.quotas is None:  # in a format 1 pack, `quotas` is refused as it is read (pack.formats)
            return
        for problem in quota_problems(self.scoring.quotas, rules, self.inputs, self.rule_ids, self.params):
            self.error(self.scoring_origin, "band-quota", problem.message, "quotas", *problem.at, hint=problem.hint)

    def check_grade_quotas(self) -> None:
        """`scoring.grade_quotas` (format 2): the grades, inputs and parameters each names."""
        quotas = self.scoring.grade_quotas or []
        for problem in grade_quota_problems(quotas, self.scoring.grades, self.inputs, self.params):
            self.error(self.scoring_origin, "grade-quota", problem.message, "grade_quotas", *problem.at,
                       hint=problem.hint)

    def build_params(self) -> None:
        unknown = set(self.overrides) - set(self.raw.parameters)
        for name in sorted(unknown):
            hint = did_you_mean(name, self.raw.parameters)
            raise UsageError([Diagnostic("--set", 0, 0, ERROR, "unknown-parameter",
                                         f"pack '{self.meta.id}' has no parameter '{name}'",
                                         hint or "declared: " + ", ".join(sorted(self.raw.parameters)))])
        for name, (decl, origin) in self.raw.parameters.items():
            if not NAME_RE.match(name) or "." in name:
                self.error(origin, "pack-name", f"parameter name '{name}' is not a simple name", key=True)
                continue
            value_type = _param_type(decl)
            overridden = name in self.overrides
            raw_value = self.overrides[name] if overridden else decl.default
            value = self.coerce_param(name, decl, raw_value, origin, overridden)
            self.params[name] = ParamSpec(name, decl, value_type, value, origin, overridden)
            self.check_param_citations(decl, origin)
            self.symbols["params." + name] = Symbol("param", name, value_type, value)

    def build_param_tables(self) -> None:
        """Parameters that depend on the profile (format 2 `by`), once the inputs they depend on are known: read
        by expressions like a value computed from the profile."""
        for name, spec in self.params.items():
            if not spec.decl.is_table or spec.overridden:  # a value set for the run holds for every profile
                continue
            origin = spec.origin

            def report(message: str, parts: tuple[PathPart, ...], hint: str | None, origin: Origin = origin) -> None:
                self.error(origin, "pack-param-table", message, *parts, hint=hint, key=len(parts) > 1)

            def coerce(value: Any, parts: tuple[PathPart, ...], name: str = name, spec: ParamSpec = spec) -> Any:
                if parts == ("default",):  # checked with the other parameters
                    return spec.value
                return self.coerce_param(name, spec.decl, value, spec.origin.child(*parts[:-1]), False,
                                         where=parts[-1])

            by = self.inputs.get(spec.decl.by or "")
            found = (by.type, by.decl.type, by.decl.title) if by is not None and by.decl.type != "list" else None
            spec.table = check_table(spec.decl, found, sorted(self.inputs), report, coerce)
            self.symbols["params." + name] = Symbol("derived", "params." + name, spec.type)

    def check_param_citations(self, decl: ParamDecl, origin: Origin) -> None:
        cited: list[tuple[tuple[PathPart, ...], list[Citation]]] = [(("cite",), decl.cite or [])]
        cited += [(("alternatives", i, "cite"), alt.cite or []) for i, alt in enumerate(decl.alternatives or [])]
        for parts, citations in cited:
            self.check_sources(citations, origin, parts)

    def check_sources(self, citations: list[Citation], origin: Origin, parts: tuple[PathPart, ...]) -> None:
        """Every citation names a declared source; `cite:` may be one citation or a list."""
        single = origin.source is not None and bool(origin.source.keys_at(origin.path + parts))
        for index, citation in enumerate(citations):
            if citation.source not in self.source_ids:
                where = parts + (("source",) if single else (index, "source"))
                self.error(origin, "rule-citation", f"unknown source '{citation.source}'", *where,
                           hint=did_you_mean(citation.source, self.source_ids) or "declare it under pack.sources")

    def coerce_param(self, name: str, decl: ParamDecl, value: Any, origin: Origin, overridden: bool,
                     where: PathPart = "default") -> Any:
        if value is None:
            return None
        input_decl = InputDecl(type=decl.type, min=decl.min, max=decl.max, values=decl.values, items=decl.items)
        try:
            return TypeAdapter(annotation(input_decl, name)).validate_python(value)
        except ValidationError:
            message = f"parameter '{name}' must be {describe(input_decl)}, got {value!r}"
            if overridden:
                raise UsageError([Diagnostic("--set", 0, 0, ERROR, "parameter-type", message)]) from None
            self.error(origin, "pack-param-type", message, where)
            return None

    def build_inputs(self) -> None:
        for path, (decl, origin) in self.raw.inputs.items():
            if self.usable_input(path, decl, origin):
                self.add_input(path, decl, origin)
        for name, value_type in PERIOD_SYMBOLS.items():
            self.symbols[name] = Symbol("period", name, value_type)

    def usable_input(self, path: str, decl: InputDecl, origin: Origin) -> bool:
        if not NAME_RE.match(path) or path.split(".")[0] in RESERVED_ROOTS:
            self.error(origin, "pack-name", f"'{path}' is not a usable input name", key=True,
                       hint="dotted names of letters, digits and '_'; 'params', 'period', 'rule', "
                            "'profile' and 'it' are reserved")
            return False
        clash = next((other for other in self.raw.inputs if other != path and other.startswith(path + ".")), None)
        if clash:
            self.error(origin, "pack-input-shape", f"input '{path}' is also the group of '{clash}'", key=True,
                       hint="a name is either a value or a group of values")
            return False
        if decl.type == "object":
            self.error(origin, "pack-input-shape", "objects are declared as the items of a list", "type")
            return False
        return True

    def add_input(self, path: str, decl: InputDecl, origin: Origin) -> None:
        spec = InputSpec(path, decl, expr_type(decl, path), origin)
        items = decl.items if decl.type == "list" else None
        if items is not None and items.type == "object" and isinstance(spec.type, T.ListType) \
                and isinstance(spec.type.item, T.ObjectType):
            self.check_object_fields(path, items, origin)
            if decl.label is not None and decl.label not in (items.fields or {}):
                self.error(origin, "pack-input-shape", f"label '{decl.label}' is not a field of the items",
                           "label", hint=did_you_mean(decl.label, items.fields or {}))
            self.list_items[path] = spec.type.item
        elif decl.label is not None:
            self.error(origin, "pack-input-shape", "'label' names a field of a list of objects", "label")
        self.inputs[path] = spec
        self.symbols[path] = Symbol("input", path, spec.type)

    def check_object_fields(self, path: str, items: InputDecl, origin: Origin) -> None:
        """The fields of the objects of a list (`items`, declared at `origin`), and of lists inside them."""
        fields = items.fields or {}
        for name, field_decl in fields.items():
            if not NAME_RE.match(name) or name == "it":
                self.error(origin, "pack-name", f"'{name}' is not a usable field name", "items", "fields", name,
                           key=True)
            if field_decl.type == "object":
                self.error(origin, "pack-input-shape", "nested objects are written as dotted field names",
                           "items", "fields", name, "type", hint="e.g. 'scores.community: {type: number}'")
            if field_decl.type == "list" and field_decl.items is not None and field_decl.items.type == "object":
                self.check_object_fields(f"{path}.{name}", field_decl.items, origin.child("items", "fields", name))
            clash = next((other for other in fields if other.startswith(name + ".")), None)
            if clash:
                self.error(origin, "pack-input-shape", f"field '{name}' is also the group of '{clash}'",
                           "items", "fields", name, key=True)

    # -- derived values ---------------------------------------------------------------
    def build_derived(self) -> None:
        parsed = self.parse_derived()
        for name in self.derived_order(parsed):
            self.add_derived(name, parsed)

    def parse_derived(self) -> dict[str, _ParsedDerived]:
        parsed: dict[str, _ParsedDerived] = {}
        for name, (decl, origin) in self.raw.derived.items():
            list_path, field = self.split_derived_name(name)
            if not NAME_RE.match(name) or name.split(".")[0] in RESERVED_ROOTS:
                self.error(origin, "pack-name", f"'{name}' is not a usable name", key=True)
                continue
            if name in self.inputs or (list_path and field in (self.list_items[list_path].field_names)):
                self.error(origin, "pack-duplicate", f"derived value '{name}' has the name of an input", key=True)
                continue
            try:
                tree = parse(decl.expr)
            except ExprError as exc:
                self.expr_error(origin, ("expr",), exc)
                self.unchecked.names.add(name)  # reported here: what reads it is not reported again
                continue
            parsed[name] = _ParsedDerived(tree, origin, list_path, field)
        return parsed

    def add_derived(self, name: str, parsed: dict[str, _ParsedDerived]) -> None:
        tree, origin, list_path, field = parsed[name]
        decl = self.raw.derived[name][0]
        # derived values are computed once, before any rule is scored: met() would always read "not yet met"
        expr = self.check_expr(tree, decl.expr, origin.child("expr"), list_path, name,
                               met_refused="a derived value is computed before any rule is scored")
        if expr is None or isinstance(expr.type, T.ObjectType) or expr.type == T.NULL:
            if expr is not None:
                self.error(origin, "expr-type", f"derived value '{name}' must be a value, got {expr.type}", "expr")
            # its error is reported (or that of what it reads): what reads it is not reported again
            self.unchecked.names.add(name)
            return
        params = set(expr.params)
        for dep in _derived_deps(tree, parsed):
            params |= self.derived_params.get(dep, frozenset())
        self.derived_params[name] = frozenset(params)
        self.derived.append(DerivedSpec(name, list_path, field, expr, decl.title, decl.format))
        if list_path is None:
            self.symbols[name] = Symbol("derived", name, expr.type)
            return
        # a per-element value is one more field of the elements of its list
        item = self.list_items[list_path]
        item = T.ObjectType("object", item.fields + ((field, expr.type),), item.list_path)
        self.list_items[list_path] = item
        spec = self.inputs[list_path]
        spec.type = T.list_of(item)
        self.symbols[list_path] = Symbol("input", list_path, spec.type)

    def split_derived_name(self, name: str) -> tuple[str | None, str]:
        for list_path in self.list_items:
            if name.startswith(list_path + "."):
                return list_path, name[len(list_path) + 1:]
        return None, name

    def derived_order(self, parsed: dict[str, _ParsedDerived]) -> list[str]:
        """Dependency order of derived values; a cycle is an error."""
        def cycle(names: list[str]) -> None:
            self.error(parsed[names[0]].origin, "pack-cycle", "derived values depend on each other: "
                       + " → ".join(names), key=True)

        graph = {name: _derived_deps(item.tree, parsed, item.list_path) for name, item in parsed.items()}
        return dependency_order(graph, cycle)

    # -- expressions ---------------------------------------------------------------
    def check_expr(self, tree: ast.Node, text: str, origin: Origin, list_path: str | None, what: str,
                   *, want: T.Type | None = None, extra_symbols: dict[str, Symbol] | None = None,
                   met_refused: str | None = None) -> Expr | None:
        if self.unchecked.read_by(tree):
            return None  # it reads an entry left out as not valid: that entry's error is reported
        symbols = self.symbols if not extra_symbols else {**self.symbols, **extra_symbols}
        checker = Checker(symbols, self.rule_ids, met_refused=met_refused)
        scope = (self.list_items[list_path],) if list_path else ()
        try:
            result_type = checker.check(tree, scope)
            if want is not None and (not T.accepts(want, result_type) or result_type == T.NULL):
                raise ExprError("expr-type", f"{what} must be {_want_word(want)}, got {result_type}",
                                tree.start, tree.end)
        except ExprError as exc:
            self.expr_error(origin, (), exc)
            return None
        params = set(checker.params_used)
        for path in _paths(tree):
            if path.ref is not None and path.ref.kind == "derived":
                params |= self.derived_params.get(path.ref.name, frozenset())
            if path.ref is not None and path.ref.kind == "field" and list_path:
                params |= self.derived_params.get(f"{path.ref.list_path}.{path.ref.name}", frozenset())
        return Expr(text, tree, result_type, list_path, origin, frozenset(params), frozenset(checker.rules_used),
                    compile_expr(tree))

    def rule_expr(self, origin: Origin, key: str, text: str | None, list_path: str | None, want: T.Type,
                  *parts: PathPart) -> Expr | None:
        """A condition or number of a rule, at `parts` (default: `key`) inside the rule."""
        if text is None:
            return None
        where = origin.child(*(parts or (key,)))
        try:
            tree = parse(text)
        except ExprError as exc:
            self.expr_error(where, (), exc)
            return None
        return self.check_expr(tree, text, where, list_path, f"'{key}'", want=want)

    # -- rules --------------------------------------------------------------------
    def build_rules(self) -> list[RuleSpec]:
        specs: list[RuleSpec] = []
        seen: dict[str, Origin] = {}
        dimension_ids = {d.id for d, _ in self.raw.dimensions} | self.unchecked.dimensions
        for rule, origin in self.raw.rules:
            if rule.id in seen:
                first_line, _ = seen[rule.id].position("id")
                self.error(origin, "pack-duplicate", f"rule id '{rule.id}' is used twice", "id",
                           hint=f"first used at {seen[rule.id].file}:{first_line}")
                continue
            seen[rule.id] = origin
            if rule.for_each is not None and self.unchecked.named(rule.for_each):
                continue  # its list is left out as not valid: its conditions cannot be checked
            spec = self.build_rule(rule, origin, dimension_ids)
            if spec is not None:
                specs.append(spec)
        return specs

    # A rule's kind decides which keys it has (pack.schema); keys only some kinds have are read with
    # getattr(rule, key, None), which is None on the other kinds.
    def build_rule(self, rule: Rule, origin: Origin, dimension_ids: set[str]) -> RuleSpec | None:
        errors_before = len(self.sink.items)
        self.check_rule_shape(rule, origin, dimension_ids)
        list_path, label_field = self.rule_list(rule, origin)
        spec = RuleSpec(id=rule.id, title=rule.title, kind=rule.kind, dimension=getattr(rule, "dimension", None),
                        points=getattr(rule, "points", None), origin=origin, description=rule.description,
                        method=rule.method, for_each=list_path, label_field=label_field,
                        severity=rule.effect_name() if isinstance(rule, VetoRule) else None,
                        roll_up=getattr(rule, "roll_up", None) or "all",
                        min_share=getattr(rule, "min_share", None), evidence=list(rule.evidence or []),
                        cite=list(rule.cite))
        self.add_conditions(spec, rule, origin)
        self.add_tiers(spec, getattr(rule, "tiers", None) or [], origin)
        for key in ("deduct", "award"):
            occurrence: PerOccurrence | None = getattr(rule, key, None)
            if occurrence is not None:
                setattr(spec, key, self.occurrence(origin, key, occurrence))
        self.add_bands_and_notes(spec, rule, origin)
        self.add_format_2_parts(spec, rule, origin)
        if rule.recommend is not None:
            spec.recommend = self.template(rule.recommend, origin.child("recommend"), None, rule_symbols=True)
        self.check_sources(rule.cite, origin.child("cite"), ())  # an overlay may have replaced the citations
        if self.errors_since(errors_before):
            return None
        used: set[str] = set()
        depends: set[str] = set()
        for expr in spec.expressions():
            used |= expr.params
            depends |= expr.rules
        spec.unset_params = tuple(sorted(name for name in used if self.params[name].value is None
                                         and self.params[name].table is None))
        spec.table_params = tuple(sorted(name for name in used if self.params[name].table is not None))
        spec.depends_on = frozenset(depends)
        return spec

    def check_rule_shape(self, rule: Rule, origin: Origin, dimension_ids: set[str]) -> None:
        for problem in rule.shape_problems():
            self.error(origin, "rule-shape", problem.message, *problem.at, key=problem.key, hint=problem.hint)
        dimension: str | None = getattr(rule, "dimension", None)
        if dimension is not None and dimension not in dimension_ids:
            self.error(origin, "rule-dimension", f"unknown dimension '{dimension}'", "dimension",
                       hint=did_you_mean(dimension, dimension_ids))

    def rule_list(self, rule: Rule, origin: Origin) -> tuple[str | None, str | None]:
        """The list of objects a for_each rule checks, and the field that labels its elements."""
        if rule.for_each is None:
            return None, None
        if rule.for_each in self.list_items:
            return rule.for_each, self.inputs[rule.for_each].label
        lists = list(self.list_items)
        self.error(origin, "rule-for-each", f"for_each names '{rule.for_each}', not a list of objects", "for_each",
                   hint=did_you_mean(rule.for_each, lists) or
                   (f"lists of objects: {', '.join(lists)}" if lists else "declare a list input first"))
        return None, None

    def add_conditions(self, spec: RuleSpec, rule: Rule, origin: Origin) -> None:
        """The conditions of a rule, and its partial credit; all but applies_when are per element with for_each."""
        each = spec.for_each
        spec.applies_when = self.rule_expr(origin, "applies_when", rule.applies_when, None, T.BOOLEAN)
        spec.where = self.rule_expr(origin, "where", rule.where, each, T.BOOLEAN)
        spec.require = self.rule_expr(origin, "require", getattr(rule, "require", None), each, T.BOOLEAN)
        spec.trigger = self.rule_expr(origin, "trigger", getattr(rule, "trigger", None), each, T.BOOLEAN)
        spec.partial = self.rule_expr(origin, "partial", getattr(rule, "partial", None), None, T.NUMBER)

    def add_tiers(self, spec: RuleSpec, tiers: list[Tier], origin: Origin) -> None:
        for index, tier in enumerate(tiers):
            when = self.rule_expr(origin, "when", tier.when, None, T.BOOLEAN, "tiers", index, "when")
            if when is not None:
                spec.tiers.append(TierSpec(when, tier.points, tier.credit, tier.label))

    def occurrence(self, origin: Origin, key: str, occurrence: PerOccurrence) -> OccurrenceSpec | None:
        """A rule's `deduct` or `award`: the count, and the amount per occurrence and cap (numbers or expressions)."""
        count = self.rule_expr(origin, "count", occurrence.count, None, T.NUMBER, key, "count")
        per = self.amount(origin, key, "per", occurrence.per)
        cap = self.amount(origin, key, "cap", occurrence.cap)
        return OccurrenceSpec(count, per, cap, occurrence.unit) if per is not None else None

    def amount(self, origin: Origin, key: str, part: str, value: Decimal | str | None) -> Decimal | Expr | None:
        if isinstance(value, str):
            return self.rule_expr(origin, part, value, None, T.NUMBER, key, part)
        return value

    # -- format 2: not-applicable policy, clauses, the item's own bonus, levels and measures of checks -----------
    def add_format_2_parts(self, spec: RuleSpec, rule: Rule, origin: Origin) -> None:
        spec.not_applicable = getattr(rule, "not_applicable", None)
        spec.deductions = self.clauses(origin, "deductions", getattr(rule, "deductions", None) or [])
        spec.bonus = self.clauses(origin, "bonus", getattr(rule, "bonus", None) or [])
        cap = getattr(rule, "bonus_cap", None)
        spec.bonus_cap = self.rule_expr(origin, "bonus_cap", cap, None, T.NUMBER) if isinstance(cap, str) else cap
        levels: list[Level] = getattr(rule, "levels", None) or []
        for index, level in enumerate(levels):
            built = self.level(origin, index, level, len(levels))
            if built is not None:
                spec.levels.append(built)
        measure: Measure | None = getattr(rule, "measure", None)
        if measure is not None:
            spec.measure = self.measure(origin.child("measure"), measure)
        if isinstance(rule, VetoRule):
            self.add_veto_parts(spec, rule, origin)

    def add_veto_parts(self, spec: RuleSpec, rule: VetoRule, origin: Origin) -> None:
        """A veto's grade it caps at (a grade of the pack), how long it lasts, whose finding triggers it."""
        if isinstance(rule.effect, VetoCap):
            grade_ids = [grade.id for grade in self.scoring.grades]
            spec.cap_at = rule.effect.cap_at
            if spec.cap_at not in grade_ids:
                self.error(origin, "veto-cap-grade", f"the veto caps the grade at '{spec.cap_at}', which is not a "
                           "grade of the pack", "effect", "cap_at", hint=did_you_mean(spec.cap_at, grade_ids) or
                           f"grades: {', '.join(grade_ids)}")
        if rule.lasts is not None:
            spec.until = self.rule_expr(origin, "until", rule.lasts.until, spec.for_each, T.DATE, "lasts", "until")
            spec.lasts_text = rule.lasts.text
        spec.authority = rule.authority

    def clauses(self, origin: Origin, key: str, clauses: list[Clause]) -> list[ClauseSpec]:
        built = []
        for index, clause in enumerate(clauses):
            where = origin.child(key, index)
            built.append(ClauseSpec(
                clause.text, when=self.rule_expr(where, "when", clause.when, None, T.BOOLEAN),
                points=self.clause_number(where, "points", clause.points),
                count=self.rule_expr(where, "count", clause.count, None, T.NUMBER),
                per=self.clause_number(where, "per", clause.per), cap=self.clause_number(where, "cap", clause.cap),
                unit=clause.unit))
        return built

    def clause_number(self, origin: Origin, key: str, value: Decimal | str | None) -> Decimal | Expr | None:
        """An amount of a clause: a number, or an expression (a parameter)."""
        return self.rule_expr(origin, key, value, None, T.NUMBER) if isinstance(value, str) else value

    def level(self, origin: Origin, index: int, level: Level, count: int) -> LevelSpec | None:
        when = self.rule_expr(origin, "when", level.when, None, T.BOOLEAN, "levels", index, "when")
        if when is None:
            return None
        default = "met" if index == 0 else ("not_met" if index == count - 1 else "partly_met")
        return LevelSpec(level.id, level.label or Text(zh=level.id, en=level.id), when, level.outcome or default)

    def measure(self, origin: Origin, measure: Measure) -> MeasureSpec | None:
        """The value, its bounds, and the condition that it meets them (one expression a backend matches)."""
        errors_before = len(self.sink.items)
        value = self.rule_expr(origin, "value", measure.value, None, T.NUMBER)
        bounds: list[tuple[str, Decimal | Expr]] = []
        for key, bound in measure.bounds():
            built = self.rule_expr(origin, key, bound, None, T.NUMBER) if isinstance(bound, str) else bound
            if built is not None:
                bounds.append((key, built))
        if value is None or self.errors_since(errors_before):
            return None
        text = " and ".join(f"({measure.value}) {MEASURE_OPERATORS[key]} ({_bound_text(bound)})"
                            for key, bound in bounds)
        target = self.check_expr(parse(text), text, origin.child("value"), None, "'measure'", want=T.BOOLEAN)
        return MeasureSpec(value, bounds, target, measure.format, measure.unit) if target is not None else None

    def add_bands_and_notes(self, spec: RuleSpec, rule: Rule, origin: Origin) -> None:
        each = spec.for_each
        for index, band in enumerate(rule.bands or []):
            when = self.rule_expr(origin, "when", band.when, each, T.BOOLEAN, "bands", index, "when")
            consequences = self.template(band.consequences, origin.child("bands", index, "consequences"),
                                         each) if band.consequences else None
            if when is not None:
                spec.bands.append(BandSpec(band.id, band.label, when, consequences))
        for index, note in enumerate(rule.notes or []):
            when = self.rule_expr(origin, "when", note.when, each, T.BOOLEAN, "notes", index, "when")
            text = self.template(note.text, origin.child("notes", index, "text"), each)
            if when is not None and text is not None:
                spec.notes.append(NoteSpec(when, text))

    # -- texts with placeholders ----------------------------------------------------------
    def template(self, text: Text, origin: Origin, list_path: str | None, *,
                 rule_symbols: bool = False) -> Template | None:
        extra = {name: Symbol("rule", name, value_type) for name, value_type in RULE_SYMBOLS.items()} \
            if rule_symbols else None
        parts: dict[str, list[TemplatePart]] = {}
        for lang in ("zh", "en"):
            here = origin.child(lang) if origin.source is not None and origin.source.value(
                origin.path + (lang,)) is not None else origin
            compiled = self.template_parts(text.get(lang), here, list_path, extra)
            if compiled is not None:
                parts[lang] = compiled
        return Template(text, parts) if len(parts) == 2 else None

    def template_parts(self, value: str, origin: Origin, list_path: str | None,
                       extra: dict[str, Symbol] | None) -> list[TemplatePart] | None:
        """One language of a text: its literal pieces and checked placeholders; None after an error."""
        try:
            pieces = parse_template(value)
        except ExprError as exc:
            self.expr_error(origin, (), exc)
            return None
        compiled: list[TemplatePart] = []
        ok = True
        for piece in pieces:
            if isinstance(piece, str):
                compiled.append(piece)
                continue
            expr = self.placeholder(piece.source, piece.offset, origin, list_path, extra)
            if expr is None:
                ok = False
            else:
                compiled.append((expr, piece.format))
        return compiled if ok else None

    def placeholder(self, source_text: str, offset: int, origin: Origin, list_path: str | None,
                    extra: dict[str, Symbol] | None) -> Expr | None:
        try:
            tree = parse(source_text)
        except ExprError as exc:
            exc.start += offset
            self.expr_error(origin, (), exc)
            return None
        _shift(tree, offset)
        return self.check_expr(tree, source_text, origin, list_path, "a placeholder", extra_symbols=extra)

    # -- chaining -----------------------------------------------------------------
    def assign_strata(self, rules: list[RuleSpec]) -> None:
        """Rules that read met('X') run after X: stratum = 1 + the strata they read."""
        by_id = {rule.id: rule for rule in rules}

        def cycle(names: list[str]) -> None:
            self.error(by_id[names[0]].origin, "pack-cycle", "rules depend on each other through met(): "
                       + " → ".join(names), "id")

        graph = {rule.id: sorted(rule.depends_on) for rule in rules}
        for rule_id in dependency_order(graph, cycle):
            rule = by_id[rule_id]
            rule.stratum = max((by_id[dep].stratum + 1 for dep in rule.depends_on if dep in by_id), default=0)


def _bound_text(bound: Decimal | Expr) -> str:
    return bound.source if isinstance(bound, Expr) else format(bound, "f")


def _param_type(decl: ParamDecl) -> T.Type:
    fake = InputDecl(type=decl.type, values=decl.values, items=decl.items)
    return expr_type(fake)


def _want_word(want: T.Type) -> str:
    return {"boolean": "a condition (true or false)", "number": "a number"}.get(str(want), str(want))


def _paths(tree: ast.Node) -> list[ast.Path]:
    return [node for node in ast.walk(tree) if isinstance(node, ast.Path)]


def _derived_deps(tree: ast.Node, parsed: dict[str, _ParsedDerived], list_path: str | None = None) -> list[str]:
    """Names of other derived values an expression reads (before type checking)."""
    deps = []
    for node in _paths(tree):
        name = node.dotted
        if name in parsed:
            deps.append(name)
        elif list_path and f"{list_path}.{name}" in parsed:
            deps.append(f"{list_path}.{name}")
        else:
            for other, item in parsed.items():
                if item.list_path and item.field == name and item.list_path != list_path:
                    # a per-element value read inside count(list, ...) of its own list
                    deps.append(other)
    return deps


def _shift(tree: ast.Node, offset: int) -> None:
    """Move the positions of a placeholder's tree by where the placeholder starts in its text."""
    for node in ast.walk(tree):
        node.start += offset
        node.end += offset
        if isinstance(node, ast.Binary):
            node.op_start += offset
        if isinstance(node, ast.Call):
            node.name_end += offset


def _builds(root: Path) -> bool:
    """Whether the pack at `root` (an overlay's base) builds on its own with its defaults."""
    try:
        build_pack(read_pack_dir(root))
    except PackError:
        return False
    return True


def build_pack(raw: RawPack, overrides: dict[str, Any] | None = None) -> Pack:
    return _Builder(raw, dict(overrides or {})).build()


@engine_arithmetic
def load_pack(path: str | Path, overrides: dict[str, Any] | None = None) -> Pack:
    """Read, validate and check a pack directory; raises PackError with every problem found."""
    return build_pack(read_pack_dir(path), overrides)
