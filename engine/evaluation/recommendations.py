"""Recommendations ranked by recoverable points, and the path to the next grade.

A recommendation says, in neutral procedural words, what is missing or short
and by how much (the rule's own template, filled with the profile's actual
values) and how many points of the total meeting it would recover. The path
to the next grade is the smallest set of unmet items whose points lift the
total over the next grade's bound and its per-dimension minimums; taking the
largest recoverable items first gives the fewest items.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from engine.evaluation.context import Context
from engine.evaluation.findings import MISSING_DATA, NOT_MET, PARTLY, Finding
from engine.evaluation.scoring import Scorecard, _round, dimension_shortfalls, lower_bound_met
from engine.pack.model import Expr, Pack, RuleSpec, Template
from engine.pack.schema import Grade
from engine.pack.templates import format_value

ZERO = Decimal(0)
Gain = tuple[Finding, Decimal]  # an unmet rule and the points of the total meeting it would add


@dataclass
class Recommendation:
    finding: Finding
    text: dict[str, str]
    recoverable: Decimal


@dataclass
class NextGrade:
    target_index: int
    gap: Decimal
    reachable: bool
    blocked_by: list[str] = field(default_factory=list)  # reason codes
    items: list[Gain] = field(default_factory=list)
    total_after: Decimal = ZERO


def render(template: Template, lang: str, context: Context, subject: int | None = None,
           extra: dict[str, Any] | None = None) -> str:
    pieces = []
    saved = {}
    if extra:
        for key, value in extra.items():
            saved[key] = context.values.get(key)
            context.values[key] = value
    try:
        for part in template.parts.get(lang) or template.parts.get("zh") or []:
            if isinstance(part, str):
                pieces.append(part)
                continue
            expr, fmt = part
            value = context.evaluate(expr, subject).value
            pieces.append(format_value(value, fmt, lang, percent_hint=_is_percent(expr, context.pack)))
    finally:
        for key, value in saved.items():
            if value is None:
                context.values.pop(key, None)
            else:
                context.values[key] = value
    return "".join(pieces)


def _is_percent(expr: Expr, pack: Pack) -> bool:
    """A bare reference to a percent input or derived value is shown as a percentage."""
    from engine.expr import ast

    tree = expr.tree
    if isinstance(tree, ast.Path) and tree.ref is not None:
        spec = pack.inputs.get(tree.ref.name)
        if spec is not None:
            return spec.display_format == "percent"
        for derived in pack.derived:
            if derived.name == tree.ref.name or (derived.field == tree.ref.name and derived.list_path):
                return derived.format == "percent"
    return False


def input_label(pack: Pack, path: str, lang: str) -> str:
    """An input as officials know it: its title, with the path to find it in the profile."""
    title = None
    spec = pack.inputs.get(path)
    if spec is not None and spec.decl.title is not None:
        title = spec.decl.title.get(lang)
    elif "[]." in path:
        list_path, field = path.split("[].", 1)
        spec = pack.inputs.get(list_path)
        fields = (spec.decl.items.fields or {}) if spec is not None and spec.decl.items is not None else {}
        field_title = fields[field].title if field in fields else None
        if field_title is not None:
            title = field_title.get(lang)
    elif path.startswith("period."):
        title = "考核期" if lang == "zh" else "assessment period"
        path = "profile.year"
    if title is None:
        return path
    return f"{title}（{path}）" if lang == "zh" else f"{title} ({path})"


def default_text(finding: Finding, recoverable: Decimal, pack: Pack, lang: str) -> str:
    """The recommendation of a rule whose pack gives none: what to supply or meet, and its worth in the total."""
    rule = finding.rule
    title = rule.title.get(lang)
    points = format_value(_round(recoverable, 2), None, lang)
    zh = lang == "zh"
    if finding.outcome == MISSING_DATA:
        inputs = ("、" if zh else "; ").join(_missing_labels(finding, pack, lang))
        if rule.kind == "check":
            return f"补充以下数据后评定「{title}」：{inputs}。" if zh else \
                f"Supply the data to assess “{title}”: {inputs}."
        if zh:
            return f"补充以下数据后评定「{title}」：{inputs}。达到要求后总分最多可提高{points}分。"
        return f"Supply the data to assess “{title}”: {inputs}. Meeting it would add up to {points} to the total."
    if rule.kind == "check":  # worth no points: what it decides is said by the rules and grades that read it
        return f"「{title}」未达到要求。" if zh else f"“{title}” is not met."
    taken = [result.clause.text.get(lang) for result in finding.clauses
             if result.kind == "deduction" and result.applies]
    if taken:  # the deduction clauses that applied say what to put right
        said = ("；" if zh else "; ").join(taken)
        return f"「{title}」：{said}。整改后总分可提高{points}分。" if zh else \
            f"“{title}”: {said}. Putting it right would add {points} to the total."
    if zh:
        return f"「{title}」未达到要求；达到后总分可提高{points}分。"
    return f"“{title}” is not met; meeting it would add {points} to the total."


def _missing_labels(finding: Finding, pack: Pack, lang: str) -> list[str]:
    """What to supply: per element when the data is missing for named elements (LW15 的居民考评)."""
    per_subject: dict[str, list[str]] = {}
    for subject in finding.subjects:
        for path in sorted(subject.missing):
            per_subject.setdefault(path, []).append(subject.label)
    labels = []
    for path in sorted(finding.missing):
        label = input_label(pack, path, lang)
        who = per_subject.get(path)
        if who and "[]." in path:
            names = ("、" if lang == "zh" else ", ").join(who[:5]) + ("等" if lang == "zh" and len(who) > 5 else
                                                                      ", ..." if len(who) > 5 else "")
            label = f"{names}的{label}" if lang == "zh" else f"{label} of {names}"
        labels.append(label)
    return labels


def undecided_text(finding: Finding, pack: Pack, lang: str) -> str:
    """The recommendation of a veto that missing data leaves open and the grade waits for."""
    title = finding.rule.title.get(lang)
    inputs = ("、" if lang == "zh" else "; ").join(_missing_labels(finding, pack, lang))
    if lang == "zh":
        return f"补充以下数据后判定一票否决「{title}」：{inputs}。判定前暂不评定等次。"
    return f"Supply the data to decide the veto “{title}”: {inputs}. The grade waits until it is decided."


def recommendations(pack: Pack, findings: list[Finding], card: Scorecard, context: Context) -> list[Recommendation]:
    """What to do, the most valuable first: the vetoes the grade waits for, then by recoverable points."""
    waiting = [Recommendation(veto, {lang: undecided_text(veto, pack, lang) for lang in ("zh", "en")}, ZERO)
               for veto in card.undecided]
    found: list[Recommendation] = []
    order = {rule.id: index for index, rule in enumerate(pack.rules)}
    for finding in findings:
        gain = card.recoverable.get(finding.rule.id)
        if gain is None and finding.rule.kind == "check":
            gain = ZERO  # a check holds no points, but what it lacks is still worth saying
        if gain is None or finding.outcome not in (NOT_MET, PARTLY, MISSING_DATA):
            continue
        rule = finding.rule
        text = {}
        for lang in ("zh", "en"):
            if rule.recommend is not None and finding.outcome != MISSING_DATA:
                text[lang] = render(rule.recommend, lang, context, extra=_rule_values(rule, finding, gain))
            else:
                text[lang] = default_text(finding, gain, pack, lang)
        found.append(Recommendation(finding, text, gain))
    found.sort(key=lambda r: (-r.recoverable, order[r.finding.rule.id]))
    return waiting + found


def _rule_values(rule: RuleSpec, finding: Finding, gain: Decimal) -> dict[str, Decimal]:
    return {"rule.points": rule.max_points, "rule.earned": finding.earned, "rule.recoverable": gain}


def next_grade(pack: Pack, findings: list[Finding], card: Scorecard) -> NextGrade | None:
    """The path to the grade above: what blocks it, or the fewest unmet items that reach it."""
    if card.grade_index == 0:
        return None
    target_index = card.grade_index - 1
    target = pack.grades[target_index]
    bound = target.at_least if target.at_least is not None else target.above
    gap = max(ZERO, (bound or ZERO) - card.graded_score)
    plan = NextGrade(target_index, _round(gap, 6), False, _blocked(target_index, target, card))
    if plan.blocked_by:
        return plan
    graded_on_base = card.graded is not None  # then bonus points do not lift the grade
    gains = sorted(((f, card.recoverable[f.rule.id]) for f in findings if f.rule.id in card.recoverable
                    and not (graded_on_base and f.rule.kind == "bonus")), key=lambda pair: -pair[1])
    lifted = _lift_dimensions(target, card, gains)
    if lifted is None:
        return plan  # a dimension cannot reach the minimum
    start = card.graded if card.graded is not None else card.total
    plan.items, plan.total_after = _lift_total(target, pack, start, gains, lifted)
    plan.reachable = _reaches(target, plan.total_after, pack)
    return plan


def _blocked(target_index: int, target: Grade, card: Scorecard) -> list[str]:
    """Why no points can reach the target grade while the vetoes stand (reason codes)."""
    blocked: list[str] = []
    if any(v.rule.severity == "fail" for v in card.vetoes):
        blocked.append("veto_fail")
    if target_index == 0 and any(v.rule.severity == "no_award" for v in card.vetoes):
        blocked.append("veto_no_award")
    if target.requires.no_veto and card.vetoes:
        blocked.append("veto")
    if card.unmet.intersection(target.requires.met or ()):
        blocked.append("rule_not_met")
    return blocked


def _lift_dimensions(target: Grade, card: Scorecard, gains: list[Gain]) -> list[Gain] | None:
    """Per-dimension minimums first: the items that lift each short dimension to the target's minimum share,
    its own largest first; None when a dimension cannot reach it."""
    chosen: list[Gain] = []
    share = target.requires.min_dimension_share
    if share is None:
        return chosen
    for dim in dimension_shortfalls(target, card.dimensions):
        need = share * dim.dimension.weight - dim.score
        for finding, gain in gains:
            if need <= 0:
                break
            if finding.rule.dimension == dim.dimension.id and (finding, gain) not in chosen:
                chosen.append((finding, gain))
                need -= gain
        if need > 0:
            return None
    return chosen


def _lift_total(target: Grade, pack: Pack, total: Decimal, gains: list[Gain], chosen: list[Gain]) \
        -> tuple[list[Gain], Decimal]:
    """The items chosen, then the largest others until the total reaches the target's bound; the total then."""
    items = list(chosen)
    total += sum((g for _, g in chosen), ZERO)
    for finding, gain in gains:
        if _reaches(target, total, pack):
            break
        if (finding, gain) in items:
            continue
        items.append((finding, gain))
        total += gain
    return items, total


def _reaches(grade: Grade, total: Decimal, pack: Pack) -> bool:
    return lower_bound_met(grade, _round(total, pack.scoring.rounding))


__all__ = ["NextGrade", "Recommendation", "next_grade", "recommendations", "render"]
