"""Merge an overlay into its base: additions, `overrides`, and a record of every change.

The result is one RawPack that `pack.build` checks like any other. Problems
(a change to a rule the base does not have, a disabled rule another rule
reads with met(), …) are kept in `problems` with the overlay's positions and
raised by the builder together with its own.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from pydantic import ValidationError

from engine.errors import DiagnosticSink, did_you_mean
from engine.expr import ast
from engine.expr.errors import ExprError
from engine.expr.parser import parse
from engine.pack.layers import Change, Layer, shown
from engine.pack.origins import (
    DataPath,
    LayeredOrigin,
    Origin,
    RenamedOrigin,
    error_at,
    layered_origin,
    routed_origin,
)
from engine.pack.paramtables import band_label
from engine.pack.raw import RawPack
from engine.pack.schema import (
    BandQuota,
    DerivedDecl,
    DerivedPatch,
    Dimension,
    Grade,
    GradeQuota,
    InputDecl,
    InputPatch,
    OccurrencePatch,
    PackMeta,
    ParamBand,
    ParamDecl,
    ParamPatch,
    PerOccurrence,
    Relation,
    Rule,
    RulePatch,
    Scoring,
    Tier,
    has_key,
)

RULE_EXPRESSION_KEYS = ("applies_when", "where", "require", "partial", "trigger")
Part = TypeVar("Part")


def merge(base: RawPack, overlay: RawPack) -> RawPack:
    """The base with the overlay's additions and overrides. Problems are kept in `problems` and
    raised when the pack is built, together with the builder's own (a change in error is left out)."""
    merger = _Merger(base, overlay)
    merged = merger.run()
    merged.problems = base.problems + overlay.problems + merger.sink.items
    merged.unchecked.update(base.unchecked)
    merged.unchecked.update(overlay.unchecked)
    return merged


