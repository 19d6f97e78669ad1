"""What a pack's quotas (format 2) must name, checked when the pack is built, each problem at its key.

Band quotas (`scoring.quotas`): a for_each rule with bands, one of its bands with a band to move to, a base
the rule can count, a number of each element to rank by, a field of each element to group by (`per`).
Grade quotas (`scoring.grade_quotas`): a grade above the lowest, a base of grades, an input with one value
to group profiles by. Either limit may be a percent or integer parameter.

Band quotas are applied after evaluation (engine/evaluation/band_quotas.py), grade quotas after a batch is
ranked (engine/batch/ranking.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import NamedTuple

from engine.expr import types as T
from engine.pack.model import InputSpec, ParamSpec, RuleSpec
from engine.pack.schema import BandQuota, Grade, GradeQuota, quota_parameter

BASE_WORDS = ("all", "passed")  # a base that is neither names a band
GRADE_BASES = ("all", "graded", "passed")  # a grade quota's base that is none of these names a grade
LIMIT_TYPES = ("percent", "integer")  # a share of the base, or a number of elements


class QuotaProblem(NamedTuple):
    message: str
    at: tuple[str | int, ...]  # under scoring.quotas
    hint: str | None = None


def quota_problems(quotas: list[BandQuota], rules: list[RuleSpec], inputs: dict[str, InputSpec],
                   rule_ids: list[str], params: dict[str, ParamSpec]) -> list[QuotaProblem]:
    """Every problem of the quotas; a quota naming a rule that failed to build is left to that rule's errors."""
    built = {rule.id: rule for rule in rules}
    problems: list[QuotaProblem] = []
    for index, quota in enumerate(quotas):
        key = "at_most" if quota.at_most is not None else "at_least"
        limit = quota.at_most if quota.at_most is not None else quota.at_least
        problems += [QuotaProblem(message, (index, *at), hint) for message, at, hint in
                     _limit_problems(key, limit, params)]
        rule = built.get(quota.rule)
        if rule is None:
            if quota.rule not in rule_ids:
                problems.append(QuotaProblem(f"no rule '{quota.rule}'", (index, "rule"), _with_bands(rules)))
            continue
        problems += [QuotaProblem(message, (index, *at), hint) for message, at, hint in _problems(quota, rule, inputs)]
    return problems


def _with_bands(rules: list[RuleSpec]) -> str:
    names = [rule.id for rule in rules if rule.bands]
    return "rules with bands: " + ", ".join(names) if names else "a quota applies to a for_each rule with 'bands'"


def _problems(quota: BandQuota, rule: RuleSpec, inputs: dict[str, InputSpec]) -> Iterator[QuotaProblem]:
    if rule.for_each is None or not rule.bands:
        yield QuotaProblem(f"rule '{rule.id}' has no bands to apply a quota to", ("rule",),
                           "a quota applies to a for_each rule with 'bands'")
        return
    bands = [band.id for band in rule.bands]
    if quota.band not in bands:
        yield QuotaProblem(f"rule '{rule.id}' has no band '{quota.band}'", ("band",), "bands: " + ", ".join(bands))
    elif quota.at_most is not None and quota.band == bands[-1]:
        yield QuotaProblem(f"'{quota.band}' is the last band of '{rule.id}': there is no band to move down to",
                           ("at_most",))
    elif quota.at_least is not None and quota.band == bands[0]:
        yield QuotaProblem(f"'{quota.band}' is the first band of '{rule.id}': 'at_least' moves elements down into "
                           "it from the bands above, and there are none", ("at_least",))
    if quota.base not in BASE_WORDS and quota.base not in bands:
        yield QuotaProblem(f"base '{quota.base}' is neither all, passed nor a band of '{rule.id}'", ("base",),
                           "bands: " + ", ".join(bands))
    elif quota.base == "passed" and rule.require is None:
        yield QuotaProblem(f"base 'passed' counts the elements that meet the rule's 'require', and '{rule.id}' has "
                           "none", ("base",))
    yield from _order_problems(quota, rule.for_each, inputs)
    yield from _group_problems(quota, rule.for_each, inputs)


