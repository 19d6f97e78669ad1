"""From condition truths to a rule's finding: outcome and points.

Both backends answer the same question — does this condition hold for this
subject, and if not, was data missing or did it not apply? — through an
`oracle`. Everything after that (applicability, tiers, partial credit,
per-element roll-up, deductions, bonus, vetoes) is this one shared module, so
the backends can only differ in matching, which the differential tests check.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Protocol

from engine.evaluation.context import Context, Truth, classify
from engine.expr.values import MISSING, NA, is_unknown
from engine.pack.model import ClauseSpec, Expr, OccurrenceSpec, RuleSpec
from engine.pack.schema import Text

MET, PARTLY, NOT_MET, NA_OUTCOME, MISSING_DATA, NOT_ASSESSED = (
    "met", "partly_met", "not_met", "not_applicable", "missing_data", "not_assessed")
WAIVED = "waived"  # set only by a reviewer's waiver (engine/review.py), never by evaluation
OUTCOMES = (MET, PARTLY, NOT_MET, NA_OUTCOME, MISSING_DATA, NOT_ASSESSED, WAIVED)
ZERO = Decimal(0)


class Oracle(Protocol):
    def truth(self, rule: RuleSpec, decision: str, subject: int | None) -> Truth: ...

    def holds(self, rule: RuleSpec, decision: str, subject: int | None) -> bool:
        """Only whether the condition holds (bands, notes): no explanation needed."""


@dataclass
class SubjectResult:
    index: int
    label: str
    outcome: str
    missing: frozenset[str] = frozenset()
    band: str | None = None
    notes: list[int] = field(default_factory=list)  # indexes of the rule's notes that apply
    until: dt.date | None = None  # a veto that lasts: the last day this element keeps it in force
    remarks: list[Text] = field(default_factory=list)  # worded after evaluation: a band quota's move


@dataclass
class ClauseResult:
    """What one clause of an item's deductions or own bonus made of the profile."""

    clause: ClauseSpec
    kind: str  # deduction | bonus
    applies: bool | None  # None: missing data leaves it undecided
    amount: Decimal = ZERO  # points taken (deduction) or added (bonus), after the clause's own cap
    occurrences: int | None = None
    per: Decimal | None = None
    missing: frozenset[str] = frozenset()


@dataclass
class Finding:
    rule: RuleSpec
    outcome: str
    earned: Decimal = ZERO  # item: points earned; bonus: points awarded
    deducted: Decimal = ZERO  # penalty: points deducted
    vetoed: bool = False
    tier: int | None = None
    occurrences: int | None = None
    per: Decimal | None = None  # points per occurrence (deductions and awards)
    share: Decimal | None = None
    missing: frozenset[str] = frozenset()
    subjects: list[SubjectResult] = field(default_factory=list)
    notes: list[int] = field(default_factory=list)
    remarks: list[Text] = field(default_factory=list)  # worded after evaluation: the band quotas applied
    clauses: list[ClauseResult] = field(default_factory=list)  # deduction and bonus clauses (format 2)
    bonus: Decimal = ZERO  # an item's own bonus, after its cap (format 2)
    level: str | None = None  # the level of a check judged by a letter
    value: Decimal | None = None  # the value of a check against its target (None: unknown)
    until: dt.date | None = None  # a veto that lasts (format 2): its last day in force (the latest of its subjects)
    lapsed: bool = False  # a veto that lasts: triggered, but no longer in force at the end of the period
    # set by the review step (engine/review/apply.py) before scoring: the waiver applied, the adjustments made
    # (typed there: the review stage comes after this one)
    waiver: object | None = None
    adjustments: Sequence[object] = field(default_factory=list)

    @property
    def max_points(self) -> Decimal:
        return self.rule.max_points


def _number(value: Any) -> Decimal | None:
    if is_unknown(value) or value is None:
        return None
    return Decimal(value)


def _from_truth(truth: Truth) -> str:
    return MET if truth.holds else classify(truth)