class _Merger:
    def __init__(self, base: RawPack, overlay: RawPack):
        self.base = base
        self.overlay = overlay
        self.sink = DiagnosticSink()
        self.changes: list[Change] = []

    def run(self) -> RawPack:
        base, overlay = self.base, self.overlay
        merged = RawPack(root=overlay.root)
        merged.extends = overlay.extends
        merged.meta = self.meta()
        merged.meta_origin = overlay.meta_part()[1]
        merged.scoring, merged.scoring_origin = self.scoring()
        merged.dimensions = self.dimensions()
        merged.parameters = self.parameters()
        merged.inputs = self.inputs()
        merged.derived = self.derived()
        merged.rules = self.rules()
        merged.relations = base.relations + self.added_relations()
        merged.units = self.added(base.units, overlay.units, "unit list", hint="give the list another name")
        merged.files = base.files + overlay.files
        merged.paths = base.paths + overlay.paths
        merged.warnings = base.warnings + overlay.warnings
        merged.layers = base.layers + [Layer(merged.meta.id, merged.meta.version, overlay.root)]
        merged.changes = self.changes
        return merged

    # -- pack metadata and sources -------------------------------------------------------------
    def meta(self) -> PackMeta:
        base = self.base.meta_part()[0]
        overlay, overlay_origin = self.overlay.meta_part()
        known = {source.id for source in base.sources}
        for index, source in enumerate(overlay.sources):
            if source.id in known:
                error_at(self.sink, overlay_origin, ("sources", index, "id"), "pack-duplicate",
                         f"source '{source.id}' is already declared by the base pack", hint="use another id")
            else:
                self.changes.append(Change(f"source {source.id}", "added", None, source.title.zh,
                                           overlay_origin.child("sources", index)))
        return overlay.model_copy(update={
            "format": max(base.format, overlay.format),  # the format of the newest keys it holds
            "sources": list(base.sources) + [s for s in overlay.sources if s.id not in known],
            "description": overlay.description if overlay.description is not None else base.description,
            "defaults_note": overlay.defaults_note if overlay.defaults_note is not None else base.defaults_note,
        })

    # -- scoring -----------------------------------------------------------------------------
    def scoring(self) -> tuple[Scoring, Origin]:
        base, base_origin = self.base.scoring_part()
        if self.overlay.parts.scoring is None:
            return base, base_origin
        patch, origin = self.overlay.parts.scoring
        given = patch.model_dump(exclude_unset=True)
        data = base.model_dump(exclude_unset=True)  # a default written back would count as given (a quota's round)
        for key in given:
            value = getattr(patch, key)
            before = getattr(base, key)
            data[key] = value
            if key == "grades":
                self.changes.append(Change("scoring", "grades", _grades(before), _grades(value), origin.child(key)))
            elif key in ("quotas", "grade_quotas"):
                self.changes.append(Change("scoring", key, _quotas(before), _quotas(value), origin.child(key)))
            else:
                self.changes.append(Change("scoring", key, before, value, origin.child(key)))
        try:
            scoring = Scoring.model_validate(data)
        except ValidationError as exc:
            error_at(self.sink, origin, (), "pack-schema", f"the changed scoring is not valid: {_first(exc)}")
            return base, base_origin
        patched = tuple((key, origin) for key in given)
        return scoring, LayeredOrigin(base_origin.file, base_origin.source, base_origin.path, patched)

    # -- dimensions ----------------------------------------------------------------------------
    def dimensions(self) -> list[tuple[Dimension, Origin]]:
        patches = dict(self.overlay.parts.dimensions)
        out = []
        for dimension, origin in self.base.dimensions:
            found = patches.pop(dimension.id, None)
            if found is None:
                out.append((dimension, origin))
                continue
            patch, patch_origin = found
            given = patch.model_dump(exclude_unset=True)
            for key in given:
                self.changes.append(Change(f"dimension {dimension.id}", key, _text(getattr(dimension, key)),
                                           _text(getattr(patch, key)), patch_origin.child(key)))
            changed = Dimension.model_validate({**dimension.model_dump(), **{k: getattr(patch, k) for k in given}})
            out.append((changed, layered_origin(origin, patch_origin, given)))
        known = {d.id for d, _ in self.base.dimensions}
        for dim_id, (_, patch_origin) in patches.items():
            error_at(self.sink, patch_origin, (), "pack-overlay-unknown", f"the base pack has no dimension '{dim_id}'",
                     key=True, hint=did_you_mean(dim_id, known) or "declared: " + ", ".join(sorted(known)))
        for dimension, origin in self.overlay.dimensions:
            if dimension.id in known:
                error_at(self.sink, origin, ("id",), "pack-duplicate",
                         f"dimension '{dimension.id}' is already declared by the base pack",
                         hint=f"change it under overrides.dimensions.{dimension.id}")
                continue
            self.changes.append(Change(f"dimension {dimension.id}", "added", None,
                                       f"{dimension.title.zh}, weight {shown(dimension.weight)}", origin))
            out.append((dimension, origin))
        return out

    # -- parameters --------------------------------------------------------------------------
    def parameters(self) -> dict[str, tuple[ParamDecl, Origin]]:
        merged = self.added(self.base.parameters, self.overlay.parameters, "parameter",
                            hint="give it a new default under overrides.parameters")
        for name, (value, origin) in self.overlay.parts.parameters.items():
            if name not in merged:
                error_at(self.sink, origin, (), "pack-overlay-unknown", f"no parameter '{name}' to set", key=True,
                         hint=did_you_mean(name, merged) or "parameters: " + ", ".join(sorted(merged)))
                continue
            decl, decl_origin = merged[name]
            if isinstance(value, ParamPatch) and value.removed:
                del merged[name]
                self.changes.append(Change(f"parameter {name}", "removed", None, None, origin))
                continue
            if isinstance(value, ParamPatch):
                merged[name] = self.patched_param(name, decl, decl_origin, value, origin)
                continue
            self.changes.append(Change(f"parameter {name}", "default", decl.default, value, origin))
            patch_origin = Origin(origin.file, origin.source, origin.path[:-1])  # 'default' → the value
            merged[name] = (decl.model_copy(update={"default": value}),
                            LayeredOrigin(decl_origin.file, decl_origin.source, decl_origin.path,
                                          (("default", RenamedOrigin(patch_origin, name)),)))
        return merged

    def patched_param(self, name: str, decl: ParamDecl, decl_origin: Origin, patch: ParamPatch,
                      origin: Origin) -> tuple[ParamDecl, Origin]:
        """A parameter with the keys a mapping of `overrides.parameters` gives changed (format 2)."""
        given = [key for key in patch.model_dump(exclude_unset=True) if key != "removed"]
        for key in given:
            self.changes.append(Change(f"parameter {name}", key, _text(getattr(decl, key)), _text(getattr(patch, key)),
                                       origin.child(key)))
        try:  # the changed declaration must still be one (`rows` need `by`, …)
            changed = ParamDecl.model_validate({**decl.model_dump(exclude_unset=True),
                                                **{key: getattr(patch, key) for key in given}})
        except ValidationError as exc:
            error_at(self.sink, origin, (), "pack-schema", f"the changed parameter is not valid: {_first(exc)}")
            return decl, decl_origin
        return changed, layered_origin(decl_origin, origin, given)

    # -- inputs and derived values (format 2: changed as well as added) ------------------------------
    def inputs(self) -> dict[str, tuple[InputDecl, Origin]]:
        merged = dict(self.base.inputs)
        for name, (patch, origin) in self.overlay.parts.inputs.items():
            if name not in merged:
                error_at(self.sink, origin, (), "pack-overlay-unknown", f"the base pack has no input '{name}'",
                         key=True, hint=did_you_mean(name, merged))
                continue
            merged[name] = self.patched_input(name, *merged[name], patch, origin)
        for name, (decl, origin) in self.overlay.inputs.items():
            if self.input_clash(name, origin, merged):
                continue
            merged[name] = (decl, origin)
            self.changes.append(Change(f"input {name}", "added", None, None, origin))
        return merged

    def input_clash(self, name: str, origin: Origin, merged: Mapping[str, tuple[InputDecl, Origin]]) -> bool:
        """An added input whose name the base uses, or uses as a group or a value: an error at the overlay."""
        if name in merged:
            error_at(self.sink, origin, (), "pack-duplicate", f"input '{name}' is already declared by the base pack",
                     key=True, hint=f"change its texts or fields under overrides.inputs.{name} (format 2)")
            return True
        owner = next((other for other in merged if name.startswith(other + ".")), None)
        if owner is not None:
            field = name[len(owner) + 1:]
            items = merged[owner][0].items
            is_list = items is not None and items.type == "object"
            hint = (f"to add a field to the elements of '{owner}', write overrides: {{inputs: {{{owner}: "
                    f"{{add_fields: {{{field}: …}}}}}}}} (format 2)" if is_list else "declare it under another name")
            shape = "a list of objects" if is_list else "a value, not a group"
            error_at(self.sink, origin, (), "pack-input-shape", f"'{name}' is inside the base pack's input "
                     f"'{owner}', {shape}", key=True, hint=hint)
            return True
        inner = next((other for other in merged if other.startswith(name + ".")), None)
        if inner is not None:
            error_at(self.sink, origin, (), "pack-input-shape", f"input '{name}' is the group of the base pack's "
                     f"input '{inner}'", key=True, hint="a name is either a value or a group of values")
            return True
        return False

    def patched_input(self, name: str, decl: InputDecl, decl_origin: Origin, patch: InputPatch,
                      origin: Origin) -> tuple[InputDecl, Origin]:
        texts = [key for key in ("title", "description", "unit") if key in patch.model_fields_set]
        for key in texts:
            self.changes.append(Change(f"input {name}", key, _text(getattr(decl, key)), _text(getattr(patch, key)),
                                       origin.child(key)))
        changed = decl.model_copy(update={key: getattr(patch, key) for key in texts})
        routes: list[tuple[DataPath, Origin]] = [((key,), origin.child(key)) for key in texts]
        if patch.add_fields or patch.fields:
            items = decl.items
            if items is None or items.type != "object":
                section = "add_fields" if patch.add_fields else "fields"
                error_at(self.sink, origin, (section,), "pack-overlay-shape",
                         f"input '{name}' is not a list of objects", key=True,
                         hint="fields belong to the elements of a list of objects")
            else:
                fields, field_routes = self.patched_fields(name, dict(items.fields or {}), patch, origin)
                changed = changed.model_copy(update={"items": items.model_copy(update={"fields": fields})})
                routes += field_routes
        return changed, routed_origin(decl_origin, routes)

    def patched_fields(self, name: str, fields: dict[str, InputDecl], patch: InputPatch,
                       origin: Origin) -> tuple[dict[str, InputDecl], list[tuple[DataPath, Origin]]]:
        routes: list[tuple[DataPath, Origin]] = []
        for field, change in (patch.fields or {}).items():
            where = origin.child("fields", field)
            if field not in fields:
                error_at(self.sink, where, (), "pack-overlay-unknown", f"the elements of '{name}' have no field "
                         f"'{field}'", key=True, hint=did_you_mean(field, fields) or
                         "to add a field, declare it under add_fields")
                continue
            if change.removed:
                del fields[field]
                self.changes.append(Change(f"input {name}", f"field {field}", None, "removed", where))
                continue
            given = [key for key in ("title", "description", "unit") if key in change.model_fields_set]
            for key in given:
                self.changes.append(Change(f"input {name}", f"field {field} {key}", _text(getattr(fields[field], key)),
                                           _text(getattr(change, key)), where.child(key)))
            fields[field] = fields[field].model_copy(update={key: getattr(change, key) for key in given})
            routes += [(("items", "fields", field, key), where.child(key)) for key in given]
        for field, decl in (patch.add_fields or {}).items():
            where = origin.child("add_fields", field)
            if field in fields or any(other.startswith(field + ".") or field.startswith(other + ".")
                                      for other in fields):
                error_at(self.sink, where, (), "pack-duplicate", f"the elements of '{name}' already have a field "
                         f"'{field}'" if field in fields else f"field '{field}' clashes with the group of a field "
                         f"of '{name}'", key=True, hint="add a field under a name of its own; retitle one the base "
                         "declares under fields:")
                continue
            fields[field] = decl
            routes.append((("items", "fields", field), where))
            self.changes.append(Change(f"input {name}", f"field {field}", None, "added", where))
        return fields, routes

    def derived(self) -> dict[str, tuple[DerivedDecl, Origin]]:
        merged = dict(self.base.derived)
        for name, (patch, origin) in self.overlay.parts.derived.items():
            if name not in merged:
                error_at(self.sink, origin, (), "pack-overlay-unknown", f"the base pack has no derived value '{name}'",
                         key=True, hint=did_you_mean(name, merged) or "to add one, declare it under derived:")
                continue
            merged[name] = self.patched_derived(name, *merged[name], patch, origin)
        return self.added(merged, self.overlay.derived, "derived value",
                          hint="give it a new definition under overrides.derived (format 2)")

    def patched_derived(self, name: str, decl: DerivedDecl, decl_origin: Origin, patch: DerivedPatch,
                        origin: Origin) -> tuple[DerivedDecl, Origin]:
        given = list(patch.model_dump(exclude_unset=True))
        for key in given:
            self.changes.append(Change(f"derived value {name}", key, _short(_text(getattr(decl, key))),
                                       _short(_text(getattr(patch, key))), origin.child(key)))
        return decl.model_copy(update={key: getattr(patch, key) for key in given}), \
            routed_origin(decl_origin, [((key,), origin.child(key)) for key in given])

    def added(self, base: Mapping[str, tuple[Part, Origin]], overlay: Mapping[str, tuple[Part, Origin]], what: str,
              hint: str | None = None) -> dict[str, tuple[Part, Origin]]:
        merged = dict(base)
        for name, (value, origin) in overlay.items():
            if name in merged:
                error_at(self.sink, origin, (), "pack-duplicate", f"{what} '{name}' is already declared by the base "
                         "pack", key=True, hint=hint)
                continue
            merged[name] = (value, origin)
            self.changes.append(Change(f"{what} {name}", "added", None, None, origin))
        return merged

    def added_relations(self) -> list[tuple[Relation, Origin]]:
        """An overlay's relations are added to its base's (a relation has no id to change it by)."""
        for relation, origin in self.overlay.relations:
            shown = " ≤ ".join(path for _, path in relation.paths()) if relation.form != "sum" else \
                " + ".join(relation.parts or []) + f" = {relation.total}"
            self.changes.append(Change("relation", "added", None, shown, origin))
        return list(self.overlay.relations)

    # -- rules -------------------------------------------------------------------------------
    def rules(self) -> list[tuple[Rule, Origin]]:
        patches = dict(self.overlay.parts.rules)
        known = [rule.id for rule, _ in self.base.rules]
        out = []
        disabled: dict[str, Origin] = {}
        for rule, origin in self.base.rules:
            found = patches.pop(rule.id, None)
            if found is None:
                out.append((rule, origin))
                continue
            patch, patch_origin = found
            if patch.disabled:
                reason = patch.reason.zh if patch.reason is not None else None
                self.changes.append(Change(f"rule {rule.id}", "disabled", None, reason, patch_origin))
                disabled[rule.id] = patch_origin
                continue
            changed = self.patch_rule(rule, patch, patch_origin)
            given = [k for k in patch.model_dump(exclude_unset=True) if k not in ("disabled", "reason")]
            out.append((changed, layered_origin(origin, patch_origin, given)))
        for rule_id, (_, patch_origin) in patches.items():
            error_at(self.sink, patch_origin, (), "pack-overlay-unknown", f"the base pack has no rule '{rule_id}'",
                     key=True, hint=did_you_mean(rule_id, known))
        out += self.added_rules(set(known))
        for rule_id in self.disabled_dependencies(out, disabled):
            out.insert(known.index(rule_id), next(pair for pair in self.base.rules if pair[0].id == rule_id))
        return out

    def added_rules(self, known: set[str]) -> list[tuple[Rule, Origin]]:
        out = []
        for rule, origin in self.overlay.rules:
            if rule.id in known:
                error_at(self.sink, origin, ("id",), "pack-duplicate", f"rule id '{rule.id}' is already used by the "
                         "base pack", hint=f"change it under overrides.rules.{rule.id}, or disable it there and "
                         "add a rule with another id")
                continue
            where = getattr(rule, "dimension", None) or rule.kind
            points = getattr(rule, "points", None)
            points_text = f", {shown(points)} points" if points is not None else ""
            self.changes.append(Change(f"rule {rule.id}", "added", None, f"{where}{points_text}", origin))
            out.append((rule, origin))
        return out

    def patch_rule(self, rule: Rule, patch: RulePatch, origin: Origin) -> Rule:
        reason = patch.reason.zh if patch.reason is not None else None
        update: dict[str, Any] = {}
        for key in patch.model_dump(exclude_unset=True):
            if key not in ("disabled", "reason"):
                update.update(self.patched(rule, key, getattr(patch, key), origin, reason))
        if "effect" in update or "severity" in update:  # a veto says what it does once: the new word replaces
            update.setdefault("severity", None)
            update.setdefault("effect", None)
        return rule.model_copy(update=update)

    def patched(self, rule: Rule, key: str, value: Any, origin: Origin, reason: str | None) -> dict[str, Any]:
        """{key: new value} for one change of a rule, recorded; {} for a change in error (reported)."""
        if not has_key(rule, key):  # the patch is checked against the keys of the rule's kind
            message, hint = type(rule).unknown_key_note(key) or (f"rule {rule.id} has no '{key}'", None)
            error_at(self.sink, origin, (key,), "rule-shape", message, hint=hint)
            return {}
        before = getattr(rule, key)
        if key in ("deduct", "award"):
            return self.patched_occurrence(rule, key, before, value, origin, reason)
        if key == "tiers" and before is None:
            error_at(self.sink, origin, (key,), "pack-overlay-shape", f"rule {rule.id} does not score by tiers",
                     key=True, hint="disable it and add a rule of your own to change how it scores")
            return {}
        self.changes.append(Change(f"rule {rule.id}", key, _text(before), _text(value), origin.child(key), reason))
        return {key: value}

    def patched_occurrence(self, rule: Rule, key: str, before: PerOccurrence | None, patch: OccurrencePatch,
                           origin: Origin, reason: str | None) -> dict[str, Any]:
        """A rule's `deduct` or `award` with the keys the patch gives changed."""
        if before is None:
            error_at(self.sink, origin, (key,), "pack-overlay-shape", f"rule {rule.id} has no '{key}' to change",
                     key=True)
            return {}
        changes = {k: getattr(patch, k) for k in patch.model_dump(exclude_unset=True)}
        try:
            value = PerOccurrence.model_validate({**before.model_dump(), **changes})
        except ValidationError as exc:
            error_at(self.sink, origin, (key,), "pack-schema", f"{key}: {_first(exc)}")
            return {}
        for sub, new in changes.items():
            self.changes.append(Change(f"rule {rule.id}", f"{key}.{sub}", getattr(before, sub), new,
                                       origin.child(key, sub), reason))
        return {key: value}

    def disabled_dependencies(self, rules: list[tuple[Rule, Origin]], disabled: dict[str, Origin]) -> list[str]:
        """Disabled rules that a remaining rule reads with met(): errors (and kept, so nothing else fails)."""
        needed: set[str] = set()
        for rule, _ in rules:
            for rule_id in sorted(_met_ids(rule) & set(disabled)):
                needed.add(rule_id)
                error_at(self.sink, disabled[rule_id], (), "pack-overlay-dependency",
                         f"rule {rule_id} cannot be disabled: rule {rule.id} reads met('{rule_id}')", key=True,
                         hint=f"disable {rule.id} too, or keep {rule_id}")
        return sorted(needed, key=[r.id for r, _ in self.base.rules].index)


