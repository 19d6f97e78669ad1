"""Pure functions from findings to scores, grade and recoverable points.

Dimension score = weight × earned / available, where `available` is the sum
of the points of the dimension's rules that count: a not-applicable rule
leaves the denominator (policy `exclude`), earns nothing but stays
(`zero`) or earns its points (`full`); a rule whose parameter is not set
leaves it; a rule with missing data stays and earns nothing. A waived rule
(engine/review.py) is scored as the pack scores a not-applicable one. Dimension
penalties are subtracted with a floor of zero (扣完为止). A dimension with
nothing applicable is left out and the others are scaled to the pack total.
Total = dimensions + items' own bonus + bonus (capped) − total-level penalties
(capped), ≥ 0. An item's own bonus (format 2) is added as written, never
scaled. Checks (format 2) hold no points and add nothing. The grade is taken
on the total rounded as it is shown — or, with `grade_basis: base`, on the
score without any bonus (dimensions − total-level penalties); a grade may
require named rules to be met. It is withheld (暂不评定)
when too little could be assessed (`min_coverage`), or when a veto that missing
data leaves undecided would change it if it applied: a veto is never taken as
not triggered for want of the data that decides it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from engine.evaluation.findings import MET, MISSING_DATA, NA_OUTCOME, NOT_ASSESSED, NOT_MET, PARTLY, WAIVED, Finding
from engine.pack.model import Pack, RuleSpec
from engine.pack.schema import Dimension, Grade

ZERO = Decimal(0)
ONE = Decimal(1)


@dataclass
class DimensionScore:
    dimension: Dimension
    declared: Decimal = ZERO  # points of all its rules
    available: Decimal = ZERO  # points counted in the denominator
    earned: Decimal = ZERO
    assessable: Decimal = ZERO  # points not lost to missing data or unset parameters
    penalties: Decimal = ZERO
    penalties_applied: Decimal = ZERO  # what the deductions actually took, after the floor at zero
    score: Decimal = ZERO
    counted: bool = True
    scale: Decimal = ONE  # total points per earned point
    bonus: Decimal = ZERO  # its items' own bonus (format 2), added to the total as written

    @property
    def share(self) -> Decimal | None:
        return self.score / self.dimension.weight if self.counted else None


@dataclass
class Scorecard:
    dimensions: list[DimensionScore]
    base: Decimal
    bonus_raw: Decimal
    bonus: Decimal
    bonus_cap: Decimal | None
    penalty_raw: Decimal
    penalty: Decimal
    total: Decimal
    shown_total: Decimal
    grade: Grade
    grade_index: int
    demotions: list[tuple[str, str]]  # (grade id skipped, reason code)
    vetoes: list[Finding]
    awards_barred: bool
    coverage: Decimal | None
    withheld: bool = False  # the grade is not given: coverage below min_coverage, or vetoes left undecided
    undecided: list[Finding] = field(default_factory=list)  # vetoes missing data leaves open that would change it
    recoverable: dict[str, Decimal] = field(default_factory=dict)
    item_bonus: Decimal = ZERO  # the items' own bonus (format 2), in the total beside the pool's
    graded: Decimal | None = None  # the score graded when it is not the total (grade_basis: base), as shown
    unmet: frozenset[str] = frozenset()  # rules some grade requires to be met that are not

    @property
    def graded_score(self) -> Decimal:
        """The score the grades' bounds were compared with."""
        return self.graded if self.graded is not None else self.shown_total


def _round(value: Decimal, places: int) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def score(pack: Pack, findings: list[Finding]) -> Scorecard:
    tally = _tally(pack, findings)
    dimensions = list(tally.dimensions.values())
    base = _score_dimensions(dimensions, pack.total_weight)
    bonus = _capped(tally.bonus_raw, pack.scoring.bonus_cap)
    penalty = _capped(tally.penalty_raw, pack.scoring.penalty_cap)
    item_bonus = sum((dim.bonus for dim in dimensions), ZERO)
    total = max(ZERO, base + item_bonus + bonus - penalty)
    shown_total = _round(total, pack.scoring.rounding)
    graded = _round(max(ZERO, base - penalty), pack.scoring.rounding) \
        if pack.scoring.grade_basis == "base" else None
    for dim in dimensions:
        dim.score = _round(dim.score, 6)
    unmet = _unmet_requirements(pack, findings)
    on = graded if graded is not None else shown_total
    grade_index, demotions, barred = choose_grade(pack, on, dimensions, tally.vetoes, unmet)
    undecided = undecided_vetoes(pack, on, dimensions, tally, grade_index, unmet)
    coverage = _coverage(dimensions)
    minimum = pack.scoring.min_coverage
    card = Scorecard(
        dimensions=dimensions, base=base, bonus_raw=tally.bonus_raw, bonus=bonus, bonus_cap=pack.scoring.bonus_cap,
        penalty_raw=tally.penalty_raw, penalty=penalty, total=total, shown_total=shown_total,
        grade=pack.grades[grade_index], grade_index=grade_index, demotions=demotions, vetoes=tally.vetoes,
        awards_barred=barred, coverage=coverage,
        withheld=bool(undecided) or (minimum is not None and coverage is not None and coverage < minimum),
        undecided=undecided, item_bonus=item_bonus, graded=graded, unmet=unmet,
    )
    card.recoverable = recoverable_points(pack, findings, card)
    return card


