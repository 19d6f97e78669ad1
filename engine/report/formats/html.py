"""The HTML report (`--format html`): one self-contained, print-friendly page.

Inline CSS, an inline SVG radar of the dimensions, no JavaScript and no
external resource (a Content-Security-Policy forbids them). Every text from a
profile or a pack goes through Jinja2's autoescaping; the template marks
nothing as safe; a character HTML does not allow (a control character, a
noncharacter) is shown as U+FFFD (formats/chars.py). jinja2 is imported here only, so other formats never load it.
"""

from __future__ import annotations

import math
from importlib import resources
from typing import Any

from engine.report.formats.chars import shown
from engine.report.formats.review_text import applied_text, pack_comparison
from engine.report.formats.sheet import COLUMNS, SheetRow, header, score_sheet
from engine.report.formats.text import (
    cell_text,
    demotion_lines,
    grade_text,
    next_grade_text,
    outcome_word,
    unset_text,
    value_titles,
    veto_text,
)
from engine.report.labels import GRADE_CHANGE, LABELS, OUTCOMES, pick
from engine.report.model import Comparison, PackComparison, PackResult, Report, TableOut
from engine.report.numbers import num, pct, signed
from engine.report.table import truncate
from engine.version import __version__

RADAR = {"width": 640, "height": 400, "cx": 320, "cy": 200, "r": 140}
LABEL_WIDTH = 18  # terminal columns (a Chinese character takes two) of a dimension title on the chart

WORDS = {
    "radar": ("各维度得分率", "Share of each dimension's weight"),
    "score_sheet": ("考核评分表", "Score sheet"),
    "subject": ("对象", "Subject"),
    "generated": ("由 community-assess {version} 生成", "Made by community-assess {version}"),
    "none": ("无。", "None."),
    "params": ("参数", "parameters"),
    "path": ("距“{target}”还差{gap}分；完成以下{n}项即可（预计{after}分）：",
             "{gap} points short of {target}; meeting these {n} item(s) gets there (about {after}):"),
}


def render_html(report: Report, lang: str = "zh") -> str:
    from jinja2 import Environment, StrictUndefined

    env = Environment(autoescape=True, undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                      keep_trailing_newline=True)
    source = resources.files(__package__).joinpath("templates", "report.html.j2").read_text(encoding="utf-8")
    return shown(env.from_string(source).render(**context(report, lang)))  # no character HTML forbids


def context(report: Report, lang: str) -> dict[str, Any]:
    """Everything the template shows, as plain strings and numbers (the template only lays it out)."""
    name = report.profile.name or report.profile.id or report.profile.file
    labels = {key: (en if lang == "en" else zh) for key, (zh, en) in LABELS.items()}
    labels.update({key: pick(WORDS, key, lang) for key in WORDS})
    labels["generated"] = pick(WORDS, "generated", lang).format(version=__version__)
    return {
        "lang": "en" if lang == "en" else "zh-CN",
        "L": labels,
        "name": name,
        "profile": report.profile,
        "backend": report.engine.backend,
        "packs": [_pack(result, lang, pack_comparison(report.baseline, result.pack.id)) for result in report.results],
        "baseline": _baseline(report.baseline, lang),
        "warnings": [f"{w.file}:{w.line}:{w.col}: {w.severity}[{w.code}]: {w.message}" for w in report.warnings],
        "sep": "：" if lang == "zh" else ": ",
    }