def _grades(grades: list[Grade]) -> str:
    def low(grade: Grade) -> str:
        if grade.at_least is not None:
            return f" ≥ {shown(grade.at_least)}"
        return f" > {shown(grade.above)}" if grade.above is not None else ""

    return " / ".join(grade.id + low(grade) for grade in grades)


def _quotas(quotas: list[BandQuota] | list[GradeQuota] | None) -> str:
    """A list of quotas as `pack check` shows a change of it: `R2.staff excellent ≤ 20%; excellent ≤ 2`."""
    def one(quota: BandQuota | GradeQuota) -> str:
        if isinstance(quota, GradeQuota):
            return f"{quota.grade} ≤ {quota.at_most}"
        bound = f"≤ {quota.at_most}" if quota.at_most is not None else f"≥ {quota.at_least}"
        return f"{quota.rule} {quota.band} {bound}"

    return "; ".join(one(quota) for quota in quotas or []) or "none"


def _met_ids(rule: Rule) -> set[str]:
    """The rules a rule reads with met('ID'), from its expressions' text."""
    texts: list[str | None] = [getattr(rule, key, None) for key in RULE_EXPRESSION_KEYS]
    tiers: list[Tier] = getattr(rule, "tiers", None) or []
    texts += [tier.when for tier in tiers]
    texts += [band.when for band in rule.bands or []]
    texts += [note.when for note in rule.notes or []]
    found = set()
    for text in texts:
        if not text:
            continue
        try:
            tree = parse(text)
        except ExprError:
            continue  # reported when the pack is built
        found |= {name for name in map(_met_argument, ast.walk(tree)) if name is not None}
    return found


