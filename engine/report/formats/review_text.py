"""Text blocks for the review workflows: waivers, the adjustment audit trail, the comparison with a baseline.

The sentences here (a waiver's note, an adjustment's audit line, a change in signed points) are shared by
every human format: the text report, the score sheet of the HTML and Excel reports, Markdown, SARIF, JUnit.
"""

from __future__ import annotations

from engine.report.labels import GRADE_CHANGE, OUTCOMES, label, pick
from engine.report.model import AdjustmentOut, Comparison, PackComparison, PackResult, WaiverOut
from engine.report.numbers import num, signed
from engine.report.table import render_table


def _sep(lang: str) -> str:
    return "：" if lang == "zh" else ": "


def pack_comparison(baseline: Comparison | None, pack_id: str) -> PackComparison | None:
    """The comparison of one pack's result with the baseline, if the report has one for that pack."""
    if baseline is None:
        return None
    return next((p for p in baseline.packs if p.pack == pack_id), None)


def finding_notes(result: PackResult, lang: str) -> dict[str, str]:
    """Per rule, what the findings table adds to its reason: the waiver, the adjustments."""
    notes: dict[str, list[str]] = {}
    for waiver in result.waivers:
        notes.setdefault(waiver.rule, []).append(f"{label('waived_by', lang)}{_sep(lang)}{waiver.justification}")
    for step in result.adjustments:
        notes.setdefault(step.rule, []).append(
            f"{label('adjusted', lang)} {signed(step.applied)}（{step.reviewer}）" if lang == "zh"
            else f"{label('adjusted', lang)} {signed(step.applied)} ({step.reviewer})")
    return {rule: "; ".join(parts) for rule, parts in notes.items()}


def applied_text(step: AdjustmentOut, lang: str) -> str:
    """What an adjustment changed: '-3', or '+10 (+20, bounded by the rule's points)' when it was bounded."""
    change = signed(step.applied)
    if step.applied != step.points:
        change += f" ({signed(step.points)}, {label('bounded', lang)})"
    return change


def waiver_note(waiver: WaiverOut, lang: str, prefix: bool = True) -> str:
    """'豁免：理由（批准人 X，有效期至 Y）': a waived rule's note in a score sheet or a machine format
    (without '豁免：' when `prefix` is False)."""
    head = f"{label('waived_by', lang)}{_sep(lang)}" if prefix else ""
    if lang == "zh":
        return (f"{head}{waiver.justification}（{label('approver', lang)} {waiver.approver}，"
                f"{label('expires', lang)} {waiver.expires}）")
    return (f"{head}{waiver.justification} ({label('approver', lang)} {waiver.approver}, "
            f"{label('expires', lang)} {waiver.expires})")


def adjustment_note(step: AdjustmentOut, lang: str) -> str:
    """One adjustment's audit trail in a line: the change, the computed and the final score, who and why."""
    computed = f"{label('computed', lang)} {num(step.computed)} → {num(step.adjusted)}"
    if lang == "zh":
        return (f"{label('adjusted', lang)} {applied_text(step, lang)}（{computed}；"
                f"{label('reviewer', lang)} {step.reviewer}：{step.reason}）")
    return (f"{label('adjusted', lang)} {applied_text(step, lang)} ({computed.lower()}; "
            f"{label('reviewer', lang).lower()} {step.reviewer}: {step.reason})")


def review_notes(result: PackResult, lang: str) -> dict[str, list[str]]:
    """Per rule, the full notes of its waiver and adjustments (for the 扣分原因 of a score sheet)."""
    notes: dict[str, list[str]] = {}
    for waiver in result.waivers:
        notes.setdefault(waiver.rule, []).append(waiver_note(waiver, lang))
    for step in result.adjustments:
        notes.setdefault(step.rule, []).append(adjustment_note(step, lang))
    return notes