def _pack(result: PackResult, lang: str, comparison: PackComparison | None = None) -> dict[str, Any]:
    groups, closing = score_sheet(result, lang)
    titles = {f.rule: f.title.get(lang) for f in result.findings}
    checks = {f.rule for f in result.findings if f.kind == "check"}
    return {
        "title": result.pack.title.get(lang),
        "id": result.pack.id,
        "version": result.pack.version,
        "edition": result.pack.edition.get(lang),
        "note": result.pack.defaults_note.get(lang) if result.pack.defaults_note else None,
        "total": num(result.total),
        "max_total": num(result.max_total),
        "grade": grade_text(result, lang),
        "grade_id": result.grade.id,
        "coverage": pct(result.coverage),
        "demotions": demotion_lines(result, lang),
        "vetoes": [{"rule": v.rule, "title": v.title.get(lang), "subjects": ", ".join(v.subjects),
                    "severity": veto_text(v, lang)} for v in result.vetoes],
        "awards_barred": result.awards_barred,
        "bonus": num(result.bonus.awarded),
        "item_bonus": num(result.bonus.items) if result.bonus.items else "",
        "bonus_cap": num(result.bonus.cap) if result.bonus.cap is not None else None,
        "deductions": num(result.deductions.total + result.deductions.dimensions),
        "dimensions": [{"id": d.id, "title": d.title.get(lang), "weight": num(d.weight),
                        "score": (num(d.score) + (f"+{num(d.bonus)}" if d.bonus else "")) if d.counted else "—",
                        "share": pct(d.share),
                        "penalties": num(d.penalties) if d.penalties else ""} for d in result.dimensions],
        "chart": chart(result, lang),
        "headers": [header(key, lang) for key in COLUMNS],
        "groups": [{"title": g.title, "rows": [_row(r) for r in g.rows],
                    "subtotal": _row(g.subtotal) if g.subtotal else None} for g in groups],
        "closing": [_row(r) for r in closing],
        "tables": [_table(t, lang) for t in result.tables],
        "recommendations": [{"rule": r.rule, "title": r.title.get(lang), "text": r.text.get(lang),
                             "gain": pick(LABELS, "no_points", lang) if r.rule in checks else
                             f"{pick(LABELS, 'recover', lang)} {num(r.recoverable)}{pick(LABELS, 'points_unit', lang)}",
                             "citations": [f"{c.title.get(lang)}「{c.quote}」" for c in r.citations]}
                            for r in result.recommendations],
        "next_grade": _next(result, lang),
        "missing": [{"path": m.path, "title": m.title.get(lang) if m.title else "", "rules": ", ".join(m.rules),
                     "stake": num(m.points_at_stake)} for m in result.missing_inputs],
        "not_assessed": [{"rule": n.rule, "title": n.title.get(lang),
                          "params": unset_text(n.params, value_titles(result, lang), lang)}
                         for n in result.not_assessed],
        "outcomes": {f.rule: outcome_word(f, lang) for f in result.findings},
        "waivers": [{"rule": w.rule, "title": titles.get(w.rule, ""), "before": pick(OUTCOMES, w.outcome, lang),
                     "justification": w.justification, "approver": w.approver, "expires": w.expires,
                     "source": w.source} for w in result.waivers],
        "adjustments": [{"rule": a.rule, "title": titles.get(a.rule, ""), "computed": num(a.computed),
                         "change": applied_text(a, lang), "adjusted": num(a.adjusted), "reviewer": a.reviewer,
                         "reason": a.reason, "source": a.source} for a in result.adjustments],
        "comparison": _pack_comparison(comparison, titles, lang) if comparison is not None else None,
    }


def _baseline(baseline: Comparison | None, lang: str) -> dict[str, Any] | None:
    """What the report is compared with (shown under the heading), and the notes on the comparison."""
    if baseline is None:
        return None
    period = f" {baseline.period_start} {pick(LABELS, 'to', lang)} {baseline.period_end}" \
        if baseline.period_start else ""
    return {"who": (baseline.profile or "") + period, "file": baseline.file,
            "notes": [n.get(lang) for n in baseline.notes], "regression": baseline.regression}


def _pack_comparison(pack: PackComparison, titles: dict[str, str], lang: str) -> dict[str, Any]:
    """The comparison of one pack's result with the baseline: totals, grades, dimensions, rules."""
    def outcome(value: str | None) -> str:
        return pick(OUTCOMES, value, lang) if value else "—"

    def trend(delta: float | None) -> str:
        return "" if not delta else ("up" if delta > 0 else "down")

    def named(rules: list[str]) -> list[str]:
        return [f"{rule} {titles[rule]}" if rule in titles else rule for rule in rules]

    lists = [(key, named(items)) for key, items in (
        ("new_vetoes", pack.new_vetoes), ("cleared_vetoes", pack.cleared_vetoes),
        ("new_findings", pack.new_findings), ("cleared_findings", pack.cleared_findings)) if items]
    return {
        "total_before": num(pack.total_before), "total_after": num(pack.total_after), "delta": signed(pack.delta),
        "trend": trend(pack.delta),
        "grade_before": pack.grade_before_title.get(lang) if pack.grade_before_title else pack.grade_before,
        "grade_after": pack.grade_after_title.get(lang) if pack.grade_after_title else pack.grade_after,
        "grade_change": pick(GRADE_CHANGE, pack.grade_change, lang), "regression": pack.regression,
        "versions": None if pack.version_before == pack.version_after else
        f"{pack.version_before} → {pack.version_after}",
        "dimensions": [{"name": d.id + (f" {d.title.get(lang)}" if d.title else ""), "before": num(d.before),
                        "after": num(d.after), "delta": signed(d.delta), "trend": trend(d.delta)}
                       for d in pack.dimensions],
        "lists": [{"label": pick(LABELS, key, lang), "key": key, "items": items} for key, items in lists],
        "rules": [{"rule": r.rule, "title": r.title.get(lang) if r.title else titles.get(r.rule, ""),
                   "before": outcome(r.before), "after": outcome(r.after), "points_before": num(r.points_before),
                   "points_after": num(r.points_after), "delta": signed(r.delta), "trend": trend(r.delta)}
                  for r in pack.rules],
    }