def _unmet_requirements(pack: Pack, findings: list[Finding]) -> frozenset[str]:
    """The rules some grade requires to be met (format 2) that are not met."""
    required = {rule_id for grade in pack.grades for rule_id in grade.requires.met or []}
    if not required:
        return frozenset()
    met = {finding.rule.id for finding in findings if finding.outcome == MET}
    return frozenset(required - met)


@dataclass
class _Tally:
    """What the findings add up to before any scaling: per dimension, the bonus pool, total-level deductions."""

    dimensions: dict[str, DimensionScore]
    bonus_raw: Decimal = ZERO
    penalty_raw: Decimal = ZERO  # deductions not charged to a dimension
    vetoes: list[Finding] = field(default_factory=list)
    open_vetoes: list[Finding] = field(default_factory=list)  # vetoes missing data leaves undecided


def _tally(pack: Pack, findings: list[Finding]) -> _Tally:
    tally = _Tally({d.id: DimensionScore(d) for d in pack.dimensions})
    for finding in findings:
        rule = finding.rule
        if rule.kind == "item":
            _count_item(tally.dimensions[item_dimension(rule)], finding, pack.not_applicable(rule))
        elif rule.kind == "bonus":
            tally.bonus_raw += finding.earned
        elif rule.kind == "penalty" and rule.dimension is not None:
            tally.dimensions[rule.dimension].penalties += finding.deducted
        elif rule.kind == "penalty":
            tally.penalty_raw += finding.deducted
        elif rule.kind == "veto" and finding.vetoed:
            tally.vetoes.append(finding)
        elif rule.kind == "veto" and finding.outcome == MISSING_DATA:
            tally.open_vetoes.append(finding)
    return tally


def undecided_vetoes(pack: Pack, total: Decimal, dimensions: list[DimensionScore], tally: _Tally,
                     grade_index: int, unmet: frozenset[str] = frozenset()) -> list[Finding]:
    """The vetoes left open by missing data that would change the grade if they applied: not a 'fail' veto
    when the grade is the lowest already, nor a 'no_award' one below the top grade. (Vetoes only lower a
    grade, and any one of them that could lowers it alone.)"""
    return [veto for veto in tally.open_vetoes
            if choose_grade(pack, total, dimensions, tally.vetoes + [veto], unmet)[0] != grade_index]


def _count_item(dim: DimensionScore, finding: Finding, policy: str) -> None:
    """An item's points in its dimension: declared, assessable, counted in the denominator, earned."""
    points = finding.rule.max_points
    dim.declared += points
    if finding.outcome not in (MISSING_DATA, NOT_ASSESSED):
        dim.assessable += points
    if finding.outcome == NOT_ASSESSED:
        return
    if finding.outcome in (NA_OUTCOME, WAIVED):  # as the item's (or the pack's) `not_applicable` policy says
        if policy != "exclude":
            dim.available += points
            dim.earned += points if policy == "full" else ZERO
        return
    dim.available += points
    dim.earned += finding.earned
    dim.bonus += finding.bonus


def _score_dimensions(dimensions: list[DimensionScore], total_weight: Decimal) -> Decimal:
    """Each dimension's score, its deductions floored at zero, scaled so that the dimensions with anything
    applicable make up the pack's total weight; the sum of the scores."""
    counted_weight = sum((d.dimension.weight for d in dimensions if d.available > 0), ZERO)
    rescale = total_weight / counted_weight if counted_weight else ZERO
    base = ZERO
    for dim in dimensions:
        if dim.available <= 0:
            dim.counted = False
            dim.score = ZERO
            continue
        dim.scale = dim.dimension.weight / dim.available * rescale
        raw = dim.dimension.weight * dim.earned / dim.available
        dim.score = max(ZERO, raw - dim.penalties) * rescale
        dim.penalties_applied = min(raw, dim.penalties) * rescale
        base += dim.score
    return base


