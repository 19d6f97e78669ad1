"""The score sheet (考核评分表) as rows, in the layout officials use; shared by the Excel and HTML renderers.

维度 | 项目 | 标准及要求 | 分值 | 评分办法 | 得分 | 扣分原因 | 依据 | 佐证材料, then the
outcome and the rule id. Items are grouped by dimension with a subtotal, then
the bonus items, the deductions not charged to a dimension and the vetoes,
then the total, the grade and the assessable share of points.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from engine.report.formats.review_text import review_notes
from engine.report.formats.text import (
    bonus_points_text,
    check_value,
    counts_nothing,
    demotion_lines,
    finding_veto_text,
    format_2_details,
    grade_text,
    included_text,
    occurrences_text,
    outcome_word,
    parameter_lines,
    penalty_points_text,
    unset_text,
    value_titles,
    veto_text,
)
from engine.report.labels import label, pick
from engine.report.model import Citation, FindingOut, PackResult
from engine.report.numbers import num, pct

COLUMNS = ("dimension", "item", "standard", "points", "method", "score", "reason", "basis", "evidence", "outcome",
           "rule")

HEADERS = {
    "dimension": ("维度", "Dimension"),
    "item": ("项目", "Item"),
    "standard": ("标准及要求", "Standard and requirements"),
    "points": ("分值", "Points"),
    "method": ("评分办法", "Scoring method"),
    "score": ("得分", "Score"),
    "reason": ("扣分原因", "Reason for deduction"),
    "basis": ("依据", "Basis"),
    "evidence": ("佐证材料", "Evidence"),
    "outcome": ("结果", "Outcome"),
    "rule": ("编号", "Rule"),
}

WORDS = {
    "subtotal": ("小计", "Subtotal"),
    "scaled": ("可评定分值{available}分，按{weight}分折算", "{available} points assessable, scaled to {weight}"),
    "includes_penalties": ("含扣分{points}分", "includes {points} deducted"),
    "over_cap": ("计{raw}分，超过上限按{cap}分计", "{raw} counted, capped at {cap}"),
    "other_deductions": ("扣分项（不计入维度）", "Deductions (not charged to a dimension)"),
    "score_sheet": ("考核评分表", "Score sheet"),
    "recommendation": ("整改建议", "Recommendation"),
    "share_met": ("达标比例{share}", "{share} met"),
    "score_of": ("得分 {earned}/{points}", "{earned} of {points} points"),
    "recoverable": ("可挽回{points}分", "{points} recoverable"),
    "deducted": ("扣{points}分", "{points} deducted"),
    "includes_bonus": ("含项目加分{points}分", "includes the items' own bonus, {points}"),
}


def header(key: str, lang: str) -> str:
    return pick(HEADERS, key, lang)


def word(key: str, lang: str, **values: object) -> str:
    text = pick(WORDS, key, lang)
    return text.format(**values) if values else text


@dataclass
class SheetRow:
    kind: str  # item | bonus | penalty | veto | check | subtotal | total | grade | coverage | awards
    item: str
    rule: str | None = None
    standard: str = ""
    points: float | None = None
    points_text: str | None = None  # where the 分值 is words: a bonus per occurrence with its cap
    method: str = ""
    score: float | None = None  # negative for deductions
    score_text: str | None = None  # where the score is a word: a veto, a grade
    reason: str = ""
    basis: str = ""
    evidence: str = ""
    outcome: str = ""  # the outcome in words
    outcome_key: str = ""  # met | partly_met | not_met | ... (for styling)


@dataclass
class Group:
    title: str  # the 维度 column: a dimension, or a section such as 加分项
    rows: list[SheetRow] = field(default_factory=list)
    subtotal: SheetRow | None = None


def score_sheet(result: PackResult, lang: str) -> tuple[list[Group], list[SheetRow]]:
    """The groups of rows (per dimension, then bonus, other deductions, vetoes) and the closing rows.

    A waived rule's 扣分原因 gives the waiver (justification, approver, expiry); an adjusted rule's gives
    each adjustment's audit trail (computed score, change, result, reviewer and reason).
    """
    recs = {r.rule: r.text.get(lang) for r in result.recommendations}
    titles = value_titles(result, lang)
    reviewed = review_notes(result, lang)
    groups: list[Group] = []
    for dim in result.dimensions:
        group = Group(f"{dim.id} {dim.title.get(lang)}")
        group.rows = [_row(f, lang, recs, titles, reviewed) for f in result.findings
                      if f.dimension == dim.id and f.kind in ("item", "penalty", "check")]
        notes = []
        if dim.available != dim.declared and dim.counted:
            notes.append(word("scaled", lang, available=num(dim.available), weight=num(dim.weight)))
        if dim.penalties:
            notes.append(word("includes_penalties", lang, points=num(dim.penalties)))
        if dim.bonus:
            notes.append(word("includes_bonus", lang, points=num(dim.bonus)))
        group.subtotal = SheetRow("subtotal", word("subtotal", lang), points=dim.weight,
                                  score=dim.score + dim.bonus if dim.counted else None,
                                  score_text=None if dim.counted else "—",
                                  reason=_join(notes, lang), outcome=pct(dim.share))
        groups.append(group)
    dims = {d.id for d in result.dimensions}
    checks = [f for f in result.findings if f.kind == "check" and f.dimension not in dims]
    if checks:
        groups.append(Group(label("checks", lang), [_row(f, lang, recs, titles, reviewed) for f in checks]))
    bonus = [f for f in result.findings if f.kind == "bonus"]
    if bonus:
        over = result.bonus.cap is not None and result.bonus.raw > result.bonus.awarded
        groups.append(Group(label("bonus", lang), [_row(f, lang, recs, titles, reviewed) for f in bonus],
                            SheetRow("subtotal", word("subtotal", lang), points=result.bonus.cap,
                                     score=result.bonus.awarded,
                                     reason=word("over_cap", lang, raw=num(result.bonus.raw),
                                                 cap=num(result.bonus.cap)) if over else "")))
    other = [f for f in result.findings if f.kind == "penalty" and f.dimension not in dims]
    if other:
        over = result.deductions.total_raw > result.deductions.total
        groups.append(Group(word("other_deductions", lang), [_row(f, lang, recs, titles, reviewed) for f in other],
                            SheetRow("subtotal", word("subtotal", lang), score=-result.deductions.total,
                                     reason=word("over_cap", lang, raw=num(result.deductions.total_raw),
                                                 cap=num(result.deductions.total)) if over else "")))
    vetoes = [f for f in result.findings if f.kind == "veto"]
    if vetoes:
        groups.append(Group(label("vetoes", lang), [_row(f, lang, recs, titles, reviewed) for f in vetoes]))
    return groups, _closing(result, lang)


def _closing(result: PackResult, lang: str) -> list[SheetRow]:
    rows = [SheetRow("total", label("total", lang), points=result.max_total, score=result.total)]
    rows.append(SheetRow("grade", label("grade", lang), score_text=grade_text(result, lang),
                         reason=_join(demotion_lines(result, lang), lang)))
    for veto in result.vetoes:
        who = f" ({', '.join(veto.subjects)})" if veto.subjects else ""
        rows.append(SheetRow("veto", label("veto", lang), rule=veto.rule, score_text=veto.title.get(lang) + who,
                             reason=veto_text(veto, lang), outcome_key="not_met"))
    if result.awards_barred and not result.vetoes:  # a veto's own row already says it
        rows.append(SheetRow("awards", label("awards_barred", lang)))
    rows.append(SheetRow("coverage", label("coverage", lang), score_text=pct(result.coverage)))
    rows += [SheetRow("include", label("included", lang), reason=included_text(block, lang))
             for block in result.pack.includes]
    rows += [SheetRow("parameter", "" if index else label("parameters_by_profile", lang), reason=line)
             for index, line in enumerate(parameter_lines(result, lang))]  # the heading once, on the first row
    return rows


def _row(f: FindingOut, lang: str, recs: dict[str, str], titles: dict[str, str],
         reviewed: dict[str, list[str]]) -> SheetRow:
    row = SheetRow(f.kind, f.title.get(lang), rule=f.rule,
                   standard=f.description.get(lang) if f.description else "",
                   method=f.method.get(lang) if f.method else "",
                   basis="\n".join(_citation(c, lang) for c in f.citations),
                   evidence="\n".join(e.get(lang) for e in f.evidence),
                   outcome=outcome_word(f, lang), outcome_key=f.outcome)
    if f.kind == "penalty":
        row.score = -(f.deducted or 0)
        row.points_text = penalty_points_text(f, lang) or None
    elif f.kind == "veto":
        row.score_text = outcome_word(f, lang)
    elif f.kind == "check":
        row.score_text = check_value(f, lang) if f.level_label or f.measure else outcome_word(f, lang)
    else:
        row.points = f.points
        row.score = f.earned
        if f.kind == "bonus":
            row.points_text = bonus_points_text(f, lang)
        if f.bonus:  # an item's own bonus beside the points of its standard
            row.score_text = f"{num(f.earned)}+{num(f.bonus)}"
        elif counts_nothing(f) or (f.earned is None and f.not_applicable is not None):
            row.score_text = "—"  # left out of its dimension
    # the waiver and each adjustment on a line of their own, after the reason the engine gives
    row.reason = "\n".join(part for part in (_reason_text(f, lang, recs, titles), *reviewed.get(f.rule, ())) if part)
    return row


def _reason_text(f: FindingOut, lang: str, recs: dict[str, str], titles: dict[str, str]) -> str:
    """Why points were lost (or data is missing): the details, then what the recommendation says."""
    lost = f.outcome in ("not_met", "partly_met", "missing_data", "not_assessed")
    if f.kind == "penalty":
        lost = bool(f.deducted)
    if f.kind == "veto":
        lost = f.outcome == "not_met"
    parts = details(f, lang, titles) if lost else format_2_details(f, lang) + [n.get(lang) for n in f.notes]
    if lost and f.rule in recs:
        parts.append(recs[f.rule])
    return _join([p for p in parts if p], lang)


def details(f: FindingOut, lang: str, titles: dict[str, str]) -> list[str]:
    """A finding's particulars: tier, missing inputs (by title), unset parameters, share, occurrences, notes."""
    parts = []
    if f.tier is not None:
        parts.append(f.tier.get(lang))
    if f.missing_inputs:
        shown = ("、" if lang == "zh" else ", ").join(titles.get(path, path) for path in f.missing_inputs)
        parts.append(f"{label('missing_for', lang)}{'：' if lang == 'zh' else ': '}{shown}")
    if f.unset_params:
        parts.append(unset_text(f.unset_params, titles, lang))
    if f.share is not None and f.subjects:
        parts.append(word("share_met", lang, share=pct(f.share)))
    if f.occurrences:
        parts.append(occurrences_text(f, lang))
    return parts + format_2_details(f, lang) + [n.get(lang) for n in f.notes]


