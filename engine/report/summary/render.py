"""The batch summary as text (CJK-aligned), CSV (UTF-8 with BOM, for Excel and WPS), JSON or Excel.

Every format has the same columns: rank, community, total, grade, a score per
dimension, vetoes, coverage (the share of points that could be assessed),
the change against a baseline when there is one, and a note (a quota that
moved the row down, waivers and adjustments); then the profiles that could
not be assessed, with the reason.
"""

from __future__ import annotations

import csv
import io
import json

from engine.expr.values import engine_arithmetic
from engine.report.labels import pick
from engine.report.numbers import num
from engine.report.summary.cells import (
    STATUS,
    Cell,
    cell,
    columns,
    located,
    note,
    number,
    percent,
    quota_words,
    safe_text,
    shown,
    word,
)
from engine.report.summary.model import ErrorEntry, Summary, SummaryGroup, SummaryRow
from engine.report.table import render_table

SUMMARY_FORMATS = ("text", "csv", "json", "xlsx")


@engine_arithmetic
def render_summary(summary: Summary, fmt: str, lang: str = "zh") -> str | bytes:
    if fmt == "json":
        return json.dumps(summary.model_dump(mode="json"), ensure_ascii=False, indent=2) + "\n"
    if fmt == "csv":
        return render_csv(summary, lang)
    if fmt == "xlsx":
        from engine.report.summary.xlsx import render_summary_xlsx

        return render_summary_xlsx(summary, lang)
    if fmt == "text":
        return render_summary_text(summary, lang)
    raise ValueError(f"unknown summary format {fmt!r}; formats: {', '.join(SUMMARY_FORMATS)}")


# -- text ----------------------------------------------------------------------------------------

def render_summary_text(summary: Summary, lang: str = "zh") -> str:
    with_baseline = summary.baseline is not None
    blocks = []
    for group in summary.groups:
        cols = columns(group, lang, with_baseline)
        rows = [[shown(cell(row, key, lang), key) for key, _ in cols] for row in group.rows]
        aligns = ["right" if key in ("rank", "total", "coverage", "delta") or key.startswith("dim:") else "left"
                  for key, _ in cols]
        widths = [{"community": 24, "id": 24}.get(key) for key, _ in cols]
        lines = [f"{word('title', lang)}{'：' if lang == 'zh' else ': '}{group.title.get(lang)} ({group.pack}) — "
                 f"{len(group.rows)} {word('profiles', lang)}",
                 render_table([h for _, h in cols], rows, aligns, widths)]
        dims = ("、" if lang == "zh" else ", ").join(f"{d.id} {d.title.get(lang)} ({num(d.weight)})"
                                                     for d in group.dimensions)
        lines.append(f"{word('dimensions', lang)}{'：' if lang == 'zh' else ': '}{dims}")
        for quota in group.quotas:
            lines.append(f"{word('quota', lang)}{'：' if lang == 'zh' else ': '}" + word(
                "quota_line", lang, quota=quota_words(quota, lang), moved=len(quota.moved)))
        colon = "：" if lang == "zh" else ": "
        lines += [f"{word('quota', lang)}{colon}{note.get(lang)}" for note in group.quota_notes]
        blocks.append("\n".join(lines))
    if summary.errors:
        lines = [f"{word('errors', lang)} ({len(summary.errors)}):"]
        for error in summary.errors:
            lines.append(f"  {error.file}  {pick(STATUS, error.status, lang)}: {error.reason}")
            for d in error.diagnostics[:3]:
                lines.append(f"    {located(d)}")
        blocks.append("\n".join(lines))
    if summary.warnings:
        lines = [f"{word('warnings', lang)}:"]
        lines += [f"  {w.file}:{w.line}:{w.col}: {w.severity}[{w.code}]: {w.message}" for w in summary.warnings]
        blocks.append("\n".join(lines))
    tail = f"{summary.assessed}/{summary.profiles} {word('assessed', lang)}"
    if summary.baseline:
        tail += f"; {word('baseline', lang)}: {summary.baseline}"
    blocks.append(tail)
    return "\n\n".join(blocks) + "\n"


# -- CSV -------------------------------------------------------------------------------------------

def render_csv(summary: Summary, lang: str = "zh") -> str:
    """One table for every pack: a pack column, the union of dimension columns; then the errors as rows."""
    with_baseline = summary.baseline is not None
    dims = _csv_dimensions(summary, lang)
    header = _csv_header(dims, lang, with_baseline)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")

    def write(line: list[Cell]) -> None:  # numbers stay numbers; every text is made safe from formula evaluation
        writer.writerow([safe_text(c) if isinstance(c, str) else c for c in line])

    write(list(header))
    for group in summary.groups:
        for row in group.rows:
            write(_csv_row(group, row, dims, lang, with_baseline))
    for error in summary.errors:
        write(_csv_error(error, len(header), lang))
    return "\ufeff" + out.getvalue()


def _csv_dimensions(summary: Summary, lang: str) -> list[tuple[str, str]]:
    """(id, heading) of every pack's dimensions, each once, in the order the packs give them."""
    dims: list[tuple[str, str]] = []
    for group in summary.groups:
        for d in group.dimensions:
            key = (d.id, f"{d.id} {d.title.get(lang)}")
            if key not in dims:
                dims.append(key)
    return dims


def _csv_header(dims: list[tuple[str, str]], lang: str, with_baseline: bool) -> list[str]:
    header = [word(k, lang) for k in ("pack", "rank", "community", "id", "file", "total", "max", "grade")]
    header += [title for _, title in dims]
    header += [word(k, lang) for k in ("vetoes", "coverage")]
    if with_baseline:
        header += [word("delta", lang), word("grade_before", lang)]
    return header + [word("computed_grade", lang), word("status", lang), word("note", lang)]


def _csv_row(group: SummaryGroup, row: SummaryRow, dims: list[tuple[str, str]], lang: str,
             with_baseline: bool) -> list[Cell]:
    scores = {d.id: d.score for d in row.dimensions}
    line: list[Cell] = [group.pack, cell(row, "rank", lang), row.name or "", row.profile_id or "", row.file,
                        number(row.total), number(row.max_total), row.grade_title.get(lang)]
    line += [number(scores.get(i)) for i, _ in dims]
    line += [" ".join(v.rule for v in row.vetoes), percent(row.coverage) if row.coverage is not None else ""]
    if with_baseline:
        line += _csv_baseline(row, lang)
    computed = ""
    if row.computed_grade:  # the grade before a quota moved the row down
        computed = next((g.title.get(lang) for g in group.grades if g.id == row.computed_grade), row.computed_grade)
    return line + [computed, pick(STATUS, "ok", lang), note(row, lang)]


def _csv_baseline(row: SummaryRow, lang: str) -> list[Cell]:
    """The change against the baseline and the grade there."""
    if row.baseline is None:
        return [None, ""]
    title = row.baseline.grade_before_title
    return [number(row.baseline.delta), title.get(lang) if title else row.baseline.grade_before]


def _csv_error(error: ErrorEntry, width: int, lang: str) -> list[Cell]:
    """A profile not assessed: its file, status and reason in the columns of the table."""
    line: list[Cell] = [""] * width
    line[4] = error.file
    line[-2] = pick(STATUS, error.status, lang)
    line[-1] = located(error.diagnostics[0]) if error.diagnostics else error.reason
    return line