class RuleEvaluator:
    def __init__(self, context: Context, oracle: Oracle):
        self.context = context
        self.oracle = oracle

    def evaluate(self, rule: RuleSpec) -> Finding:
        if rule.unset_params or self.context.unset_params(rule.table_params):
            return Finding(rule, NOT_ASSESSED)
        if rule.applies_when is not None:
            truth = self.oracle.truth(rule, "applies_when", None)
            if not truth.holds:
                unknown = truth.missing and not truth.settled_false
                return Finding(rule, MISSING_DATA if unknown else NA_OUTCOME, missing=truth.missing if unknown
                               else frozenset())
        finding = self.for_each(rule, rule.for_each) if rule.for_each is not None else self.single(rule)
        if rule.bonus and finding.outcome != NA_OUTCOME:
            self.item_bonus(rule, finding)
        if rule.notes and rule.for_each is None:
            finding.notes = [i for i in range(len(rule.notes))
                             if self.oracle.holds(rule, f"note{i + 1}", None)]
        return finding

    # -- one subject: the profile ---------------------------------------------------------
    def single(self, rule: RuleSpec) -> Finding:
        kind = rule.kind
        if kind == "veto":
            return self.veto(rule)
        if rule.levels:
            return self.levels(rule)
        if rule.measure is not None:
            return self.measure(rule)
        if rule.deductions:
            return self.deduction_clauses(rule)
        if rule.require is not None:
            truth = self.oracle.truth(rule, "require", None)
            if truth.holds:
                return Finding(rule, MET, earned=rule.points or ZERO)
            return Finding(rule, classify(truth), missing=_unknown_reads(truth))
        if rule.tiers:
            return self.tiers(rule)
        if rule.partial is not None:
            return self.partial(rule, rule.partial)
        return self.counted(rule, rule.deduct if kind in ("item", "penalty") else rule.award)

    def counted(self, rule: RuleSpec, occurrence: OccurrenceSpec | None) -> Finding:
        """A deduction or award per occurrence, by its count."""
        if occurrence is None or occurrence.count is None:
            raise AssertionError(f"rule {rule.id} has no way to score")  # the builder prevents this
        counted = self.context.evaluate(occurrence.count)
        count = _number(counted.value)
        if count is None:
            outcome = MISSING_DATA if counted.missing else NA_OUTCOME
            return Finding(rule, outcome, missing=counted.missing)
        return self.occurrences(rule, occurrence, max(ZERO, count))

    def veto(self, rule: RuleSpec) -> Finding:
        truth = self.oracle.truth(rule, "trigger", None)
        if truth.holds:
            return self.lasting(rule, Finding(rule, NOT_MET, vetoed=True), None)
        if truth.settled_false:
            return Finding(rule, MET)
        return Finding(rule, classify(truth), missing=_unknown_reads(truth))

    def lasting(self, rule: RuleSpec, finding: Finding, subject: int | None) -> Finding:
        """A triggered veto that lasts (format 2 `lasts.until`): in force when the date it is judged on (the end of
        the period, or --as-of) is on or before its last day; lapsed (met) after it; missing data when that day, or
        the period, is unknown."""
        if rule.until is None:
            return finding
        until = self.context.evaluate(rule.until, subject)
        judged_on = self.context.judged_on
        if not isinstance(until.value, dt.date) or judged_on is None:
            missing = until.missing if judged_on is not None else until.missing | {"profile.period"}
            return Finding(rule, MISSING_DATA if missing else NA_OUTCOME, missing=missing)
        finding.until = until.value
        if judged_on > until.value:
            finding.outcome, finding.vetoed, finding.lapsed = MET, False, True
        return finding

    # -- format 2: checks by a letter or against a target, clauses, an item's own bonus --------------------
    def levels(self, rule: RuleSpec) -> Finding:
        """The first level that holds; a level before it that missing data leaves undecided might have held, so
        the letter is then undecided too (missing data)."""
        missing: set[str] = set()
        na = False
        for level in rule.levels:
            truth = self.oracle.truth(rule, f"level:{level.id}", None)
            if truth.holds and missing:
                return Finding(rule, MISSING_DATA, missing=frozenset(missing))
            if truth.holds:
                return Finding(rule, level.outcome, level=level.id)
            if not truth.settled_false:
                missing |= truth.missing
                na = na or truth.na
        outcome = classify(Truth(False, frozenset(missing), na))
        return Finding(rule, outcome, missing=frozenset(missing))

    def measure(self, rule: RuleSpec) -> Finding:
        """A value against its target: met when it reaches it; the value is reported either way."""
        assert rule.measure is not None
        value = _number(self.context.evaluate(rule.measure.value).value)
        truth = self.oracle.truth(rule, "target", None)
        if truth.holds:
            return Finding(rule, MET, value=value)
        return Finding(rule, classify(truth), missing=_unknown_reads(truth), value=value)

    def clause(self, rule: RuleSpec, kind: str, index: int, clause: ClauseSpec) -> ClauseResult:
        """Whether a clause applies, and the points it takes or adds."""
        if clause.when is not None:
            truth = self.oracle.truth(rule, f"{kind}{index + 1}", None)
            if truth.holds:
                return ClauseResult(clause, kind, True, self.amount(clause.points) or ZERO)
            undecided = bool(truth.missing) and not truth.settled_false
            return ClauseResult(clause, kind, None if undecided else False,
                                missing=truth.missing if undecided else frozenset())
        assert clause.count is not None  # the schema gives a clause `when` or `count`
        counted = self.context.evaluate(clause.count)
        count = _number(counted.value)
        if count is None:
            return ClauseResult(clause, kind, None if counted.missing else False, missing=counted.missing)
        per = self.amount(clause.per) or ZERO
        amount = max(ZERO, count) * per
        cap = self.amount(clause.cap)
        if cap is not None:
            amount = min(amount, cap)
        occurrences = int(count) if count == int(count) else None
        return ClauseResult(clause, kind, amount > 0, amount, occurrences, per)

    def deduction_clauses(self, rule: RuleSpec) -> Finding:
        """The item's points less what each clause that applies takes, never below zero (扣完为止). A clause left
        undecided takes nothing and makes the item missing data (as a for_each deduction with unknown elements)."""
        results = [self.clause(rule, "deduction", index, clause) for index, clause in enumerate(rule.deductions)]
        points = rule.points or ZERO
        taken = sum((result.amount for result in results), ZERO)
        earned = max(ZERO, points - taken)
        missing: frozenset[str] = frozenset().union(*(r.missing for r in results if r.applies is None))
        if any(result.applies is None for result in results):
            outcome = MISSING_DATA
        else:
            outcome = MET if taken == 0 else (NOT_MET if earned == 0 else PARTLY)
        return Finding(rule, outcome, earned=earned, missing=missing, clauses=results)

    def item_bonus(self, rule: RuleSpec, finding: Finding) -> None:
        """The item's own bonus clauses, capped together; an undecided clause adds nothing."""
        results = [self.clause(rule, "bonus", index, clause) for index, clause in enumerate(rule.bonus)]
        added = sum((result.amount for result in results), ZERO)
        cap = self.amount(rule.bonus_cap)
        finding.bonus = min(added, cap) if cap is not None else added
        finding.clauses = finding.clauses + results

    def tiers(self, rule: RuleSpec) -> Finding:
        missing: set[str] = set()
        na = False
        for index, tier in enumerate(rule.tiers):
            truth = self.oracle.truth(rule, f"tier{index + 1}", None)
            if truth.holds:
                points = tier.points_of(rule.points)
                top = rule.max_points
                outcome = MET if points >= top else (PARTLY if points > 0 else NOT_MET)
                return Finding(rule, outcome, earned=points, tier=index)
            if not truth.settled_false:  # an unknown tier might have held
                missing |= truth.missing
                na = na or truth.na
        outcome = classify(Truth(False, frozenset(missing), na))
        return Finding(rule, outcome, missing=frozenset(missing))

    def partial(self, rule: RuleSpec, partial: Expr) -> Finding:
        result = self.context.evaluate(partial)
        share = _number(result.value)
        if share is None:
            outcome = MISSING_DATA if result.missing else NA_OUTCOME
            return Finding(rule, outcome, missing=result.missing)
        share = min(Decimal(1), max(ZERO, share))
        earned = _round_points((rule.points or ZERO) * share)
        outcome = MET if share >= 1 else (NOT_MET if share <= 0 else PARTLY)
        return Finding(rule, outcome, earned=earned, share=share)

    def amount(self, value: Decimal | Expr | None) -> Decimal | None:
        """A per-occurrence amount or cap: a number, or an expression evaluated for the profile."""
        if value is None or isinstance(value, Decimal):
            return value
        result = _number(self.context.evaluate(value).value)
        return max(ZERO, result) if result is not None else None

    def occurrences(self, rule: RuleSpec, occurrence: OccurrenceSpec, count: Decimal, *,
                    missing: frozenset[str] = frozenset()) -> Finding:
        """A bonus awarded, or points deducted, per occurrence (`occurrence`: the rule's award or deduct)."""
        kind = rule.kind
        occurrences = int(count) if count == int(count) else None
        if kind == "bonus":
            amount = count * (self.amount(occurrence.per) or ZERO)
            cap = self.amount(occurrence.cap)
            if cap is not None:
                amount = min(amount, cap)
            outcome = MET if amount > 0 else NOT_MET
            return Finding(rule, outcome if not missing else MISSING_DATA, earned=amount, occurrences=occurrences,
                           missing=missing, per=self.amount(occurrence.per))
        amount = count * (self.amount(occurrence.per) or ZERO)
        cap = self.amount(occurrence.cap)
        if cap is None and kind == "item":
            cap = rule.points
        if cap is not None:
            amount = min(amount, cap)
        if kind == "penalty":
            outcome = MET if amount == 0 else NOT_MET
            if missing:
                outcome = MISSING_DATA
            return Finding(rule, outcome, deducted=amount, occurrences=occurrences, missing=missing,
                           per=self.amount(occurrence.per))
        points = rule.points or ZERO
        earned = max(ZERO, points - amount)
        outcome = MET if amount == 0 else (NOT_MET if earned == 0 else PARTLY)
        if missing:
            outcome = MISSING_DATA
        return Finding(rule, outcome, earned=earned, occurrences=occurrences, missing=missing,
                       per=self.amount(occurrence.per))

    # -- one subject per element of a list ----------------------------------------------------
    def for_each(self, rule: RuleSpec, list_path: str) -> Finding:
        elements = self.context.elements(list_path)
        if elements is MISSING:
            return Finding(rule, MISSING_DATA, missing=frozenset({list_path}))
        subjects = [self.subject(rule, index, element) for index, element in enumerate(elements)]
        applicable = [s for s in subjects if s.outcome != NA_OUTCOME]
        if not applicable:
            return Finding(rule, NA_OUTCOME, subjects=subjects)
        missing: frozenset[str] = frozenset().union(*(s.missing for s in applicable))
        met = sum(1 for s in applicable if s.outcome == MET)
        failed = sum(1 for s in applicable if s.outcome == NOT_MET)
        unknown = len(applicable) - met - failed
        total = len(applicable)
        kind = rule.kind
        if kind == "veto":
            return self.veto_of_elements(rule, subjects, failed, unknown, missing)
        if rule.deduct is not None:  # every penalty deducts (the pack's builder sees to it)
            finding = self.occurrences(rule, rule.deduct, Decimal(failed), missing=missing if unknown else frozenset())
        elif rule.award is not None:
            finding = self.occurrences(rule, rule.award, Decimal(met), missing=missing if unknown else frozenset())
        else:
            finding = self.roll_up(rule, met, unknown, total, missing)
        finding.subjects = subjects
        finding.share = Decimal(met) / total if total else None
        return finding

    def veto_of_elements(self, rule: RuleSpec, subjects: list[SubjectResult], triggered: int, unknown: int,
                         missing: frozenset[str]) -> Finding:
        """A for_each veto: in force when it is for any element (a subject 'fails' when the trigger holds and it
        is in force); the latest last day of those in force, or of those lapsed."""
        ends = [s.until for s in subjects if s.until is not None and s.outcome == NOT_MET]
        lapsed = [s.until for s in subjects if s.until is not None and s.outcome == MET]
        if triggered:
            return Finding(rule, NOT_MET, vetoed=True, occurrences=triggered, subjects=subjects,
                           until=max(ends, default=None))
        return Finding(rule, MISSING_DATA if unknown else MET, missing=missing, subjects=subjects,
                       until=None if unknown else max(lapsed, default=None), lapsed=bool(lapsed) and not unknown)

    def roll_up(self, rule: RuleSpec, met: int, unknown: int, total: int, missing: frozenset[str]) -> Finding:
        points = rule.points or ZERO
        if rule.roll_up == "any":
            if met:
                return Finding(rule, MET, earned=points)
            return Finding(rule, MISSING_DATA if unknown else NOT_MET, missing=missing)
        if rule.roll_up == "share" and rule.min_share is None:
            share = Decimal(met) / total
            earned = _round_points(points * share)
            if unknown:
                return Finding(rule, MISSING_DATA, earned=earned, missing=missing)
            outcome = MET if met == total else (NOT_MET if met == 0 else PARTLY)
            return Finding(rule, outcome, earned=earned)
        threshold = rule.min_share if rule.min_share is not None else Decimal(1)
        if Decimal(met) / total >= threshold:
            return Finding(rule, MET, earned=points)
        if Decimal(met + unknown) / total >= threshold:
            return Finding(rule, MISSING_DATA, missing=missing)
        return Finding(rule, NOT_MET)

    def subject(self, rule: RuleSpec, index: int, element: dict[str, Any]) -> SubjectResult:
        label = _label(element, rule.label_field, index)
        if rule.where is not None:
            truth = self.oracle.truth(rule, "where", index)
            if not truth.holds:
                unknown = truth.missing and not truth.settled_false
                return SubjectResult(index, label, MISSING_DATA if unknown else NA_OUTCOME,
                                     truth.missing if unknown else frozenset())
        decision = "trigger" if rule.kind in ("veto", "penalty") and rule.trigger is not None else "require"
        if decision == "require" and rule.require is None:  # a bonus awarded per element: each one qualifying
            truth = Truth(True)
        else:
            truth = self.oracle.truth(rule, decision, index)
        if decision == "trigger":
            # for penalties and vetoes a subject 'fails' (is counted) when the trigger holds
            outcome = NOT_MET if truth.holds else (MET if truth.settled_false else classify(truth))
        else:
            outcome = _from_truth(truth)
        result = SubjectResult(index, label, outcome, _unknown_reads(truth))
        if rule.kind == "veto" and outcome == NOT_MET and rule.until is not None:
            lasting = self.lasting(rule, Finding(rule, NOT_MET, vetoed=True), index)
            result.outcome, result.missing, result.until = lasting.outcome, lasting.missing, lasting.until
        for band in rule.bands:
            if self.oracle.holds(rule, f"band:{band.id}", index):
                result.band = band.id
                break
        result.notes = [i for i in range(len(rule.notes))
                        if self.oracle.holds(rule, f"note{i + 1}", index)]
        return result


def _unknown_reads(truth: Truth) -> frozenset[str]:
    """The inputs to supply: only when the answer depends on them."""
    return truth.missing if not truth.holds and not truth.settled_false else frozenset()


def _label(element: dict[str, Any], label_field: str | None, index: int) -> str:
    if label_field:
        value = element.get(label_field)
        if value is not None and not is_unknown(value):
            return str(value)
    return f"#{index + 1}"


def _round_points(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.000001"))


__all__ = ["ClauseResult", "Finding", "RuleEvaluator", "SubjectResult", "OUTCOMES", "NA", "MET", "PARTLY",
           "NOT_MET", "NA_OUTCOME", "MISSING_DATA", "NOT_ASSESSED", "WAIVED"]
