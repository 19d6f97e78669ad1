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

from .labels import pick
from .summary_model import Summary, SummaryGroup, SummaryRow
from .table import render_table

SUMMARY_FORMATS = ("text", "csv", "json", "xlsx")
FORMULA_STARTS = tuple("=+-@\t\r\n＝＋－＠")

WORDS = {
    "title": ("排名汇总", "Ranking"),
    "rank": ("名次", "Rank"),
    "community": ("社区", "Community"),
    "id": ("编号", "Id"),
    "file": ("文件", "File"),
    "pack": ("考核细则", "Pack"),
    "total": ("总分", "Total"),
    "max": ("满分", "Out of"),
    "grade": ("等次", "Grade"),
    "computed_grade": ("评定等次（比例调整前）", "Grade before quota"),
    "vetoes": ("一票否决", "Vetoes"),
    "coverage": ("可评定分值占比", "Assessable"),
    "delta": ("同比增减", "Change"),
    "grade_before": ("基线等次", "Grade before"),
    "note": ("说明", "Note"),
    "status": ("状态", "Status"),
    "assessed": ("已评定", "assessed"),
    "profiles": ("个档案", "profiles"),
    "errors": ("未能评定", "Not assessed"),
    "dimensions": ("维度", "Dimensions"),
    "quota": ("等次比例", "Grade quota"),
    "moved": ("由{frm}调为{to}（{grade}不超过{limit}：{n}个中至多{allowed}个{tie}）",
              "moved from {frm} to {to} ({grade} at most {limit}: at most {allowed} of {n}{tie})"),
    "tie": ("；同分并列整体调整", "; tied rows move together"),
    "quota_line": ("{grade}不超过{limit}：{n}个中至多{allowed}个，调整{moved}个",
                   "{grade} at most {limit}: at most {allowed} of {n}; {moved} moved down"),
    "waived": ("豁免{n}项", "{n} waived"),
    "adjusted": ("人工调整{n}项", "{n} adjusted"),
    "regression": ("退步", "regression"),
    "baseline": ("基线", "Baseline"),
    "warnings": ("提示", "Warnings"),
}
STATUS = {"ok": ("已评定", "assessed"), "invalid": ("档案无效", "invalid"), "crashed": ("评定进程崩溃", "crashed"),
          "timeout": ("超时", "timed out"), "error": ("内部错误", "internal error")}
ARROWS = {"up": "↑", "down": "↓", "same": ""}


def word(key: str, lang: str, **values) -> str:
    text = pick(WORDS, key, lang)
    return text.format(**values) if values else text


def render_summary(summary: Summary, fmt: str, lang: str = "zh") -> str | bytes:
    if fmt == "json":
        return json.dumps(summary.model_dump(mode="json"), ensure_ascii=False, indent=2) + "\n"
    if fmt == "csv":
        return render_csv(summary, lang)
    if fmt == "xlsx":
        from .summary_xlsx import render_summary_xlsx

        return render_summary_xlsx(summary, lang)
    if fmt == "text":
        return render_summary_text(summary, lang)
    raise ValueError(f"unknown summary format {fmt!r}; formats: {', '.join(SUMMARY_FORMATS)}")


# -- cells shared by every format ---------------------------------------------------------

def num(value) -> str:
    from .text import num as text_num

    return text_num(value)


def percent(value) -> str:
    from .text import pct

    return pct(value)


def signed(value) -> str:
    if value is None:
        return ""
    text = num(value)
    return text if text.startswith("-") or text == "0" else "+" + text


def located(d) -> str:
    """A diagnostic's place and message: file:line:col when the line is known, else the file."""
    where = f"{d.file}:{d.line}:{d.col}" if d.line else d.file
    return f"{where}: {d.severity}[{d.code}]: {d.message}"


def limit_text(limit: str, lang: str) -> str:
    """'30%' as is; a count with its unit in Chinese ('3' → '3个')."""
    return limit + "个" if limit.isdigit() and lang == "zh" else limit


def note(row: SummaryRow, lang: str) -> str:
    parts = []
    if row.quota is not None:
        q = row.quota
        parts.append(word("moved", lang, frm=q.grade_from_title.get(lang), to=q.grade_to_title.get(lang),
                          grade=q.grade_from_title.get(lang), limit=limit_text(q.limit, lang), n=q.population,
                          allowed=q.allowed, tie=word("tie", lang) if q.tie else ""))
    if row.waived:
        parts.append(word("waived", lang, n=row.waived))
    if row.adjusted:
        parts.append(word("adjusted", lang, n=row.adjusted))
    if row.baseline is not None and row.baseline.regression:
        parts.append(word("regression", lang))
    return ("；" if lang == "zh" else "; ").join(parts)


def change(row: SummaryRow) -> str:
    if row.baseline is None:
        return ""
    return signed(row.baseline.delta) + ARROWS.get(row.baseline.grade_change, "")