def grade_quota_problems(quotas: list[GradeQuota], grades: list[Grade], inputs: dict[str, InputSpec],
                         params: dict[str, ParamSpec]) -> list[QuotaProblem]:
    """Every problem of the grade quotas (`scoring.grade_quotas`), at their keys."""
    problems: list[QuotaProblem] = []
    for index, quota in enumerate(quotas):
        problems += [QuotaProblem(message, (index, *at), hint) for message, at, hint in
                     _grade_problems(quota, [grade.id for grade in grades], inputs)]
        problems += [QuotaProblem(message, (index, *at), hint) for message, at, hint in
                     _limit_problems("at_most", quota.at_most, params)]
    return problems


def _grade_problems(quota: GradeQuota, ids: list[str], inputs: dict[str, InputSpec]) -> Iterator[QuotaProblem]:
    if quota.grade not in ids:
        yield QuotaProblem(f"no grade '{quota.grade}'", ("grade",), "grades: " + ", ".join(ids))
    elif quota.grade == ids[-1]:
        yield QuotaProblem(f"'{quota.grade}' is the lowest grade: there is no grade to move down to", ("grade",))
    if quota.base not in GRADE_BASES and quota.base not in ids:
        yield QuotaProblem(f"base '{quota.base}' is neither all, graded, passed nor a grade", ("base",),
                           "grades: " + ", ".join(ids))
    single = [path for path, spec in inputs.items() if spec.decl.type not in ("list", "object")]
    if quota.per is not None and quota.per not in single:
        yield QuotaProblem(f"'{quota.per}' is not an input with one value to group profiles by", ("per",),
                           "inputs with one value: " + ", ".join(single))


def _limit_problems(key: str, limit: str | int | None, params: dict[str, ParamSpec]) -> Iterator[QuotaProblem]:
    """A limit that names a parameter names a percent (a share) or an integer (a count) of the pack."""
    name = quota_parameter(limit) if limit is not None else None
    if name is None:
        return
    spec = params.get(name)
    if spec is None:
        known = [n for n, p in params.items() if p.decl.type in LIMIT_TYPES]
        yield QuotaProblem(f"no parameter '{name}'", (key,), "percent or integer parameters: " + ", ".join(known)
                           if known else "declare it under parameters: (type: percent or integer, default: null)")
    elif spec.decl.type not in LIMIT_TYPES:
        yield QuotaProblem(f"parameter '{name}' is a {spec.decl.type}: a quota's limit is a percent (a share) or an "
                           "integer (a number of elements)", (key,))


def _element_fields(list_path: str, inputs: dict[str, InputSpec]) -> tuple[tuple[str, T.Type], ...]:
    item = inputs[list_path].type
    return item.item.fields if isinstance(item, T.ListType) and isinstance(item.item, T.ObjectType) else ()


def _group_problems(quota: BandQuota, list_path: str, inputs: dict[str, InputSpec]) -> Iterator[QuotaProblem]:
    """`per` is a field of each element holding one value (a text, a choice, a number, a date)."""
    if quota.per is None:
        return
    fields = [name for name, kind in _element_fields(list_path, inputs)
              if not isinstance(kind, (T.ListType, T.ObjectType))]
    if quota.per not in fields:
        yield QuotaProblem(f"'{quota.per}' is not a field of each element of {list_path} to group by", ("per",),
                           f"fields of each element of {list_path}: " + ", ".join(fields))


def _order_problems(quota: BandQuota, list_path: str, inputs: dict[str, InputSpec]) -> Iterator[QuotaProblem]:
    """`order_by` is a number of each element: a field, or a value derived for each element."""
    numbers = [name for name, kind in _element_fields(list_path, inputs) if T.is_numeric(kind)]
    if quota.order_by not in numbers:
        hint = f"numbers of each element of {list_path}: " + ", ".join(numbers) if numbers else \
            f"the elements of {list_path} have no number: add one, or a derived value '{list_path}.NAME'"
        yield QuotaProblem(f"'{quota.order_by}' is not a number of each element of {list_path}", ("order_by",), hint)
