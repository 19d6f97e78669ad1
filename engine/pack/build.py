"""Check the meaning of a pack and build its runtime form.

Runs once per pack and parameter set, before any profile is read:
parameters get their values (defaults or overrides), inputs become types,
derived values are checked in dependency order, and every rule is checked
for its kind's required parts, its names, types and citations. All problems
are collected and raised together as one PackError.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter, ValidationError

from engine.errors import ERROR, WARNING, Diagnostic, DiagnosticSink, PackError, UsageError, did_you_mean
from engine.expr import ast
from engine.expr import types as T
from engine.expr.checker import Checker, Symbol
from engine.expr.errors import ExprError
from engine.expr.evaluator import compile_expr
from engine.expr.parser import parse
from engine.pack.fieldtypes import annotation, describe, expr_type
from engine.pack.model import (
    BandSpec,
    DerivedSpec,
    Expr,
    InputSpec,
    NoteSpec,
    OccurrenceSpec,
    Pack,
    ParamSpec,
    RuleSpec,
    Template,
    TierSpec,
)
from engine.pack.origins import Origin
from engine.pack.overlay import read_pack_dir
from engine.pack.raw import RawPack
from engine.pack.schema import NAME_RE, RESERVED_ROOTS, InputDecl, ParamDecl, Rule
from engine.pack.templates import parse_template

PERIOD_SYMBOLS = {"period.start": T.DATE, "period.end": T.DATE, "period.year": T.INTEGER}
RULE_SYMBOLS = {"rule.points": T.NUMBER, "rule.earned": T.NUMBER, "rule.recoverable": T.NUMBER}


class _Builder:
    def __init__(self, raw: RawPack, overrides: dict[str, Any]):
        self.raw = raw
        self.overrides = overrides
        self.sink = DiagnosticSink()
        self.symbols: dict[str, Symbol] = {}
        self.list_items: dict[str, T.ObjectType] = {}
        self.params: dict[str, ParamSpec] = {}
        self.inputs: dict[str, InputSpec] = {}
        self.derived: list[DerivedSpec] = []
        self.derived_params: dict[str, frozenset[str]] = {}
        self.rule_ids = [rule.id for rule, _ in raw.rules]

    # -- diagnostics ---------------------------------------------------------
    # A part of a base pack changed by an overlay is located in the overlay's file: ask the part's own origin.
    def error(self, origin: Origin, code: str, message: str, *parts, hint: str | None = None, key: bool = False):
        where = origin.child(*parts) if parts else origin
        line, col = where.position(key=key)
        self.sink.add(Diagnostic(where.file, line, col, ERROR, code, message, hint))

    def warn(self, origin: Origin, code: str, message: str, *parts, hint: str | None = None):
        where = origin.child(*parts) if parts else origin
        line, col = where.position()
        self.sink.add(Diagnostic(where.file, line, col, WARNING, code, message, hint))

    def expr_error(self, origin: Origin, parts: tuple, exc: ExprError) -> None:
        where = origin.child(*parts) if parts else origin
        line, col = where.position_in((), exc.start)
        self.sink.add(Diagnostic(where.file, line, col, ERROR, exc.code, exc.message, exc.hint))

    # -- the steps -----------------------------------------------------------
    def build(self) -> Pack:
        raw = self.raw
        self.sink.extend(raw.problems)
        self.check_manifest()
        self.build_params()
        self.build_inputs()
        self.build_derived()
        rules = self.build_rules()
        self.assign_strata(rules)
        self.sink.raise_if_errors(PackError)
        return Pack(
            meta=raw.meta, root=raw.root, files=raw.files,
            sources={source.id: source for source in raw.meta.sources},
            dimensions=[d for d, _ in raw.dimensions], scoring=raw.scoring,
            params=self.params, inputs=self.inputs, derived=self.derived, rules=rules,
            symbols=self.symbols, fingerprint=self.fingerprint(),
            warnings=list(raw.warnings) + [d for d in self.sink.items if d.severity != ERROR],
            dimension_origins={d.id: origin for d, origin in raw.dimensions}, scoring_origin=raw.scoring_origin,
            layers=list(raw.layers), changes=list(raw.changes),
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
        if not raw.dimensions:
            self.error(raw.meta_origin, "pack-manifest", "the pack declares no dimensions", hint="add 'dimensions:'")
        source_ids: set[str] = set()
        for index, source in enumerate(raw.meta.sources):
            if source.id in source_ids:
                self.error(raw.meta_origin, "pack-duplicate", f"source '{source.id}' is declared twice",
                           "sources", index, "id")
            source_ids.add(source.id)
        self.check_grades()

    def check_grades(self) -> None:
        scoring, origin = self.raw.scoring, self.raw.scoring_origin
        ids: set[str] = set()
        previous_low = None
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
            high = grade.below if grade.below is not None else grade.at_most
            if index > 0 and high is not None and previous_low is not None:
                prev = scoring.grades[index - 1]
                touching = (high == previous_low and
                            ((grade.below is not None and prev.at_least is not None) or
                             (grade.at_most is not None and prev.above is not None)))
                if not touching:
                    self.error(origin, "grade-bounds",
                               f"grade '{grade.id}' does not end where '{prev.id}' begins",
                               "grades", index,
                               hint=f"use 'below: {previous_low}' if '{prev.id}' says 'at_least: {previous_low}', "
                                    f"or 'at_most' if it says 'above'")
            if low is not None:
                previous_low = low

    def build_params(self) -> None:
        unknown = set(self.overrides) - set(self.raw.parameters)
        for name in sorted(unknown):
            hint = did_you_mean(name, self.raw.parameters)
            raise UsageError([Diagnostic("--set", 0, 0, ERROR, "unknown-parameter",
                                         f"pack '{self.raw.meta.id}' has no parameter '{name}'",
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

    def check_param_citations(self, decl: ParamDecl, origin: Origin) -> None:
        sources = {source.id for source in self.raw.meta.sources}
        cited = [(("cite",), decl.cite or [])]
        cited += [(("alternatives", i, "cite"), alt.cite or []) for i, alt in enumerate(decl.alternatives or [])]
        for parts, citations in cited:
            single = origin.source is not None and origin.source.keys_at(origin.path + parts)
            for index, citation in enumerate(citations):
                if citation.source not in sources:
                    where = parts + (("source",) if single else (index, "source"))
                    self.error(origin, "rule-citation", f"unknown source '{citation.source}'", *where,
                               hint=did_you_mean(citation.source, sources) or "declare it under pack.sources")

    def coerce_param(self, name: str, decl: ParamDecl, value: Any, origin: Origin, overridden: bool):
        if value is None:
            return None
        input_decl = InputDecl(type=decl.type, min=decl.min, max=decl.max, values=decl.values, items=decl.items)
        try:
            return TypeAdapter(annotation(input_decl, name)).validate_python(value)
        except ValidationError:
            message = f"parameter '{name}' must be {describe(input_decl)}, got {value!r}"
            if overridden:
                raise UsageError([Diagnostic("--set", 0, 0, ERROR, "parameter-type", message)]) from None
            self.error(origin, "pack-param-type", message, "default")
            return None

    def build_inputs(self) -> None:
        declared = self.raw.inputs
        for path, (decl, origin) in declared.items():
            if not NAME_RE.match(path) or path.split(".")[0] in RESERVED_ROOTS:
                self.error(origin, "pack-name", f"'{path}' is not a usable input name", key=True,
                           hint="dotted names of letters, digits and '_'; 'params', 'period', 'rule', "
                                "'profile' and 'it' are reserved")
                continue
            clash = next((other for other in declared if other != path and other.startswith(path + ".")), None)
            if clash:
                self.error(origin, "pack-input-shape", f"input '{path}' is also the group of '{clash}'", key=True,
                           hint="a name is either a value or a group of values")
                continue
            if decl.type == "object":
                self.error(origin, "pack-input-shape", "objects are declared as the items of a list", "type")
                continue
            spec = InputSpec(path, decl, expr_type(decl, path), origin)
            if decl.type == "list" and decl.items is not None and decl.items.type == "object":
                self.check_object_fields(path, decl, origin)
                if decl.label is not None and decl.label not in (decl.items.fields or {}):
                    self.error(origin, "pack-input-shape", f"label '{decl.label}' is not a field of the items",
                               "label", hint=did_you_mean(decl.label, decl.items.fields or {}))
                self.list_items[path] = spec.type.item  # type: ignore[attr-defined]
            elif decl.label is not None:
                self.error(origin, "pack-input-shape", "'label' names a field of a list of objects", "label")
            self.inputs[path] = spec
            self.symbols[path] = Symbol("input", path, spec.type)
        for name, value_type in PERIOD_SYMBOLS.items():
            self.symbols[name] = Symbol("period", name, value_type)

    def check_object_fields(self, path: str, decl: InputDecl, origin: Origin) -> None:
        fields = decl.items.fields or {}
        for name, field_decl in fields.items():
            if not NAME_RE.match(name) or name == "it":
                self.error(origin, "pack-name", f"'{name}' is not a usable field name", "items", "fields", name,
                           key=True)
            if field_decl.type == "object":
                self.error(origin, "pack-input-shape", "nested objects are written as dotted field names",
                           "items", "fields", name, "type", hint="e.g. 'scores.community: {type: number}'")
            if field_decl.type == "list" and field_decl.items is not None and field_decl.items.type == "object":
                self.check_object_fields(f"{path}.{name}", field_decl, origin.child("items", "fields", name))
            clash = next((other for other in fields if other.startswith(name + ".")), None)
            if clash:
                self.error(origin, "pack-input-shape", f"field '{name}' is also the group of '{clash}'",
                           "items", "fields", name, key=True)

    # -- derived values ---------------------------------------------------------------
    def build_derived(self) -> None:
        parsed: dict[str, tuple[Any, Origin, str | None, str]] = {}
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
                continue
            parsed[name] = (tree, origin, list_path, field)
        for name in self.derived_order(parsed):
            tree, origin, list_path, field = parsed[name]
            decl = self.raw.derived[name][0]
            expr = self.check_expr(tree, decl.expr, origin.child("expr"), list_path, name)
            if expr is None:
                continue
            if isinstance(expr.type, (T.ObjectType,)) or expr.type == T.NULL:
                self.error(origin, "expr-type", f"derived value '{name}' must be a value, got {expr.type}", "expr")
                continue
            params = set(expr.params)
            for dep in _derived_deps(tree, parsed):
                params |= self.derived_params.get(dep, frozenset())
            self.derived_params[name] = frozenset(params)
            self.derived.append(DerivedSpec(name, list_path, field, expr, decl.title, decl.format))
            if list_path is None:
                self.symbols[name] = Symbol("derived", name, expr.type)
            else:
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

    def derived_order(self, parsed: dict) -> list[str]:
        """Dependency order of derived values; a cycle is an error."""
        order: list[str] = []
        state: dict[str, int] = {}

        def visit(name: str, trail: list[str]) -> None:
            if state.get(name) == 2:
                return
            if state.get(name) == 1:
                cycle = trail[trail.index(name):] + [name]
                origin = parsed[name][1]
                self.error(origin, "pack-cycle", "derived values depend on each other: " + " → ".join(cycle),
                           key=True)
                return
            state[name] = 1
            for dep in _derived_deps(parsed[name][0], parsed, parsed[name][2]):
                visit(dep, trail + [name])
            state[name] = 2
            order.append(name)

        for name in parsed:
            visit(name, [])
        return order

    # -- expressions ---------------------------------------------------------------
    def check_expr(self, tree, text: str, origin: Origin, list_path: str | None, what: str,
                   *, want: T.Type | None = None, extra_symbols: dict | None = None) -> Expr | None:
        symbols = self.symbols if not extra_symbols else {**self.symbols, **extra_symbols}
        checker = Checker(symbols, self.rule_ids)
        scope = (self.list_items[list_path],) if list_path else ()
        try:
            result_type = checker.check(tree, scope)
            if want is not None and not T.accepts(want, result_type) or (want is not None and result_type == T.NULL):
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

    def rule_expr(self, rule: Rule, origin: Origin, key: str, text: str | None, list_path: str | None,
                  want: T.Type, *parts) -> Expr | None:
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
        dimension_ids = {d.id for d, _ in self.raw.dimensions}
        for rule, origin in self.raw.rules:
            if rule.id in seen:
                first_line, _ = seen[rule.id].position("id")
                self.error(origin, "pack-duplicate", f"rule id '{rule.id}' is used twice", "id",
                           hint=f"first used at {seen[rule.id].file}:{first_line}")
                continue
            seen[rule.id] = origin
            spec = self.build_rule(rule, origin, dimension_ids)
            if spec is not None:
                specs.append(spec)
        return specs

    def build_rule(self, rule: Rule, origin: Origin, dimension_ids: set[str]) -> RuleSpec | None:
        errors_before = len(self.sink.items)
        self.check_rule_shape(rule, origin, dimension_ids)
        list_path = None
        label_field = None
        if rule.for_each is not None:
            if rule.for_each not in self.list_items:
                lists = list(self.list_items)
                self.error(origin, "rule-for-each", f"for_each names '{rule.for_each}', not a list of objects",
                           "for_each", hint=did_you_mean(rule.for_each, lists) or
                           (f"lists of objects: {', '.join(lists)}" if lists else "declare a list input first"))
            else:
                list_path = rule.for_each
                label_field = self.inputs[list_path].label
        item_scope = list_path
        spec = RuleSpec(id=rule.id, title=rule.title, kind=rule.kind, dimension=rule.dimension,
                        points=rule.points, origin=origin, description=rule.description, method=rule.method,
                        for_each=list_path, label_field=label_field, severity=rule.severity,
                        roll_up=rule.roll_up or "all", min_share=rule.min_share,
                        evidence=list(rule.evidence or []), cite=list(rule.cite))
        spec.applies_when = self.rule_expr(rule, origin, "applies_when", rule.applies_when, None, T.BOOLEAN)
        spec.where = self.rule_expr(rule, origin, "where", rule.where, item_scope, T.BOOLEAN)
        spec.require = self.rule_expr(rule, origin, "require", rule.require, item_scope, T.BOOLEAN)
        spec.trigger = self.rule_expr(rule, origin, "trigger", rule.trigger, item_scope, T.BOOLEAN)
        spec.partial = self.rule_expr(rule, origin, "partial", rule.partial, None, T.NUMBER)
        for index, tier in enumerate(rule.tiers or []):
            when = self.rule_expr(rule, origin, "when", tier.when, None, T.BOOLEAN, "tiers", index, "when")
            if when is not None:
                spec.tiers.append(TierSpec(when, tier.points, tier.credit, tier.label))
        for key in ("deduct", "award"):
            occurrence = getattr(rule, key)
            if occurrence is not None:
                count = self.rule_expr(rule, origin, "count", occurrence.count, None, T.NUMBER, key, "count")
                amounts = []
                for part in ("per", "cap"):
                    value = getattr(occurrence, part)
                    if isinstance(value, str):
                        value = self.rule_expr(rule, origin, part, value, None, T.NUMBER, key, part)
                    amounts.append(value)
                setattr(spec, key, OccurrenceSpec(count, *amounts, occurrence.unit))
        for index, band in enumerate(rule.bands or []):
            when = self.rule_expr(rule, origin, "when", band.when, item_scope, T.BOOLEAN, "bands", index, "when")
            consequences = self.template(band.consequences, origin.child("bands", index, "consequences"),
                                         item_scope) if band.consequences else None
            if when is not None:
                spec.bands.append(BandSpec(band.id, band.label, when, consequences))
        for index, note in enumerate(rule.notes or []):
            when = self.rule_expr(rule, origin, "when", note.when, item_scope, T.BOOLEAN, "notes", index, "when")
            text = self.template(note.text, origin.child("notes", index, "text"), item_scope)
            if when is not None and text is not None:
                spec.notes.append(NoteSpec(when, text))
        if rule.recommend is not None:
            spec.recommend = self.template(rule.recommend, origin.child("recommend"), None, rule_symbols=True)
        self.check_citations(rule, origin)
        if len(self.sink.items) > errors_before and any(
                d.severity == ERROR for d in self.sink.items[errors_before:]):
            return None
        used = set()
        depends = set()
        for expr in spec.expressions():
            used |= expr.params
            depends |= expr.rules
        spec.unset_params = tuple(sorted(name for name in used if self.params[name].value is None))
        spec.depends_on = frozenset(depends)
        return spec

    def check_rule_shape(self, rule: Rule, origin: Origin, dimension_ids: set[str]) -> None:
        kind = rule.kind
        ways = [key for key in ("require", "partial", "tiers", "deduct", "award", "trigger")
                if getattr(rule, key) is not None]
        allowed = {
            "item": {"require", "partial", "tiers", "deduct"},
            "bonus": {"require", "tiers", "award"},
            "penalty": {"deduct", "trigger"},
            "veto": {"trigger"},
        }[kind]
        for key in ways:
            if key not in allowed:
                self.error(origin, "rule-shape", f"a {kind} rule does not use '{key}'", key, key=True,
                           hint=f"a {kind} rule uses: {', '.join(sorted(allowed))}")
        scoring_ways = [key for key in ways if key in ("require", "partial", "tiers", "deduct", "award")]
        if kind == "item":
            if rule.for_each is not None:
                if rule.require is None:
                    self.error(origin, "rule-shape", "a for_each item rule needs 'require' (checked for each element)",
                               key=True, hint="add 'deduct: {per, cap}' to deduct per element that fails")
                if rule.partial is not None or rule.tiers is not None:
                    self.error(origin, "rule-shape", "for_each rules score with 'roll_up' (all, share, any) or "
                               "'deduct', not 'partial'/'tiers'", key=True,
                               hint="use 'bands' to classify each element")
                if rule.deduct is not None and rule.deduct.count is not None:
                    self.error(origin, "rule-shape", "in a for_each rule the deduction counts failing elements; "
                               "remove 'count'", "deduct", "count")
            elif len(scoring_ways) != 1:
                self.error(origin, "rule-shape",
                           "an item rule scores in exactly one way: require, partial, tiers or deduct"
                           + (f" (found {', '.join(scoring_ways)})" if scoring_ways else ""), key=True)
            if rule.dimension is None:
                self.error(origin, "rule-shape", "an item rule needs a 'dimension'", key=True,
                           hint="or set 'dimension:' at the top of its file")
            if rule.points is None:
                self.error(origin, "rule-shape", "an item rule needs 'points'", key=True)
            if rule.deduct is not None and rule.deduct.count is None and rule.for_each is None:
                self.error(origin, "rule-shape", "'deduct' needs 'count' (the number of occurrences)", "deduct")
        elif kind == "bonus":
            if len(scoring_ways) != 1:
                self.error(origin, "rule-shape", "a bonus rule awards in one way: require (with points), tiers or "
                           "award", key=True)
            if rule.require is not None and rule.points is None:
                self.error(origin, "rule-shape", "a bonus rule with 'require' needs 'points'", key=True)
            if rule.award is not None and rule.award.count is None and rule.for_each is None:
                self.error(origin, "rule-shape", "'award' needs 'count' (the number of occurrences)", "award")
            if rule.dimension is not None:
                self.error(origin, "rule-shape", "bonus points go to the pack's bonus pool, not a dimension",
                           "dimension")
        elif kind == "penalty":
            if rule.deduct is None:
                self.error(origin, "rule-shape", "a penalty rule needs 'deduct: {count, per, cap}'", key=True)
            elif rule.deduct.count is None and not (rule.for_each and rule.trigger):
                self.error(origin, "rule-shape", "'deduct' needs 'count', or for_each with 'trigger'", "deduct")
            if rule.points is not None:
                self.error(origin, "rule-shape", "a penalty rule deducts 'per' occurrence; it has no 'points'",
                           "points")
        elif kind == "veto":
            if rule.trigger is None or rule.severity is None:
                self.error(origin, "rule-shape", "a veto rule needs 'trigger' and 'severity' (fail or no_award)",
                           key=True)
            if rule.points is not None:
                self.error(origin, "rule-shape", "a veto has no points", "points")
        if rule.severity is not None and kind != "veto":
            self.error(origin, "rule-shape", "'severity' belongs to veto rules", "severity")
        if rule.dimension is not None and rule.dimension not in dimension_ids:
            self.error(origin, "rule-dimension", f"unknown dimension '{rule.dimension}'", "dimension",
                       hint=did_you_mean(rule.dimension, dimension_ids))
        for key in ("where", "roll_up", "min_share", "bands"):
            if getattr(rule, key) is not None and rule.for_each is None:
                self.error(origin, "rule-shape", f"'{key}' belongs to for_each rules", key, key=True)
        if rule.min_share is not None and rule.roll_up not in (None, "all", "share"):
            self.error(origin, "rule-shape", "'min_share' applies to roll_up all or share", "min_share")

    def check_citations(self, rule: Rule, origin: Origin) -> None:
        sources = {source.id for source in self.raw.meta.sources}
        cited = origin.child("cite")  # an overlay may have replaced the citations
        single = cited.source is not None and cited.source.keys_at(cited.path)
        for index, citation in enumerate(rule.cite):
            if citation.source not in sources:
                where = ("cite", "source") if single else ("cite", index, "source")
                self.error(origin, "rule-citation", f"unknown source '{citation.source}'", *where,
                           hint=did_you_mean(citation.source, sources) or "declare it under pack.sources")

    def template(self, text, origin: Origin, list_path: str | None, *, rule_symbols: bool = False) -> Template | None:
        extra = {name: Symbol("rule", name, value_type) for name, value_type in RULE_SYMBOLS.items()} \
            if rule_symbols else None
        parts: dict[str, list] = {}
        ok = True
        for lang in ("zh", "en"):
            value = text.get(lang)
            sub = origin.child(lang) if origin.source is not None and origin.source.value(
                origin.path + (lang,)) is not None else origin
            try:
                pieces = parse_template(value)
            except ExprError as exc:
                self.expr_error(sub, (), exc)
                ok = False
                continue
            compiled: list = []
            for piece in pieces:
                if isinstance(piece, str):
                    compiled.append(piece)
                    continue
                source_text, fmt, offset = piece
                try:
                    tree = parse(source_text)
                except ExprError as exc:
                    exc.start += offset
                    self.expr_error(sub, (), exc)
                    ok = False
                    continue
                _shift(tree, offset)
                expr = self.check_expr(tree, source_text, sub, list_path, "a placeholder", extra_symbols=extra)
                if expr is None:
                    ok = False
                    continue
                compiled.append((expr, fmt))
            parts[lang] = compiled
        return Template(text, parts) if ok else None

    # -- chaining -----------------------------------------------------------------
    def assign_strata(self, rules: list[RuleSpec]) -> None:
        """Rules that read met('X') run after X: stratum = 1 + the strata they read."""
        by_id = {rule.id: rule for rule in rules}
        done: dict[str, int] = {}
        visiting: set[str] = set()

        def stratum(rule: RuleSpec, trail: list[str]) -> int:
            if rule.id in done:
                return done[rule.id]
            if rule.id in visiting:
                cycle = trail[trail.index(rule.id):] + [rule.id]
                self.error(rule.origin, "pack-cycle", "rules depend on each other through met(): "
                           + " → ".join(cycle), "id")
                return 0
            visiting.add(rule.id)
            level = 0
            for dep in sorted(rule.depends_on):
                if dep in by_id:
                    level = max(level, stratum(by_id[dep], trail + [rule.id]) + 1)
            visiting.discard(rule.id)
            done[rule.id] = level
            return level

        for rule in rules:
            rule.stratum = stratum(rule, [])


def _param_type(decl: ParamDecl) -> T.Type:
    fake = InputDecl(type=decl.type, values=decl.values, items=decl.items)
    return expr_type(fake)


def _want_word(want: T.Type) -> str:
    return {"boolean": "a condition (true or false)", "number": "a number"}.get(str(want), str(want))


def _paths(tree):
    return [node for node in ast.walk(tree) if isinstance(node, ast.Path)]


def _derived_deps(tree, parsed: dict, list_path: str | None = None) -> list[str]:
    """Names of other derived values an expression reads (before type checking)."""
    deps = []
    for node in _paths(tree):
        name = node.dotted
        if name in parsed:
            deps.append(name)
        elif list_path and f"{list_path}.{name}" in parsed:
            deps.append(f"{list_path}.{name}")
        else:
            for other, (_, _, other_list, field) in parsed.items():
                if other_list and field == name and other_list != list_path:
                    # a per-element value read inside count(list, ...) of its own list
                    deps.append(other)
    return deps


def _shift(tree, offset: int) -> None:
    for node in ast.walk(tree):
        node.start += offset
        node.end += offset
        if isinstance(node, ast.Binary):
            node.op_start += offset
        if isinstance(node, ast.Call):
            node.name_end += offset


def build_pack(raw: RawPack, overrides: dict[str, Any] | None = None) -> Pack:
    return _Builder(raw, dict(overrides or {})).build()


def load_pack(path: str | Path, overrides: dict[str, Any] | None = None) -> Pack:
    """Read, validate and check a pack directory; raises PackError with every problem found."""
    return build_pack(read_pack_dir(path), overrides)