def columns(group: SummaryGroup, lang: str, with_baseline: bool) -> list[tuple[str, str]]:
    """(key, header) of a group's table."""
    cols = [("rank", word("rank", lang)), ("community", word("community", lang)), ("id", word("id", lang)),
            ("total", word("total", lang)), ("grade", word("grade", lang))]
    cols += [(f"dim:{d.id}", d.id) for d in group.dimensions]
    cols += [("vetoes", word("vetoes", lang)), ("coverage", word("coverage", lang))]
    if with_baseline:
        cols.append(("delta", word("delta", lang)))
    cols.append(("note", word("note", lang)))
    return cols


def cell(row: SummaryRow, key: str, lang: str):
    """A cell as data: numbers stay numbers (the text and CSV renderers format them)."""
    if key == "rank":
        return row.rank
    if key == "community":
        return row.name or row.profile_id or row.file
    if key == "id":
        return row.profile_id or ""
    if key == "total":
        return row.total
    if key == "grade":
        return row.grade_title.get(lang)
    if key.startswith("dim:"):
        return next((d.score for d in row.dimensions if d.id == key[4:]), None)
    if key == "vetoes":
        return ", ".join(v.rule for v in row.vetoes)
    if key == "coverage":
        return row.coverage
    if key == "delta":
        return change(row)
    if key == "note":
        return note(row, lang)
    raise KeyError(key)


def _shown(value, key: str) -> str:
    if key == "coverage":
        return percent(value)
    if value is None:
        return "—" if key.startswith("dim:") else ""
    if isinstance(value, float) or isinstance(value, int) and key != "rank":
        return num(value)
    return str(value)


# -- text ----------------------------------------------------------------------------------------

def render_summary_text(summary: Summary, lang: str = "zh") -> str:
    with_baseline = summary.baseline is not None
    blocks = []
    for group in summary.groups:
        cols = columns(group, lang, with_baseline)
        rows = [[_shown(cell(row, key, lang), key) for key, _ in cols] for row in group.rows]
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
                "quota_line", lang, grade=quota.grade_title.get(lang), limit=limit_text(quota.limit, lang),
                n=quota.population, allowed=quota.allowed, moved=len(quota.moved)))
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

def safe_text(value: str) -> str:
    """Text that a spreadsheet will not read as a formula: a leading = + - @ gets a quote mark."""
    return "'" + value if value.lstrip(" ").startswith(FORMULA_STARTS) else value


def render_csv(summary: Summary, lang: str = "zh") -> str:
    """One table for every pack: a pack column, the union of dimension columns; then the errors as rows."""
    with_baseline = summary.baseline is not None
    dims: list[tuple[str, str]] = []
    for group in summary.groups:
        for d in group.dimensions:
            key = (d.id, f"{d.id} {d.title.get(lang)}")
            if key not in dims:
                dims.append(key)
    header = [word(k, lang) for k in ("pack", "rank", "community", "id", "file", "total", "max", "grade")]
    header += [title for _, title in dims]
    header += [word(k, lang) for k in ("vetoes", "coverage")]
    if with_baseline:
        header += [word("delta", lang), word("grade_before", lang)]
    header += [word("computed_grade", lang), word("status", lang), word("note", lang)]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")

    def write(line: list) -> None:  # numbers stay numbers; every text is made safe from formula evaluation
        writer.writerow([safe_text(c) if isinstance(c, str) else c for c in line])

    write(header)
    for group in summary.groups:
        for row in group.rows:
            scores = {d.id: d.score for d in row.dimensions}
            line = [group.pack, row.rank, row.name or "", row.profile_id or "", row.file, number(row.total),
                    number(row.max_total), row.grade_title.get(lang)]
            line += [number(scores.get(i)) for i, _ in dims]
            line += [" ".join(v.rule for v in row.vetoes), percent(row.coverage) if row.coverage is not None else ""]
            if with_baseline:
                before = ""
                if row.baseline is not None:
                    title = row.baseline.grade_before_title
                    before = title.get(lang) if title else row.baseline.grade_before
                line += [number(row.baseline.delta) if row.baseline else None, before]
            computed = ""
            if row.computed_grade:
                computed = next((g.title.get(lang) for g in group.grades if g.id == row.computed_grade),
                                row.computed_grade)
            line += [computed, pick(STATUS, "ok", lang), note(row, lang)]
            write(line)
    width = len(header)
    for error in summary.errors:
        line: list = [""] * width
        line[4] = error.file
        line[-2] = pick(STATUS, error.status, lang)
        line[-1] = located(error.diagnostics[0]) if error.diagnostics else error.reason
        write(line)
    return "\ufeff" + out.getvalue()


def number(value):
    """A number for a spreadsheet cell: rounded to 2 places, whole numbers as integers; None stays empty."""
    if value is None:
        return None
    value = round(float(value), 2)
    return int(value) if value == int(value) else value
