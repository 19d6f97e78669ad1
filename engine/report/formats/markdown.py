"""Compact Markdown (`--format markdown`) for a pull-request comment.

Per pack: a summary line, the dimension table (with the change against a
baseline, when there is one), vetoes, the comparison with the baseline
(totals, grade, findings new and cleared, and the rules that changed, folded
in a <details> block), the unmet items with the points they would recover,
the waivers and the reviewer adjustments with their audit trail, the path to
the next grade and the data to supply. Every text from a profile, a pack or a
reviewer's file is escaped, so a title cannot open a link, an HTML tag or a
table cell.
"""

from __future__ import annotations

import re

from engine.report.formats.review_text import applied_text, pack_comparison
from engine.report.formats.text import (
    bonus_points_text,
    check_value,
    earned_text,
    grade_text,
    included_text,
    next_grade_text,
    outcome_word,
    parameter_lines,
    veto_text,
)
from engine.report.labels import GRADE_CHANGE, OUTCOMES, label, pick
from engine.report.model import FindingOut, PackComparison, PackResult, Report
from engine.report.numbers import num, pct, signed

MAX_MISSING = 10  # data to supply listed in full up to this many; the rest are counted
# what can start markup mid-line: emphasis, code, links, HTML, table cells, entities, headings, mentions
CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
SPECIAL = re.compile(r"([\\`*_\[\]<>|~&#@])")

WORDS = {
    "unmet": ("未达标、扣分及否决事项", "Items not met, deductions and vetoes"),
    "score": ("得分/分值", "Score / points"),
    "recover": ("可挽回", "Recoverable"),
    "more": ("另有{n}项", "and {n} more"),
    "all_met": ("全部达标。", "All items met."),
}


def md(text: str) -> str:
    """Text as literal Markdown: one line, every syntax character escaped."""
    return SPECIAL.sub(r"\\\1", " ".join(CONTROL.sub("", str(text)).split()))


def unmet(result: PackResult) -> list[FindingOut]:
    """Items not fully met, deductions made and vetoes that applied, most recoverable points first."""
    found = [f for f in result.findings
             if (f.kind in ("item", "check") and f.outcome in ("not_met", "partly_met", "missing_data"))
             or (f.kind in ("penalty", "veto") and f.outcome in ("not_met", "missing_data"))]
    return sorted(found, key=lambda f: -(f.recoverable or 0))


def render_markdown(report: Report, lang: str = "zh") -> str:
    name = report.profile.name or report.profile.id or report.profile.file
    blocks = [_pack(report, name, result, lang, pack_comparison(report.baseline, result.pack.id))
              for result in report.results]
    if report.baseline is not None and report.baseline.notes:
        blocks.append("\n".join(f"> {md(note.get(lang))}" for note in report.baseline.notes))
    return "\n\n".join(blocks).rstrip() + "\n"


def _pack(report: Report, name: str, result: PackResult, lang: str, comparison: PackComparison | None = None) -> str:
    out = _heading(report, name, result, lang) + _vetoes(result, lang) + _dimensions(result, comparison, lang)
    cap = "" if result.bonus.cap is None else (f"（{label('cap', lang)} {num(result.bonus.cap)}）" if lang == "zh"
                                               else f" ({label('cap', lang)} {num(result.bonus.cap)})")
    items = f" · {label('item_bonus', lang)} +{num(result.bonus.items)}" if result.bonus.items else ""
    out += ["", f"{label('bonus', lang)} +{num(result.bonus.awarded)}{cap}{items} · {label('deductions', lang)} "
                f"−{num(result.deductions.total + result.deductions.dimensions)}", ""]
    if comparison is not None:
        out += _comparison(comparison, result, lang) + [""]
    out += _unmet_table(result, lang) + _review(result, lang)
    if result.next_grade is not None:
        out += ["", md(next_grade_text(result.next_grade, result, lang))]
    return "\n".join(out + _missing(result, lang) + _parameters(result, lang))


def _parameters(result: PackResult, lang: str) -> list[str]:
    """The parameters looked up by the profile (format 2), as the text report lists them."""
    lines = parameter_lines(result, lang)
    if not lines:
        return []
    return ["", f"**{label('parameters_by_profile', lang)}**", ""] + [f"- {md(line)}" for line in lines]


