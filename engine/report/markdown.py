"""Compact Markdown (`--format markdown`) for a pull-request comment.

Per pack: a summary line, the dimension table, vetoes, the unmet items with
the points they would recover, the path to the next grade and the data to
supply. Every text from a profile or a pack is escaped, so a title cannot
open a link, an HTML tag or a table cell.
"""

from __future__ import annotations

import re

from .labels import SEVERITY, label, pick
from .model import FindingOut, PackResult, Report
from .text import _next_grade, num, outcome_word, pct

MAX_MISSING = 10  # data to supply listed in full up to this many; the rest are counted
# what can start markup mid-line: emphasis, code, links, HTML, table cells, entities, headings, mentions
CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
SPECIAL = re.compile(r"([\\`*_\[\]<>|~&#@])")

WORDS = {
    "unmet": ("未达标项目", "Items not met"),
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
             if (f.kind == "item" and f.outcome in ("not_met", "partly_met", "missing_data"))
             or (f.kind in ("penalty", "veto") and f.outcome in ("not_met", "missing_data"))]
    return sorted(found, key=lambda f: -(f.recoverable or 0))


def render_markdown(report: Report, lang: str = "zh") -> str:
    name = report.profile.name or report.profile.id or report.profile.file
    blocks = [_pack(report, name, result, lang) for result in report.results]
    return "\n\n".join(blocks).rstrip() + "\n"


def _pack(report: Report, name: str, result: PackResult, lang: str) -> str:
    sep = "：" if lang == "zh" else ": "
    out = [f"### {md(name)} — {md(result.pack.title.get(lang))}",
           f"**{label('total', lang)} {num(result.total)} / {num(result.max_total)}** · "
           f"{label('grade', lang)}{sep}**{md(result.grade.title.get(lang))}** · "
           f"{label('coverage', lang)} {pct(result.coverage)} · `{report.profile.file.replace('`', '')}`", ""]
    for veto in result.vetoes:
        who = f" ({md(', '.join(veto.subjects))})" if veto.subjects else ""
        out.append(f"> **{label('veto', lang)}**{sep}{md(veto.rule)} {md(veto.title.get(lang))}{who} — "
                   f"{pick(SEVERITY, veto.severity, lang)}")
    if result.vetoes:
        out.append("")
    out += [f"| {label('dimension', lang)} | {label('weight', lang)} | {label('score', lang)} | "
            f"{label('share', lang)} |", "|---|--:|--:|--:|"]
    for d in result.dimensions:
        out.append(f"| {md(d.id)} {md(d.title.get(lang))} | {num(d.weight)} | "
                   f"{num(d.score) if d.counted else '—'} | {pct(d.share)} |")
    cap = "" if result.bonus.cap is None else (f"（{label('cap', lang)} {num(result.bonus.cap)}）" if lang == "zh"
                                               else f" ({label('cap', lang)} {num(result.bonus.cap)})")
    out += ["", f"{label('bonus', lang)} +{num(result.bonus.awarded)}{cap} · {label('deductions', lang)} "
                f"−{num(result.deductions.total + result.deductions.dimensions)}", ""]
    items = unmet(result)
    if items:
        out += [f"**{pick(WORDS, 'unmet', lang)}** ({len(items)})", "",
                f"| {label('rule', lang)} | {label('item', lang)} | {label('outcome', lang)} | "
                f"{pick(WORDS, 'score', lang)} | {pick(WORDS, 'recover', lang)} |", "|---|---|---|--:|--:|"]
        for f in items:
            out.append(f"| {md(f.rule)} | {md(f.title.get(lang))} | {outcome_word(f, lang)} | {_score(f)} | "
                       f"{num(f.recoverable) if f.recoverable else ''} |")
    else:
        out.append(pick(WORDS, "all_met", lang))
    if result.next_grade is not None:
        out += ["", md(_next_grade(result, lang))]
    if result.missing_inputs:
        shown = [f"`{m.path.replace('`', '')}`" + (f" {md(m.title.get(lang))}" if m.title else "")
                 for m in result.missing_inputs[:MAX_MISSING]]
        rest = len(result.missing_inputs) - MAX_MISSING
        if rest > 0:
            shown.append(pick(WORDS, "more", lang).format(n=rest))
        out += ["", f"{label('missing_inputs', lang)}{sep}" + ("；" if lang == "zh" else "; ").join(shown)]
    return "\n".join(out)


def _score(f: FindingOut) -> str:
    if f.kind == "penalty":
        return f"−{num(f.deducted)}" if f.deducted else ""
    if f.kind == "veto":
        return ""
    return f"{num(f.earned) if f.earned is not None else '—'}/{num(f.points)}"
