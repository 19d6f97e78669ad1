"""`--fail-under`, `--fail-on-veto`, `--fail-on-regression`: which threshold a result fails, and by how much.

Exit code 1 alone tells a pipeline that something failed; the reasons, one line per profile and pack on
stderr, tell the person reading the log what (`file: [pack] total 73.3 is below --fail-under 80, 6.7
short`). A single profile and a batch say it in the same words.

A veto that missing data leaves undecided fails `--fail-on-veto` too: the pipeline asked not to pass a
community with a veto, and it cannot be shown that none applies.
"""

from __future__ import annotations

from dataclasses import dataclass

from engine.report.model import PackResult, Report
from engine.report.numbers import num
from engine.report.summary.model import SummaryRow


@dataclass(frozen=True)
class Thresholds:
    fail_under: float | None = None
    fail_on_veto: bool = False
    fail_on_regression: bool = False

    @property
    def any(self) -> bool:
        return self.fail_under is not None or self.fail_on_veto or self.fail_on_regression


def below(total: float, thresholds: Thresholds) -> list[str]:
    limit = thresholds.fail_under
    if limit is None or total >= limit:
        return []
    return [f"total {num(total)} is below --fail-under {num(limit)}, {num(limit - total)} short"]


def vetoes(applied: list[str], undecided: list[str], thresholds: Thresholds) -> list[str]:
    if not thresholds.fail_on_veto:
        return []
    found = [f"veto {rule} applies (--fail-on-veto)" for rule in applied]
    found += [f"veto {rule} cannot be decided for missing data (--fail-on-veto)" for rule in undecided]
    return found


def result_failures(result: PackResult, report: Report, thresholds: Thresholds) -> list[str]:
    """What one pack's result fails, in words; empty when it passes."""
    undecided = [f.rule for f in result.findings if f.kind == "veto" and f.outcome == "missing_data"]
    reasons = below(result.total, thresholds) + vetoes([v.rule for v in result.vetoes], undecided, thresholds)
    comparison = report.baseline
    if thresholds.fail_on_regression and comparison is not None and comparison.regression:
        for pack in comparison.packs:
            if pack.pack == result.pack.id:
                reasons.append(f"regression against {comparison.file}: total {num(pack.total_before)} → "
                               f"{num(pack.total_after)}, grade {pack.grade_before} → {pack.grade_after}"
                               + (f", new veto {', '.join(pack.new_vetoes)}" if pack.new_vetoes else ""))
    return reasons


def report_failures(report: Report, thresholds: Thresholds) -> list[str]:
    """One line per pack that fails a threshold: `file: [pack] reason; reason`."""
    lines = []
    for result in report.results:
        reasons = result_failures(result, report, thresholds)
        if reasons:
            lines.append(f"{report.profile.file}: [{result.pack.id}] " + "; ".join(reasons))
    return lines


def row_failures(row: SummaryRow, pack: str, thresholds: Thresholds) -> str | None:
    """The same for a row of a batch summary."""
    undecided = [rule for rule, (kind, outcome, _) in row.rules.items() if kind == "veto" and outcome == "missing_data"]
    reasons = below(row.total, thresholds) + vetoes([v.rule for v in row.vetoes], undecided, thresholds)
    baseline = row.baseline
    if thresholds.fail_on_regression and baseline is not None and baseline.regression:
        reasons.append(f"regression: total {num(baseline.total_before)} → {num(row.total)}, grade "
                       f"{baseline.grade_before} → {row.computed_grade or row.grade}"
                       + (f", new veto {', '.join(baseline.new_vetoes)}" if baseline.new_vetoes else ""))
    return f"{row.file}: [{pack}] " + "; ".join(reasons) if reasons else None