def _heading(report: Report, name: str, result: PackResult, lang: str) -> list[str]:
    """The profile and the pack; the total, the grade, the assessable share and the profile's file."""
    return [f"### {md(name)} — {md(result.pack.title.get(lang))}",
            f"**{label('total', lang)} {num(result.total)} / {num(result.max_total)}** · "
            f"{label('grade', lang)}{_sep(lang)}**{md(grade_text(result, lang))}** · "
            f"{label('coverage', lang)} {pct(result.coverage)} · `{report.profile.file.replace('`', '')}`", ""] + \
        [line for block in result.pack.includes for line in (md(included_text(block, lang)), "")]


def _vetoes(result: PackResult, lang: str) -> list[str]:
    out = []
    for veto in result.vetoes:
        who = f" ({md(', '.join(veto.subjects))})" if veto.subjects else ""
        out.append(f"> **{label('veto', lang)}**{_sep(lang)}{md(veto.rule)} {md(veto.title.get(lang))}{who} — "
                   f"{md(veto_text(veto, lang))}")
    return out + [""] if out else out


def _dimensions(result: PackResult, comparison: PackComparison | None, lang: str) -> list[str]:
    """The dimension table, with the change against the baseline when there is one."""
    deltas = {d.id: d for d in comparison.dimensions} if comparison is not None else None
    out = [f"| {label('dimension', lang)} | {label('weight', lang)} | {label('score', lang)} | "
           f"{label('share', lang)} |" + (f" {label('baseline_sheet', lang)} |" if deltas is not None else ""),
           "|---|--:|--:|--:|" + ("--:|" if deltas is not None else "")]
    for d in result.dimensions:
        delta = ""
        if deltas is not None:
            was = deltas.get(d.id)
            delta = f" {signed(was.delta) if was is not None else '—'} |"
        score = (num(d.score) + (f"+{num(d.bonus)}" if d.bonus else "")) if d.counted else "—"
        out.append(f"| {md(d.id)} {md(d.title.get(lang))} | {num(d.weight)} | {score} | {pct(d.share)} |" + delta)
    return out


def _unmet_table(result: PackResult, lang: str) -> list[str]:
    """The items not met with the points they would recover, or a line saying all are met."""
    items = unmet(result)
    if not items:
        return [pick(WORDS, "all_met", lang)]
    out = [f"**{pick(WORDS, 'unmet', lang)}** ({len(items)})", "",
           f"| {label('rule', lang)} | {label('item', lang)} | {label('outcome', lang)} | "
           f"{pick(WORDS, 'score', lang)} | {pick(WORDS, 'recover', lang)} |", "|---|---|---|--:|--:|"]
    for f in items:
        out.append(f"| {md(f.rule)} | {md(f.title.get(lang))} | {outcome_word(f, lang)} | {_score(f, lang)} | "
                   f"{num(f.recoverable) if f.recoverable else ''} |")
    return out


def _missing(result: PackResult, lang: str) -> list[str]:
    """The data to supply, the first MAX_MISSING by name and the rest counted."""
    if not result.missing_inputs:
        return []
    shown = [f"`{m.path.replace('`', '')}`" + (f" {md(m.title.get(lang))}" if m.title else "")
             for m in result.missing_inputs[:MAX_MISSING]]
    rest = len(result.missing_inputs) - MAX_MISSING
    if rest > 0:
        shown.append(pick(WORDS, "more", lang).format(n=rest))
    return ["", f"{label('missing_inputs', lang)}{_sep(lang)}" + ("；" if lang == "zh" else "; ").join(shown)]


def _sep(lang: str) -> str:
    return "：" if lang == "zh" else ": "


def _titles(result: PackResult, lang: str) -> dict[str, str]:
    return {f.rule: f.title.get(lang) for f in result.findings}


def _named(rules: list[str], titles: dict[str, str], lang: str) -> str:
    joiner = "；" if lang == "zh" else "; "
    return joiner.join(f"{md(rule)} {md(titles[rule])}" if rule in titles else md(rule) for rule in rules)


