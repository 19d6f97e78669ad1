"""Warnings an author needs beyond what makes a pack invalid.

A pack that loads is runnable; these checks point at what is probably not
what the author meant: weights that do not add up, grades no profile can
reach, rules no case tests, inputs no rule reads, parameters left null (and
the rules they switch off), quotes that are not in their source. Each is a
`warning` with a stable code and the position of the part concerned; a
source file that cannot be found is an `info` (its quotes are not checked).
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from engine.authoring.casecheck import case_problems
from engine.authoring.quotecheck import quote_problems
from engine.errors import INFO, WARNING, Diagnostic
from engine.expr import ast
from engine.pack.model import Pack, RelationSpec, RuleSpec
from engine.pack.origins import Origin, diagnostic_at
from engine.pack.schema import quota_parameter

DEFAULT_TOTAL = Decimal(100)


def authoring_warnings(pack: Pack) -> list[Diagnostic]:
    found: list[Diagnostic] = []
    for check in (weight_problems, unreachable_grades, unread_names, unset_parameters, quote_problems,
                  case_problems):
        found += check(pack)
    return found


def _num(value: Decimal) -> str:
    text = format(Decimal(value).normalize(), "f")
    return text


# -- weights and points ----------------------------------------------------------------------

def weight_problems(pack: Pack) -> list[Diagnostic]:
    found = []
    total = pack.scoring.total or DEFAULT_TOTAL
    weights = pack.total_weight
    first = pack.dimension_origins.get(pack.dimensions[0].id) if pack.dimensions else None
    if weights != total:
        said = "scoring.total" if pack.scoring.total is not None else "the usual total of 100"
        found.append(diagnostic_at(first, WARNING, "weights-total",
                         f"the dimension weights add up to {_num(weights)}, not {_num(total)} ({said})",
                         "weight", hint="change a weight, or state the sheet's total with 'scoring: {total: …}'"))
    for dimension in pack.dimensions:
        items = [r for r in pack.rules if r.kind == "item" and r.dimension == dimension.id]
        if not items:
            found.append(diagnostic_at(pack.dimension_origins.get(dimension.id), WARNING, "dimension-empty",
                             f"dimension {dimension.id} has no item rules: it is left out of every total", "id"))
            continue
        points = sum((r.max_points for r in items), Decimal(0))
        # an included block's points are its own pack's: they are scaled to this dimension's weight by design
        if points != dimension.weight and dimension.include is None:
            found.append(diagnostic_at(pack.dimension_origins.get(dimension.id), WARNING, "points-weight",
                             f"the rules of {dimension.id} carry {_num(points)} points but the dimension weighs "
                             f"{_num(dimension.weight)}; scores are scaled to the weight", "weight",
                             hint="rules: " + ", ".join(r.id for r in items[:12]) + (" …" if len(items) > 12 else "")))
    return found


def max_bonus(pack: Pack) -> Decimal | None:
    """Most bonus points a profile can earn; None when no bound is known."""
    bonus_rules = [r for r in pack.rules if r.kind == "bonus"]
    known = True
    total = Decimal(0)
    for rule in bonus_rules:
        if rule.award is not None and not isinstance(rule.award.cap, Decimal):
            known = False
        total += rule.max_points
    cap = pack.scoring.bonus_cap
    if cap is not None:
        return min(cap, total) if known else cap
    return total if known else None


def unreachable_grades(pack: Pack) -> list[Diagnostic]:
    found = []
    bonus = max_bonus(pack)
    highest = None if bonus is None else pack.total_weight + bonus
    for index, grade in enumerate(pack.grades):
        low_key = "at_least" if grade.at_least is not None else ("above" if grade.above is not None else None)
        low = getattr(grade, low_key) if low_key else None
        if low is not None and highest is not None and (low > highest or (low_key == "above" and low >= highest)):
            found.append(diagnostic_at(pack.scoring_origin, WARNING, "grade-unreachable",
                             f"grade '{grade.id}' needs a total {'of at least' if low_key == 'at_least' else 'above'} "
                             f"{_num(low)}, but the most a profile can reach is {_num(highest)}",
                             "grades", index, str(low_key),
                             hint="dimension weights plus the bonus a profile can earn"))
        high_key = "below" if grade.below is not None else ("at_most" if grade.at_most is not None else None)
        high = getattr(grade, high_key) if high_key else None
        if high is not None and (high < 0 or (high_key == "below" and high <= 0)):
            found.append(diagnostic_at(pack.scoring_origin, WARNING, "grade-unreachable",
                             f"grade '{grade.id}' needs a total {'below' if high_key == 'below' else 'of at most'} "
                             f"{_num(high)}, but totals are never below 0", "grades", index, str(high_key)))
    return found


# -- names nobody reads --------------------------------------------------------------------------

def expression_reads(tree: ast.Node) -> set[str]:
    """Inputs, derived values and element fields (as LIST.FIELD) an expression reads."""
    names = set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.Path) or node.ref is None:
            continue
        ref = node.ref
        if ref.kind in ("input", "derived"):
            names.add(ref.name)
        elif ref.kind == "field" and ref.list_path:
            names.add(ref.list_path)
            names.add(f"{ref.list_path}.{ref.name}")
    return names


def rule_reads(rule: RuleSpec) -> set[str]:
    names = {rule.for_each} if rule.for_each else set()
    for expr in rule.expressions():
        names |= expression_reads(expr.tree)
    return names


def pack_reads(pack: Pack, rules: list[RuleSpec] | None = None) -> set[str]:
    """Everything the rules (all, or those given) read, directly or through derived values."""
    derived = {spec.name: expression_reads(spec.expr.tree) | ({spec.list_path} if spec.list_path else set())
               for spec in pack.derived}
    derived |= {"params." + name: {spec.table.by} for name, spec in pack.params.items() if spec.table is not None}
    seen: set[str] = set()
    todo = [name for rule in (pack.rules if rules is None else rules) for name in rule_reads(rule)]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        todo.extend(derived.get(name, ()))
    return seen


def params_read(pack: Pack) -> set[str]:
    used: set[str] = set()
    for rule in pack.rules:
        for expr in rule.expressions():
            used |= expr.params
    limits = [q.at_most if q.at_most is not None else q.at_least for q in pack.scoring.quotas or []]
    limits += [q.at_most for q in pack.scoring.grade_quotas or []]
    for limit in limits:  # a quota's limit may be a parameter (params.NAME)
        name = quota_parameter(limit) if limit is not None else None
        if name is not None:
            used.add(name)
    return used


def _own_origin_file(pack: Pack, origin: Origin) -> bool:
    """Declared by this pack itself (not by the base of an overlay)."""
    if pack.base is None:
        return True
    try:
        return Path(origin.file).resolve().is_relative_to(Path(pack.root).resolve())
    except (OSError, ValueError):
        return False


def unread_inputs(pack: Pack) -> list[str]:
    """The inputs no rule reads, directly, in its texts or through derived values: a profile gives them for
    information only (a relation may check them, but they change no score). An input the pack's grade quotas
    group profiles by (a street) is read."""
    read = pack_reads(pack) | {q.per for q in pack.scoring.grade_quotas or [] if q.per is not None}
    return [path for path in pack.inputs if path not in read]


def _only_readers(pack: Pack, path: str) -> str:
    """Who reads an input no rule reads, said after 'is read by no rule' (or nothing)."""
    derived = [spec.name for spec in pack.derived
               if path in expression_reads(spec.expr.tree) or path == spec.list_path]
    if derived:
        names = ", ".join(f"'{name}'" for name in derived)
        return f" (only derived value {names} reads it, and no rule reads that)" if len(derived) == 1 else \
            f" (only derived values {names} read it, and no rule reads those)"
    if any(path in relation_inputs(relation) for relation in pack.relations):
        return " (only a relation checks it; it changes no score)"
    return ""


def relation_inputs(relation: RelationSpec) -> set[str]:
    """The inputs a relation names: values of the profile, or LIST.FIELD."""
    names = set(relation.left) | {relation.right}
    if relation.list_path is None:
        return names
    return {relation.list_path} | {f"{relation.list_path}.{name}" for name in names}


def unread_names(pack: Pack) -> list[Diagnostic]:
    """Names nobody reads. In an overlay, the base's names left unread (by a disabled rule) are notes:
    the overlay cannot remove them."""
    found = []
    read = pack_reads(pack)

    def report(origin: Origin, code: str, what: str, *, key: bool = False, hint: str | None = None,
               why: str = "") -> None:
        if _own_origin_file(pack, origin):
            found.append(diagnostic_at(origin, WARNING, code, f"{what} is read by no rule{why}", key=key, hint=hint))
        else:
            found.append(diagnostic_at(origin, INFO, code,
                                       f"{what} of the base pack is read by no rule of this overlay", key=key))

    for path in unread_inputs(pack):
        report(pack.inputs[path].origin, "input-unread", f"input '{path}'", key=True,
               hint="use it in a rule, or remove it so profiles are not asked for it (profile templates "
                    "mark it as for information only)", why=_only_readers(pack, path))
    for derived in pack.derived:
        if derived.name not in read:
            report(derived.expr.origin, "derived-unread", f"derived value '{derived.name}'")
    used = params_read(pack)
    for name, param in pack.params.items():
        if name not in used:
            report(param.origin, "param-unread", f"parameter '{name}'", key=True)
    return found


def unset_parameters(pack: Pack) -> list[Diagnostic]:
    found = []
    for name, spec in pack.params.items():
        if spec.value is not None:
            continue
        rules = [rule.id for rule in pack.rules if name in rule.unset_params]
        if not rules:
            continue  # reported as unread
        found.append(diagnostic_at(spec.origin, WARNING, "param-unset",
                         f"parameter '{name}' is not set (null): {len(rules)} rule(s) are not assessed until it is: "
                         + ", ".join(rules), "default",
                         hint=f"set it per run (--set {name}=…) or in an overlay (overrides: {{parameters: "
                              f"{{{name}: …}}}})"))
    return found
