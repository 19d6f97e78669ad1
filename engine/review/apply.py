"""The review step: waivers and reviewer adjustments applied to findings, before scoring.

    review = Review(waivers=WaiverSet.load([...]), adjustments=AdjustmentSet.load([...]))
    review.check(engine.packs)                     # unknown rule ids are errors, file:line:col
    report = engine.assess(profile, review=review)

Evaluation stays as it is and scoring stays pure: this step only rewrites
findings (new Finding objects; the evaluated ones are not changed), so the
scores, grade, recommendations and report follow from the reviewed findings
by the same code as always.

How a waived rule is scored: as the pack scores a not-applicable rule
(`scoring.not_applicable`: leave the denominator, count as zero, or count as
full). A waiver is the reviewer's approved statement that a requirement does
not apply to this community for now; it must not give a community a score the
standard itself would not give one where the rule genuinely does not apply —
otherwise a waiver could lift a community above one the rule never applied to,
or pull it below. So the pack, not the reviewer, decides what inapplicable
means for the score, and two communities exempt from a rule rank alike
whichever way the exemption came. A waived deduction deducts nothing; a waived
veto does not apply (vetoes are certified by the competent departments, and
the waiver records that certification). A waived rule is never recommended.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from engine.errors import WARNING, Diagnostic
from engine.evaluation.findings import NA_OUTCOME, NOT_ASSESSED, WAIVED, Finding
from engine.pack.model import Pack
from engine.profile.validate import Profile
from engine.review.adjustments import ADJUSTABLE, Adjustment, AdjustmentSet, adjust, adjusted_outcome
from engine.review.waivers import Waiver, WaiverSet

ZERO = Decimal(0)


@dataclass(frozen=True)
class Waived:
    """The waiver applied to a finding, with what the finding was before it."""

    waiver: Waiver
    outcome: str
    earned: Decimal
    deducted: Decimal
    vetoed: bool


@dataclass
class Review:
    """Waivers and adjustments for a run.

    A waiver holds if it has not expired on the date the assessment is judged on: `as_of` when the reviewer
    gives one, else the last day of the profile's assessment period. Never today's date: re-rendering a 2024
    assessment next year must give the same result, byte for byte.
    """

    waivers: WaiverSet | None = None
    adjustments: AdjustmentSet | None = None
    as_of: dt.date | None = None

    def check(self, packs: Sequence[Pack]) -> None:
        if self.waivers is not None:
            self.waivers.check(packs)
        if self.adjustments is not None:
            self.adjustments.check(packs)

    def expired(self) -> list[Diagnostic]:
        """Waivers expired on `as_of` (said once for a run); without `as_of`, each profile's period decides."""
        return self.waivers.expired(self.as_of) if self.waivers is not None and self.as_of is not None else []

    def judged_on(self, profile: Profile) -> dt.date | None:
        """The date a profile's waivers are judged on, or None when neither `as_of` nor its period gives one."""
        if self.as_of is not None:
            return self.as_of
        period = profile.period
        return period[1] if period is not None else None

    def for_profile(self, profile: Profile) -> ProfileReview:
        waivers, warnings = self.waivers.for_profile(profile, self.judged_on(profile)) if self.waivers else ([], [])
        adjustments = self.adjustments.for_profile(profile) if self.adjustments else []
        return ProfileReview(waivers, adjustments, warnings, self.as_of)


@dataclass
class ProfileReview:
    waivers: list[Waiver]
    adjustments: list[Adjustment]
    warnings: list[Diagnostic]
    as_of: dt.date | None = None  # --as-of: also the date vetoes that last are judged in force on

    def apply(self, pack: Pack, findings: list[Finding]) -> list[Finding]:
        out = []
        for finding in findings:
            rule_id = finding.rule.id
            waiver = next((w for w in self.waivers if w.rule == rule_id and w.entry.pack in (None, pack.id)), None)
            if waiver is not None:
                finding = waive(finding, waiver)
            adjustments = [a for a in self.adjustments if a.entry.rule == rule_id and a.entry.pack in (None, pack.id)]
            if adjustments:
                finding = self._adjusted(finding, adjustments)
            out.append(finding)
        return out

    def _adjusted(self, finding: Finding, adjustments: list[Adjustment]) -> Finding:
        if finding.rule.kind not in ADJUSTABLE or finding.outcome in (NA_OUTCOME, NOT_ASSESSED, WAIVED):
            for adjustment in adjustments:
                file, line, col = _position(adjustment.at)
                self.warnings.append(Diagnostic(
                    file, line, col, WARNING, "adjustment-ignored",
                    f"rule '{finding.rule.id}' is {finding.outcome.replace('_', ' ')} here, so it carries no score "
                    f"to adjust; the adjustment is ignored"))
            return finding
        score, trail = adjust(finding, adjustments)
        changed = any(step.applied for step in trail)
        return dataclasses.replace(
            finding, earned=score, adjustments=trail,
            outcome=adjusted_outcome(finding, score) if changed else finding.outcome,
            missing=frozenset() if changed else finding.missing)  # the reviewer scored it: nothing to supply


def waive(finding: Finding, waiver: Waiver) -> Finding:
    record = Waived(waiver, finding.outcome, finding.earned, finding.deducted, finding.vetoed)
    return dataclasses.replace(finding, outcome=WAIVED, earned=ZERO, deducted=ZERO, vetoed=False, tier=None,
                               share=None, occurrences=None, missing=frozenset(), notes=[], waiver=record)


def _position(at: str) -> tuple[str, int, int]:
    file, line, col = at.rsplit(":", 2)
    return file, int(line), int(col)