def _met_argument(node: ast.Node) -> str | None:
    if isinstance(node, ast.Call) and node.name == "met" and node.args:
        first = node.args[0]
        if isinstance(first, ast.Literal) and isinstance(first.value, str):
            return first.value
    return None


def _first(exc: ValidationError) -> str:
    item = exc.errors(include_url=False)[0]
    where = ".".join(str(p) for p in item.get("loc", ()))
    return f"{where}: {item.get('msg', 'invalid')}".removeprefix(": ")


def _short(value: Any, width: int = 100) -> Any:
    """A long text (an expression over several lines) on one line, cut at `width` characters."""
    if not isinstance(value, str):
        return value
    flat = " ".join(value.split())
    return flat if len(flat) <= width else flat[:width - 1] + "…"


def _text(value: Any) -> Any:
    """A changed value as a change shows it: texts in Chinese, tiers by their points, citations by source, the
    rows and bands of a parameter by the profile."""
    if hasattr(value, "zh") and hasattr(value, "en"):
        return value.zh
    if hasattr(value, "cap_at") or hasattr(value, "until"):  # a veto's effect or period (format 2)
        return f"cap_at {value.cap_at}" if hasattr(value, "cap_at") else value.until
    if isinstance(value, dict):
        return "; ".join(f"{key} {shown(row)}" for key, row in value.items())
    if isinstance(value, list) and value and isinstance(value[0], ParamBand):
        return "; ".join(f"{band_label(band).zh} {shown(band.value)}" for band in value)
    if isinstance(value, list) and value and hasattr(value[0], "when") and hasattr(value[0], "text"):
        return "; ".join(note.text.zh for note in value)  # notes
    if isinstance(value, list) and value and hasattr(value[0], "when"):
        return " / ".join(shown(tier.points) if tier.points is not None else
                          f"{shown(tier.credit * 100)}% of the points" for tier in value)
    if isinstance(value, list) and value and hasattr(value[0], "quote"):
        return "; ".join(f"{c.source}: {c.quote}" for c in value)
    if isinstance(value, list) and value and hasattr(value[0], "zh"):
        return "; ".join(t.zh for t in value)
    return value


__all__ = ["Change", "merge"]