def _row(row: SheetRow) -> dict[str, str]:
    score = row.score_text if row.score_text is not None else ("" if row.score is None else num(row.score))
    return {"kind": row.kind, "item": row.item, "rule": row.rule or "", "standard": row.standard,
            "points": row.points_text or ("" if row.points is None else num(row.points)), "method": row.method,
            "score": score,
            "reason": row.reason, "basis": row.basis, "evidence": row.evidence, "outcome": row.outcome,
            "outcome_key": row.outcome_key}


def _table(table: TableOut, lang: str) -> dict[str, Any]:
    return {"title": table.title.get(lang),
            "columns": [c.title.get(lang) for c in table.columns],
            "numeric": [c.format in (None, "percent") and all(
                isinstance(r.values.get(c.key), (int, float, type(None))) and
                not isinstance(r.values.get(c.key), bool) for r in table.rows) for c in table.columns],
            "rows": [{"label": r.label, "cells": [cell_text(r.values.get(c.key), c.format, lang)
                                                  for c in table.columns]} for r in table.rows]}


def _next(result: PackResult, lang: str) -> dict[str, Any] | None:
    plan = result.next_grade
    if plan is None:
        return None
    sentence = next_grade_text(plan, result, lang)
    if plan.reachable and plan.items and not plan.blocked_by:
        sentence = pick(WORDS, "path", lang).format(target=plan.target_title.get(lang), gap=num(plan.gap),
                                                    n=len(plan.items), after=num(plan.total_after))
    return {"target": plan.target_title.get(lang), "sentence": sentence,
            "reachable": plan.reachable, "blocked": bool(plan.blocked_by),
            "items": [{"rule": i.rule, "title": i.title.get(lang), "recoverable": num(i.recoverable)}
                      for i in plan.items]}


def chart(result: PackResult, lang: str) -> dict[str, Any]:
    """Coordinates of the radar (three or more dimensions) or bars (fewer): shares of each dimension's weight."""
    dims = result.dimensions
    shares = [max(0.0, min(1.0, d.share or 0.0)) if d.counted else 0.0 for d in dims]
    labels = [f"{d.id} {truncate(d.title.get(lang), LABEL_WIDTH)} {pct(d.share) if d.counted else '—'}"
              for d in dims]
    out: dict[str, Any] = dict(RADAR, kind="radar" if len(dims) >= 3 else "bars", title=pick(WORDS, "radar", lang))
    if out["kind"] == "bars":
        out["bars"] = [{"y": 40 + 60 * i, "width": _f(360 * s), "label": text} for i, (s, text)
                       in enumerate(zip(shares, labels, strict=True))]
        out["height"] = 60 * max(1, len(dims)) + 40
        return out
    cx, cy, r = RADAR["cx"], RADAR["cy"], RADAR["r"]
    angles = [-math.pi / 2 + 2 * math.pi * i / len(dims) for i in range(len(dims))]
    out["rings"] = [" ".join(f"{_f(cx + r * k / 5 * math.cos(a))},{_f(cy + r * k / 5 * math.sin(a))}"
                             for a in angles) for k in range(1, 6)]
    out["axes"] = [{"x": _f(cx + r * math.cos(a)), "y": _f(cy + r * math.sin(a))} for a in angles]
    out["shape"] = " ".join(f"{_f(cx + r * s * math.cos(a))},{_f(cy + r * s * math.sin(a))}"
                            for a, s in zip(angles, shares, strict=True))
    out["points"] = [{"x": _f(cx + r * s * math.cos(a)), "y": _f(cy + r * s * math.sin(a))}
                     for a, s in zip(angles, shares, strict=True)]
    out["labels"] = []
    for a, text in zip(angles, labels, strict=True):
        x, y = cx + (r + 14) * math.cos(a), cy + (r + 14) * math.sin(a)
        anchor = "middle" if abs(math.cos(a)) < 0.2 else ("start" if math.cos(a) > 0 else "end")
        out["labels"].append({"x": _f(x), "y": _f(y + (4 if abs(math.sin(a)) < 0.9 else (14 if math.sin(a) > 0
                                                                                        else -6))),
                              "anchor": anchor, "text": text})
    return out


def _f(value: float) -> str:
    """A coordinate with one decimal; '-0.0' never appears, so output is stable."""
    text = f"{value:.1f}"
    return "0.0" if text == "-0.0" else text