def _citation(cite: Citation, lang: str) -> str:
    text = f"《{cite.title.get(lang)}》「{cite.quote}」" if lang == "zh" else f"{cite.title.get(lang)}: “{cite.quote}”"
    if cite.note is not None:
        text += f"（{cite.note.get(lang)}）" if lang == "zh" else f" ({cite.note.get(lang)})"
    return text


def _join(parts: list[str], lang: str) -> str:
    return ("；" if lang == "zh" else "; ").join(parts)


def summary(f: FindingOut, lang: str, titles: dict[str, str], recs: dict[str, str]) -> str:
    """One line on a finding for machine formats: outcome, title, points, and what to do (or why)."""
    head = f"[{outcome_word(f, lang)}] {f.title.get(lang)}"
    parts = []
    if f.kind == "veto":
        parts.append(finding_veto_text(f, lang))
    elif f.kind == "penalty":
        if f.deducted:
            parts.append(word("deducted", lang, points=num(f.deducted)))
    elif f.points is not None and f.earned is not None:
        parts.append(word("score_of", lang, earned=num(f.earned), points=num(f.points)))
    if f.recoverable:
        parts.append(word("recoverable", lang, points=num(f.recoverable)))
    parts += format_2_details(f, lang) + [recs[f.rule]] if f.rule in recs else details(f, lang, titles)
    body = _join([p for p in parts if p], lang)
    return f"{head}{'：' if lang == 'zh' else ': '}{body}" if body else head