def _comparison(pack: PackComparison, result: PackResult, lang: str) -> list[str]:
    """The comparison with the baseline: a line of totals and grades, the findings new and cleared, and the
    rules that changed in a folded table."""
    sep = "：" if lang == "zh" else ": "
    before = pack.grade_before_title.get(lang) if pack.grade_before_title else pack.grade_before
    after = pack.grade_after_title.get(lang) if pack.grade_after_title else pack.grade_after
    flag = f" · **{label('regression', lang)}**" if pack.regression else ""
    out = [f"**{label('baseline', lang)}**{sep}{label('total', lang)} {num(pack.total_before)} → "
           f"{num(pack.total_after)} ({signed(pack.delta)}) · {label('grade', lang)} {md(before)} → {md(after)} "
           f"({pick(GRADE_CHANGE, pack.grade_change, lang)}){flag}"]
    titles = _titles(result, lang)
    for key, rules in (("new_vetoes", pack.new_vetoes), ("cleared_vetoes", pack.cleared_vetoes),
                       ("new_findings", pack.new_findings), ("cleared_findings", pack.cleared_findings)):
        if rules:
            out += ["", f"{label(key, lang)}{sep}{_named(rules, titles, lang)}"]
    if pack.rules:
        heads = " | ".join(label(key, lang) for key in ("rule", "item", "outcome_before", "outcome_after",
                                                          "points_before", "points_after", "delta"))
        out += ["", f"<details><summary>{label('changed_rules', lang)} ({len(pack.rules)})</summary>", "",
                f"| {heads} |", "|---|---|---|---|--:|--:|--:|"]
        for r in pack.rules:
            title = r.title.get(lang) if r.title else titles.get(r.rule, "")
            out.append(f"| {md(r.rule)} | {md(title)} | {pick(OUTCOMES, r.before, lang) if r.before else '—'} | "
                       f"{pick(OUTCOMES, r.after, lang) if r.after else '—'} | {num(r.points_before)} | "
                       f"{num(r.points_after)} | {signed(r.delta)} |")
        out += ["", "</details>"]
    return out


def _review(result: PackResult, lang: str) -> list[str]:
    """The waivers (justification, approver, expiry) and the adjustments' audit trail, or nothing."""
    sep = "：" if lang == "zh" else ": "
    titles = _titles(result, lang)
    out: list[str] = []
    if result.waivers:
        out += ["", f"**{label('waivers', lang)}** ({len(result.waivers)})", ""]
        for w in result.waivers:
            title = f" {md(titles[w.rule])}" if w.rule in titles else ""
            change = f"{pick(OUTCOMES, w.outcome, lang)} → {pick(OUTCOMES, 'waived', lang)}"
            who = f"{label('approver', lang)} {md(w.approver)}{'，' if lang == 'zh' else ', '}" \
                  f"{label('expires', lang)} {md(w.expires)}"
            change = f"（{change}）" if lang == "zh" else f" ({change})"
            out.append(f"- {md(w.rule)}{title}{change}{sep}{md(w.justification)} — {who}")
    if result.adjustments:
        heads = " | ".join(label(key, lang) for key in ("rule", "computed", "adjustment", "final", "reviewer",
                                                          "why"))
        out += ["", f"**{label('adjustments', lang)}** ({len(result.adjustments)})", "", f"| {heads} |",
                "|---|--:|--:|--:|---|---|"]
        for a in result.adjustments:
            out.append(f"| {md(a.rule)} | {num(a.computed)} | {md(applied_text(a, lang))} | {num(a.adjusted)} | "
                       f"{md(a.reviewer)} | {md(a.reason)} |")
    return out


def _score(f: FindingOut, lang: str) -> str:
    if f.kind == "penalty":
        return f"−{num(f.deducted)}" if f.deducted else ""
    if f.kind == "veto":
        return ""
    if f.kind == "check":
        return md(check_value(f, lang))
    if f.kind == "bonus":
        return f"{earned_text(f)}（{md(bonus_points_text(f, lang))}）" if lang == "zh" else \
            f"{earned_text(f)} ({md(bonus_points_text(f, lang))})"
    return f"{earned_text(f)}/{num(f.points)}"