def item_dimension(rule: RuleSpec) -> str:
    """The dimension of an item rule (the pack's builder gives every item rule one)."""
    assert rule.dimension is not None
    return rule.dimension


def _capped(value: Decimal, cap: Decimal | None) -> Decimal:
    return min(value, cap) if cap is not None else value


def _coverage(dimensions: list[DimensionScore]) -> Decimal | None:
    """The share of the declared points that could be assessed (None when nothing is declared)."""
    declared = sum((d.declared for d in dimensions), ZERO)
    assessable = sum((d.assessable for d in dimensions), ZERO)
    return (assessable / declared) if declared else None


def lower_bound_met(grade: Grade, total: Decimal) -> bool:
    if grade.at_least is not None:
        return total >= grade.at_least
    if grade.above is not None:
        return total > grade.above
    return True


def counted_points(finding: Finding, policy: str) -> Decimal | None:
    """What an item counts in its dimension, as its 得分 shows: its points earned; for one that does not apply
    (or is waived) its points under `full`, 0 under `zero`, none under `exclude` (it leaves the denominator);
    none when not assessed."""
    if finding.outcome == NOT_ASSESSED:
        return None
    if finding.outcome in (NA_OUTCOME, WAIVED):
        return {"full": finding.rule.max_points, "zero": ZERO}.get(policy)
    return finding.earned


def dimension_shortfalls(grade: Grade, dimensions: list[DimensionScore]) -> list[DimensionScore]:
    share = grade.requires.min_dimension_share
    if share is None:
        return []
    return [d for d in dimensions if d.counted and d.score < share * d.dimension.weight]


def choose_grade(pack: Pack, total: Decimal, dimensions: list[DimensionScore], vetoes: list[Finding],
                 unmet: frozenset[str] = frozenset()) -> tuple[int, list[tuple[str, str]], bool]:
    """The highest grade whose lower bound and requirements hold; vetoes override. `unmet`: the rules some
    grade requires to be met that are not."""
    grades = pack.grades
    last = len(grades) - 1
    demotions: list[tuple[str, str]] = []
    if any(v.rule.severity == "fail" for v in vetoes):
        for grade in grades[:last]:
            if lower_bound_met(grade, total):
                demotions.append((grade.id, "veto_fail"))
        return last, demotions, True
    barred = any(v.rule.severity == "no_award" for v in vetoes)
    for index, grade in enumerate(grades):
        if not lower_bound_met(grade, total):
            continue
        if index == 0 and barred and index != last:
            demotions.append((grade.id, "veto_no_award"))
            continue
        if grade.requires.no_veto and vetoes and index != last:
            demotions.append((grade.id, "veto"))
            continue
        if dimension_shortfalls(grade, dimensions) and index != last:
            demotions.append((grade.id, "dimension_minimum"))
            continue
        if unmet.intersection(grade.requires.met or ()) and index != last:
            demotions.append((grade.id, "rule_not_met"))
            continue
        return index, demotions, barred
    return last, demotions, barred


def _item_gain(dim: DimensionScore, points: Decimal) -> Decimal:
    """What `points` more earned in a dimension add to the total, after its deductions' floor at zero."""
    if not dim.counted:
        return ZERO
    weight = dim.dimension.weight
    rescale = dim.scale * dim.available / weight
    raw = weight * dim.earned / dim.available
    more = weight * (dim.earned + points) / dim.available
    return (max(ZERO, more - dim.penalties) - max(ZERO, raw - dim.penalties)) * rescale


def recoverable_points(pack: Pack, findings: list[Finding], card: Scorecard) -> dict[str, Decimal]:
    """Points of the total each unmet rule would add if it were fully met."""
    dimensions = {d.dimension.id: d for d in card.dimensions}
    bonus_room = (card.bonus_cap - card.bonus) if card.bonus_cap is not None else None
    found: dict[str, Decimal] = {}
    for finding in findings:
        rule = finding.rule
        if finding.outcome not in (NOT_MET, PARTLY, MISSING_DATA):
            continue
        if rule.kind == "item":
            gain = _item_gain(dimensions[item_dimension(rule)], rule.max_points - finding.earned)
        elif rule.kind == "bonus":
            gain = rule.max_points - finding.earned
            if bonus_room is not None:
                gain = min(gain, max(ZERO, bonus_room))
        else:
            continue
        if gain > 0:
            found[rule.id] = _round(gain, 6)
    return found
