"""Reviewer adjustments (酌情扣分/加分): points a reviewer takes off or adds on an item, with a reason.

    adjustments:
      - rule: D2.meetings               # an item or bonus rule of the selected packs
        profile: fuxing-2009            # a profile id, or a pattern over profile ids
        pack: community                 # optional: only this pack's rule
        points: -2                      # negative: 酌情扣分; positive: 酌情加分
        reason: 会议记录缺少签到表，酌情扣2分
        reviewer: 西山区考核组 李四

An adjustment is applied on top of the computed score of the rule and is
bounded by the rule's points: the adjusted score never goes below 0 nor above
the rule's points (a bonus rule without fixed points is bounded by the pack's
bonus cap only). Several adjustments of one rule apply in file order, each
bounded. Every one is kept with the computed score, what was asked, what was
applied, who and why — the audit trail the reports show. Vetoes and counted
deductions are not adjusted by points: a veto is waived (with an approval),
and a deduction's count is corrected in the profile.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, field_validator

from engine.errors import ERROR, Diagnostic, InputError
from engine.evaluation.findings import MET, NOT_MET, PARTLY, Finding
from engine.pack.model import Pack
from engine.profile.validate import Profile
from engine.review.files import Located, load_all, matches, profile_keys, rule_problems

ZERO = Decimal(0)
ADJUSTABLE = ("item", "bonus")


class AdjustmentEntry(BaseModel):
    model_config = ConfigDict(extra="forbid")
    rule: str = Field(min_length=1)
    profile: str = Field(min_length=1)
    pack: str | None = None
    points: Decimal = Field(ge=-1000, le=1000)
    reason: str
    reviewer: str

    @field_validator("reason", "reviewer")
    @classmethod
    def _said(cls, value: str) -> str:
        value = value.strip()
        if not value:
            raise ValueError("must not be empty: an adjustment says why and who made it")
        return value

    @field_validator("points")
    @classmethod
    def _nonzero(cls, value: Decimal) -> Decimal:
        if value == 0:
            raise ValueError("an adjustment of 0 points changes nothing")
        return value


class AdjustmentFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    adjustments: list[AdjustmentEntry]


@dataclass(frozen=True)
class Adjustment:
    entry: AdjustmentEntry
    at: str


@dataclass(frozen=True)
class Applied:
    """One line of the audit trail."""

    adjustment: Adjustment
    computed: Decimal  # the score before this adjustment
    applied: Decimal  # what was applied after bounding
    result: Decimal  # the score after it

    @property
    def bounded(self) -> bool:
        return self.applied != self.adjustment.entry.points


class AdjustmentSet:
    def __init__(self, located: list[Located[AdjustmentEntry]]):
        self.located = located

    @classmethod
    def load(cls, paths: Sequence[str | Path]) -> AdjustmentSet:
        return cls(load_all(paths, "adjustments", AdjustmentFile))

    def check(self, packs: Sequence[Pack]) -> None:
        problems = rule_problems(self.located, packs, "adjustment")
        for item in self.located:
            for pack in packs:
                rule = pack.rule(item.entry.rule)
                if rule is not None and rule.kind not in ADJUSTABLE and item.entry.pack in (None, pack.id):
                    problems.append(Diagnostic(
                        item.rule_at.file, item.rule_at.line, item.rule_at.col, ERROR, "not-adjustable",
                        f"rule '{rule.id}' is a {rule.kind}: only item and bonus rules take points",
                        hint="waive a veto with an approval (--waivers); correct a deduction's count in the profile"))
                    break
        if problems:
            raise InputError(problems)

    def for_profile(self, profile: Profile) -> list[Adjustment]:
        keys = profile_keys(profile)
        return [Adjustment(i.entry, str(i.at)) for i in self.located if matches(i.entry.profile, keys)]


def adjust(finding: Finding, adjustments: list[Adjustment]) -> tuple[Decimal, list[Applied]]:
    """The rule's adjusted score and the audit trail; each step bounded to 0 … the rule's points."""
    top = finding.rule.max_points if finding.rule.max_points > 0 else None
    score = finding.earned
    trail = []
    for adjustment in adjustments:
        wanted = score + adjustment.entry.points
        bounded = max(ZERO, wanted if top is None else min(top, wanted))
        trail.append(Applied(adjustment, score, bounded - score, bounded))
        score = bounded
    return score, trail


def adjusted_outcome(finding: Finding, score: Decimal) -> str:
    """The outcome a reviewer's score gives: an item fully, partly or not met; a bonus awarded or not."""
    if finding.rule.kind == "bonus":
        return MET if score > 0 else NOT_MET
    if score >= finding.rule.max_points:
        return MET
    return NOT_MET if score <= 0 else PARTLY


__all__ = ["Adjustment", "AdjustmentEntry", "AdjustmentSet", "Applied", "adjust", "adjusted_outcome"]
