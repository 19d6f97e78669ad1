"""The text report: what a reviewer reads in a terminal, in Chinese or English."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from .labels import BLOCKED, DEMOTION, OUTCOMES, PENALTY_OUTCOMES, SEVERITY, VETO_OUTCOMES, label, pick
from .model import FindingOut, PackResult, Report
from .review_text import comparison_block, finding_notes, review_block
from .table import render_table


def num(value, places: int = 2) -> str:
    if value is None:
        return "—"
    rounded = Decimal(str(value)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    text = format(rounded, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def pct(value) -> str:
    return "—" if value is None else num(Decimal(str(value)) * 100, 1) + "%"


def outcome_word(finding: FindingOut, lang: str) -> str:
    if finding.kind == "veto" and finding.outcome in VETO_OUTCOMES:
        return pick(VETO_OUTCOMES, finding.outcome, lang)
    if finding.kind == "penalty" and finding.outcome in PENALTY_OUTCOMES:
        return pick(PENALTY_OUTCOMES, finding.outcome, lang)
    return pick(OUTCOMES, finding.outcome, lang)


def render_text(report: Report, lang: str = "zh") -> str:
    blocks = [_header(report, lang)]
    for result in report.results:
        blocks.append(_pack(result, lang))
    if report.baseline is not None:
        blocks.append(comparison_block(report.baseline, lang))
    if report.warnings:
        lines = [f"{label('warnings', lang)}:"]
        lines += [f"  {w.file}:{w.line}:{w.col}: {w.severity}[{w.code}]: {w.message}" for w in report.warnings]
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks).rstrip() + "\n"


def _header(report: Report, lang: str) -> str:
    profile = report.profile
    name = profile.name or profile.id or profile.file
    lines = [f"{label('report', lang)}：{name}" if lang == "zh" else f"{label('report', lang)}: {name}"]
    details = [profile.file]
    if profile.period_start:
        details.append(f"{label('period', lang)} {profile.period_start} {label('to', lang)} {profile.period_end}")
    details.append(f"{label('backend', lang)} {report.engine.backend}")
    lines.append("  ".join(details))
    return "\n".join(lines)


def _sep(lang: str) -> str:
    return "：" if lang == "zh" else ": "


def _pack(result: PackResult, lang: str) -> str:
    pack = result.pack
    made_of = " ← ".join(f"{layer.id} {layer.version}" for layer in reversed(pack.layers)) \
        if len(pack.layers) > 1 else f"{pack.id} {pack.version}"
    out = [f"== {pack.title.get(lang)} ({made_of}, {label('edition', lang)} {pack.edition}) =="]
    if pack.defaults_note:
        out.append(f"{label('defaults_note', lang)}{_sep(lang)}{pack.defaults_note.get(lang)}")
    summary = (f"{label('total', lang)} {num(result.total)} / {num(result.max_total)}    "
               f"{label('grade', lang)}{_sep(lang)}{result.grade.title.get(lang)}    "
               f"{label('coverage', lang)} {pct(result.coverage)}")
    out.append(summary)
    for demotion in result.grade.demoted_from:
        name = demotion.title.get(lang) if demotion.title else demotion.grade
        out.append(f"  {label('demoted', lang)}{_sep(lang)}{name} ← {pick(DEMOTION, demotion.reason, lang)}")
    for veto in result.vetoes:
        who = f" ({', '.join(veto.subjects)})" if veto.subjects else ""
        out.append(f"  {label('veto', lang)}{_sep(lang)}[{veto.rule}] {veto.title.get(lang)}{who} — "
                   f"{pick(SEVERITY, veto.severity, lang)}")
    if result.awards_barred and not result.vetoes:
        out.append(f"  {label('awards_barred', lang)}")
    out.append("")
    out.append(_dimensions(result, lang))
    out.append("")
    out.append(_findings(result, lang))
    reviewed = review_block(result, lang)
    if reviewed:
        out += ["", reviewed]
    for table in result.tables:
        out.append("")
        out.append(_person_table(table, lang))
    out.append("")
    out.append(_recommendations(result, lang))
    if result.next_grade is not None:
        out.append("")
        out.append(_next_grade(result, lang))
    if result.missing_inputs:
        out.append("")
        out.append(f"{label('missing_inputs', lang)}:")
        for item in result.missing_inputs:
            title = f"（{item.title.get(lang)}）" if item.title and lang == "zh" else (
                f" ({item.title.get(lang)})" if item.title else "")
            out.append(f"  - {item.path}{title} — {label('rules', lang)} {', '.join(item.rules)}; "
                       f"{label('at_stake', lang)} {num(item.points_at_stake)}")
    if result.not_assessed:
        out.append("")
        out.append(f"{label('not_assessed', lang)}:")
        for item in result.not_assessed:
            out.append(f"  - [{item.rule}] {item.title.get(lang)} — params: {', '.join(item.params)}")
    return "\n".join(out)


def _dimensions(result: PackResult, lang: str) -> str:
    headers = [label("dimension", lang), label("weight", lang), label("score", lang), label("share", lang),
               label("penalties", lang)]
    rows = [[f"{d.id} {d.title.get(lang)}", num(d.weight), num(d.score) if d.counted else "—", pct(d.share),
             num(d.penalties) if d.penalties else ""] for d in result.dimensions]
    table = render_table(headers, rows, ["left", "right", "right", "right", "right"])
    extra = []
    cap = ""
    if result.bonus.cap is not None:
        cap = f"（{label('cap', lang)} {num(result.bonus.cap)}）" if lang == "zh" else \
            f" ({label('cap', lang)} {num(result.bonus.cap)})"
    extra.append(f"{label('bonus', lang)} +{num(result.bonus.awarded)}{cap}")
    if result.deductions.total_raw or result.deductions.dimensions:
        extra.append(f"{label('deductions', lang)} −{num(result.deductions.total + result.deductions.dimensions)}")
    return f"{label('dimensions', lang)}:\n{table}\n{'    '.join(extra)}"


def _reason(finding: FindingOut, lang: str, titles: dict) -> str:
    parts = []
    if finding.tier is not None:
        parts.append(finding.tier.get(lang))
    if finding.missing_inputs:
        shown = [titles.get(path, path) for path in finding.missing_inputs]
        parts.append(f"{label('missing_for', lang)}{_sep(lang)}{('、' if lang == 'zh' else ', ').join(shown)}")
    if finding.unset_params:
        parts.append("params: " + ", ".join(finding.unset_params))
    if finding.share is not None and finding.subjects:
        parts.append(pct(finding.share))
    if finding.occurrences:
        parts.append(("×" if lang == "en" else "共") + str(finding.occurrences) + ("" if lang == "en" else "次"))
    parts += [note.get(lang) for note in finding.notes]
    return "; ".join(parts)


def _findings(result: PackResult, lang: str) -> str:
    headers = [label("rule", lang), label("item", lang), label("points", lang), label("earned", lang),
               label("outcome", lang), label("reason", lang)]
    titles = {m.path: m.title.get(lang) for m in result.missing_inputs if m.title is not None}
    review_notes = finding_notes(result, lang)
    rows = []
    for f in result.findings:
        if f.kind == "penalty":
            points, earned = "", ("−" + num(f.deducted)) if f.deducted else "0"
        elif f.kind == "veto":
            points, earned = "", ""
        elif f.kind == "bonus" and f.per is not None:
            points = f"+{num(f.per)}/次" if lang == "zh" else f"+{num(f.per)} each"
            if f.points:
                points += f"，限{num(f.points)}" if lang == "zh" else f", max {num(f.points)}"
            earned = num(f.earned) if f.earned is not None else "—"
        else:
            points = ("+" if f.kind == "bonus" else "") + num(f.points)
            earned = num(f.earned) if f.earned is not None else "—"
        reason = "; ".join(part for part in (_reason(f, lang, titles), review_notes.get(f.rule)) if part)
        rows.append([f.rule, f.title.get(lang), points, earned, outcome_word(f, lang), reason])
    table = render_table(headers, rows, ["left", "left", "right", "right", "left", "left"],
                         [None, 30, None, None, None, 48])
    return f"{label('findings', lang)}:\n{table}"


def _person_table(table, lang: str) -> str:
    headers = [label("item", lang) if False else table.title.get(lang)]
    headers = [""] + [c.title.get(lang) for c in table.columns]
    rows = []
    for row in table.rows:
        cells = [row.label]
        for column in table.columns:
            cells.append(cell_text(row.values.get(column.key), column.format, lang))
        rows.append(cells)
    aligns = ["left"] + ["right" if c.format in (None, "percent", "number", "integer") and _numeric(table, c)
                         else "left" for c in table.columns]
    widths = [None] + [40 if c.format in ("text", "texts") else None for c in table.columns]
    return f"{table.title.get(lang)}:\n" + render_table(headers, rows, aligns, widths)


def _numeric(table, column) -> bool:
    return all(isinstance(r.values.get(column.key), (int, float, type(None))) and
               not isinstance(r.values.get(column.key), bool) for r in table.rows)


def cell_text(value, fmt: str | None, lang: str) -> str:
    """One cell of a per-person table, as a reviewer reads it."""
    if fmt == "outcome":
        band = value.get("band")
        return band[lang] if band else pick(OUTCOMES, value["outcome"], lang)
    if fmt == "text":
        return "" if value is None else value[lang]
    if fmt == "texts":
        return "；".join(v[lang] for v in value or []) if lang == "zh" else "; ".join(v[lang] for v in value or [])
    if fmt == "percent":
        return pct(value)
    if value is None:
        return "—"
    if isinstance(value, bool):
        return ("是" if value else "否") if lang == "zh" else ("yes" if value else "no")
    if isinstance(value, (int, float)):
        return num(value)
    if isinstance(value, list):
        return ("、" if lang == "zh" else ", ").join(cell_text(v, None, lang) for v in value) or "—"
    return str(value)


def _recommendations(result: PackResult, lang: str) -> str:
    out = [f"{label('recommendations', lang)}:"]
    if not result.recommendations:
        out.append("  " + label("no_recommendations", lang))
    for index, rec in enumerate(result.recommendations, 1):
        gain = f"{label('recover', lang)} {num(rec.recoverable)}{label('points_unit', lang)}"
        out.append(f"{index:>3}. [{rec.rule}] {rec.title.get(lang)} — {gain}")
        out.append(f"     {rec.text.get(lang)}")
        for cite in rec.citations:
            out.append(f"     {label('basis', lang)}{_sep(lang)}{cite.title.get(lang)}「{cite.quote}」")
    return "\n".join(out)


def _next_grade(result: PackResult, lang: str) -> str:
    plan = result.next_grade
    title = plan.target_title.get(lang)
    if plan.blocked_by:
        reasons = "; ".join(pick(BLOCKED, b, lang) for b in plan.blocked_by)
        return f"{label('next_grade', lang)}{_sep(lang)}{title} — {reasons}"
    if not plan.reachable:
        if lang == "zh":
            return f"{label('next_grade', lang)}：距“{title}”还差{num(plan.gap)}分，现有未达标项目全部达标仍不足。"
        return f"{label('next_grade', lang)}: {num(plan.gap)} points short of {title}; all unmet items together " \
               f"are not enough."
    items = ", ".join(f"{i.rule} (+{num(i.recoverable)})" for i in plan.items)
    if lang == "zh":
        return (f"{label('next_grade', lang)}：距“{title}”还差{num(plan.gap)}分；"
                f"完成以下{len(plan.items)}项即可（预计{num(plan.total_after)}分）：{items}")
    return (f"{label('next_grade', lang)}: {num(plan.gap)} points short of {title}; meeting these "
            f"{len(plan.items)} item(s) gets there (about {num(plan.total_after)}): {items}")