def review_block(result: PackResult, lang: str) -> str:
    """The waivers and the audit trail of adjustments, or '' when there are none."""
    out: list[str] = []
    if result.waivers:
        out.append(f"{label('waivers', lang)}:")
        for w in result.waivers:
            before = pick(OUTCOMES, w.outcome, lang)
            out.append(f"  - [{w.rule}] {w.justification} — {label('approver', lang)} {w.approver}，"
                       f"{label('expires', lang)} {w.expires}（{before} → {pick(OUTCOMES, 'waived', lang)}）"
                       if lang == "zh" else
                       f"  - [{w.rule}] {w.justification} — {label('approver', lang)} {w.approver}, "
                       f"{label('expires', lang)} {w.expires} ({before} → {pick(OUTCOMES, 'waived', lang)})")
            out.append(f"    {w.source}")
    if result.adjustments:
        if out:
            out.append("")
        out.append(f"{label('adjustments', lang)}:")
        headers = [label("rule", lang), label("computed", lang), label("adjustment", lang), label("final", lang),
                   label("reviewer", lang), label("reason", lang)]
        rows = []
        for step in result.adjustments:
            rows.append([step.rule, num(step.computed), applied_text(step, lang), num(step.adjusted), step.reviewer,
                         step.reason])
        out.append(render_table(headers, rows, ["left", "right", "right", "right", "left", "left"],
                                [None, None, None, None, 24, 48]))
    return "\n".join(out)


def comparison_block(comparison: Comparison | None, lang: str, titles: dict[str, str] | None = None) -> str:
    if comparison is None:
        return ""
    who = comparison.profile or comparison.file
    period = f" {comparison.period_start} {label('to', lang)} {comparison.period_end}" \
        if comparison.period_start else ""
    out = [f"{label('baseline', lang)}{_sep(lang)}{who}{period}  ({comparison.file})"]
    for note in comparison.notes:
        out.append(f"  ! {note.get(lang)}")
    for pack in comparison.packs:
        out.append(_pack_block(pack, lang))
    return "\n".join(out)


def _pack_block(pack: PackComparison, lang: str) -> str:
    before = pack.grade_before_title.get(lang) if pack.grade_before_title else pack.grade_before
    after = pack.grade_after_title.get(lang) if pack.grade_after_title else pack.grade_after
    flag = f"  [{label('regression', lang)}]" if pack.regression else ""
    lines = [f"  {pack.pack}: {label('total', lang)} {num(pack.total_before)} → {num(pack.total_after)} "
             f"({signed(pack.delta)}); {label('grade', lang)} {before} → {after} "
             f"({pick(GRADE_CHANGE, pack.grade_change, lang)}){flag}"]
    rows = [[d.id + (f" {d.title.get(lang)}" if d.title else ""), num(d.before), num(d.after), signed(d.delta)]
            for d in pack.dimensions]
    if rows:
        table = render_table([label("dimension", lang), label("before", lang), label("after", lang),
                              label("delta", lang)], rows, ["left", "right", "right", "right"])
        lines += ["    " + line for line in table.splitlines()]
    for key, items in (("new_vetoes", pack.new_vetoes), ("cleared_vetoes", pack.cleared_vetoes),
                       ("new_findings", pack.new_findings), ("cleared_findings", pack.cleared_findings)):
        if items:
            lines.append(f"    {label(key, lang)}{_sep(lang)}{', '.join(items)}")
    if pack.rules:
        lines.append(f"    {label('changed_rules', lang)}:")
        rows = [[r.rule, (r.title.get(lang) if r.title else ""), pick(OUTCOMES, r.before, lang) if r.before else "—",
                 pick(OUTCOMES, r.after, lang) if r.after else "—", num(r.points_before), num(r.points_after),
                 signed(r.delta)] for r in pack.rules]
        headers = [label(key, lang) for key in ("rule", "item", "outcome_before", "outcome_after", "points_before",
                                                "points_after", "delta")]
        table = render_table(headers, rows,
                             ["left", "left", "left", "left", "right", "right", "right"],
                             [None, 24, None, None, None, None, None])
        lines += ["    " + line for line in table.splitlines()]
    return "\n".join(lines)
