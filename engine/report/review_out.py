"""What the report says of the review step: the waivers and reviewer adjustments applied to findings."""

from __future__ import annotations

from decimal import Decimal

from engine.evaluation.findings import Finding
from engine.report import model as M
from engine.review.adjustments import Applied
from engine.review.apply import Waived


def _number(value: Decimal) -> float:
    return float(value.normalize()) if value else 0.0


def waivers_out(findings: list[Finding]) -> list[M.WaiverOut]:
    out = []
    for finding in findings:
        record = finding.waiver
        if isinstance(record, Waived):
            entry = record.waiver.entry
            out.append(M.WaiverOut(rule=finding.rule.id, outcome=record.outcome,
                                   justification=entry.justification, approver=entry.approver,
                                   expires=entry.expires.isoformat(), source=record.waiver.at,
                                   judged_on=record.waiver.judged_on.isoformat() if record.waiver.judged_on else None))
    return out


def adjustments_out(findings: list[Finding]) -> list[M.AdjustmentOut]:
    out = []
    for finding in findings:
        for step in finding.adjustments:
            if isinstance(step, Applied):
                entry = step.adjustment.entry
                out.append(M.AdjustmentOut(rule=finding.rule.id, computed=_number(step.computed),
                                           points=_number(entry.points), applied=_number(step.applied),
                                           adjusted=_number(step.result), reason=entry.reason,
                                           reviewer=entry.reviewer, source=step.adjustment.at))
    return out
