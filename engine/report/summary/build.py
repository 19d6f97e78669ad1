"""Summary rows from reports, and the description of a pack's table (grades, dimensions)."""

from __future__ import annotations

from engine.pack.model import Pack
from engine.report.build import number, text
from engine.report.model import Comparison, PackComparison, PackResult, Report, Text
from engine.report.summary.model import (
    GroupDimension,
    GroupGrade,
    RowComparison,
    RowDimension,
    RowVeto,
    RowWithheld,
    SummaryGroup,
    SummaryRow,
)
from engine.review.baseline import rule_points


def group_of(pack: Pack) -> SummaryGroup:
    """The empty table of a pack: its title, grades (best first) and dimensions."""
    return SummaryGroup(pack=pack.id, title=text(pack.meta.title),
                        grades=[GroupGrade(id=g.id, title=text(g.title)) for g in pack.grades],
                        dimensions=[GroupDimension(id=d.id, title=text(d.title), weight=number(d.weight))
                                    for d in pack.dimensions])


def rows_of(report: Report, outputs: list[str] | None = None) -> list[tuple[str, SummaryRow]]:
    """(pack id, row) for each pack result of a report."""
    comparisons = {p.pack: p for p in report.baseline.packs} if report.baseline is not None else {}
    return [(result.pack.id, row_of(report, result, comparisons.get(result.pack.id), outputs or []))
            for result in report.results]


def _grade_title(result: PackResult) -> Text:
    """A grade withheld for lack of data says so, and names the grade the data given would earn."""
    title = result.grade.title
    if not result.grade.withheld:
        return title
    return Text(zh=f"暂不评定（{title.zh}）", en=f"not given ({title.en})")


def _withheld(result: PackResult) -> RowWithheld | None:
    """Why the grade is not given, when it is not."""
    grade = result.grade
    if not grade.withheld:
        return None
    coverage, minimum = result.coverage, grade.min_coverage
    below = coverage is not None and minimum is not None and coverage < minimum
    return RowWithheld(min_coverage=minimum if below else None, undecided_vetoes=list(grade.undecided_vetoes))


def row_of(report: Report, result: PackResult, comparison: PackComparison | None, outputs: list[str]) -> SummaryRow:
    profile = report.profile
    return SummaryRow(
        file=profile.file, profile_id=profile.id, name=profile.name, period_start=profile.period_start,
        period_end=profile.period_end, pack_version=result.pack.version, total=result.total,
        max_total=result.max_total, grade=result.grade.id, grade_title=_grade_title(result),
        grade_index=result.grade.index, withheld=_withheld(result),
        dimensions=[RowDimension(id=d.id, score=d.score if d.counted else None) for d in result.dimensions],
        vetoes=[RowVeto(rule=v.rule, severity=v.severity) for v in result.vetoes], coverage=result.coverage,
        waived=len(result.waivers), adjusted=len({a.rule for a in result.adjustments}),
        warnings=len(report.warnings),
        baseline=_comparison(report.baseline, comparison),
        rules={f.rule: [f.kind, f.outcome, rule_points(f.kind, f.earned, f.deducted)] for f in result.findings},
        outputs=list(outputs))


def _comparison(baseline: Comparison | None, pack: PackComparison | None) -> RowComparison | None:
    """The row's comparison with its pack's result in the baseline, if the baseline has one."""
    if baseline is None or pack is None:
        return None
    return RowComparison(file=baseline.file, total_before=pack.total_before, delta=pack.delta,
                         grade_before=pack.grade_before, grade_before_title=pack.grade_before_title,
                         grade_change=pack.grade_change,
                         new_findings=len(pack.new_findings), cleared_findings=len(pack.cleared_findings),
                         new_vetoes=pack.new_vetoes, regression=pack.regression)
