"""Text blocks for the review workflows: waivers, the adjustment audit trail, the comparison with a baseline."""

from __future__ import annotations

from .labels import GRADE_CHANGE, OUTCOMES, label, pick
from .model import Comparison, PackComparison, PackResult
from .table import render_table


def _num(value) -> str:
    from .text import num

    return num(value)


def _signed(value) -> str:
    if value is None:
        return "—"
    text = _num(value)
    return text if text.startswith("-") or text == "0" else "+" + text


def _sep(lang: str) -> str:
    return "：" if lang == "zh" else ": "


def finding_notes(result: PackResult, lang: str) -> dict[str, str]:
    """Per rule, what the findings table adds to its reason: the waiver, the adjustments."""
    notes: dict[str, list[str]] = {}
    for waiver in result.waivers:
        notes.setdefault(waiver.rule, []).append(f"{label('waived_by', lang)}{_sep(lang)}{waiver.justification}")
    for step in result.adjustments:
        notes.setdefault(step.rule, []).append(
            f"{label('adjusted', lang)} {_signed(step.applied)}（{step.reviewer}）" if lang == "zh"
            else f"{label('adjusted', lang)} {_signed(step.applied)} ({step.reviewer})")
    return {rule: "; ".join(parts) for rule, parts in notes.items()}


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
            change = _signed(step.applied)
            if step.applied != step.points:
                change += f" ({_signed(step.points)}, {label('bounded', lang)})"
            rows.append([step.rule, _num(step.computed), change, _num(step.adjusted), step.reviewer, step.reason])
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
    lines = [f"  {pack.pack}: {label('total', lang)} {_num(pack.total_before)} → {_num(pack.total_after)} "
             f"({_signed(pack.delta)}); {label('grade', lang)} {before} → {after} "
             f"({pick(GRADE_CHANGE, pack.grade_change, lang)}){flag}"]
    rows = [[d.id + (f" {d.title.get(lang)}" if d.title else ""), _num(d.before), _num(d.after), _signed(d.delta)]
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
                 pick(OUTCOMES, r.after, lang) if r.after else "—", _num(r.points_before), _num(r.points_after),
                 _signed(r.delta)] for r in pack.rules]
        headers = ["编号", "项目", "基线结果", "本次结果", "基线得分", "本次得分", "增减"] if lang == "zh" else \
            ["Rule", "Item", "Outcome before", "Outcome now", "Points before", "Points now", "Change"]
        table = render_table(headers, rows,
                             ["left", "left", "left", "left", "right", "right", "right"],
                             [None, 24, None, None, None, None, None])
        lines += ["    " + line for line in table.splitlines()]
    return "\n".join(lines)
