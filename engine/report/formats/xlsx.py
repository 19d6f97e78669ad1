"""The Excel score sheet (`--format xlsx`): what officials file, opened in Excel or WPS.

Per pack: the score sheet (考核评分表) grouped by dimension with subtotals,
bonus, deductions, vetoes, total and grade (a waived rule's 扣分原因 gives the
waiver, an adjusted rule's the adjustment); the review record (审核调整:
waivers, and the audit trail of every adjustment) and the comparison with a
baseline (同比), when there are any; a sheet per per-person table; the
recommendations with the path to the next grade; the data to supply.

No cell can be read as a formula: every text is stored as a string cell, and
a text that starts like a formula (= + - @, a tab or line break, or their
full-width forms) also gets Excel's quote prefix, so neither opening nor
editing the cell evaluates it. Identical reports give identical bytes: the
workbook's dates and author are fixed and the zip entries carry a fixed time.
openpyxl is imported here only, so other formats never load it.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from typing import TYPE_CHECKING

from engine.report.formats.chars import shown
from engine.report.formats.review_text import pack_comparison
from engine.report.formats.sheet import COLUMNS, Group, SheetRow, header, score_sheet, word
from engine.report.formats.text import cell_text, next_grade_text, outcome_word
from engine.report.labels import GRADE_CHANGE, OUTCOMES, label, pick
from engine.report.model import Comparison, PackComparison, PackResult, Report, TableOut
from engine.report.numbers import num
from engine.report.table import width
from engine.version import __version__

if TYPE_CHECKING:  # openpyxl is imported where a workbook is made
    from openpyxl.cell.cell import Cell, MergedCell
    from openpyxl.workbook import Workbook
    from openpyxl.worksheet.worksheet import Worksheet

FIXED_TIME = dt.datetime(2000, 1, 1)  # workbook created/modified: fixed, so output is reproducible
ZIP_TIME = (2000, 1, 1, 0, 0, 0)
LINE_HEIGHT = 15.6  # points per line of 11-point text, Chinese fonts included
FORMULA_STARTS = tuple("=+-@\t\r\n＝＋－＠")
SHEET_NAME_BAD = re.compile(r"[\[\]:*?/\\]")

# column widths in Excel character units (a Chinese character takes about two)
WIDTHS = {"dimension": 14, "item": 24, "standard": 36, "points": 7, "method": 32, "score": 9, "reason": 36,
          "basis": 36, "evidence": 28, "outcome": 10, "rule": 12}

SHEETS = {
    "recommendations": ("整改建议", "Recommendations"),
    "missing": ("缺少的数据", "Data to supply"),
    "subject": ("对象", "Subject"),
    "no": ("序号", "No."),
    "recover": ("可挽回分值", "Recoverable points"),
    "path": ("输入项", "Input"),
    "title": ("名称", "Title"),
}


def render_xlsx(report: Report, lang: str = "zh") -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.worksheets[0])  # the sheet a new workbook starts with: every sheet is made below
    styles = _Styles()
    names: set[str] = set()
    several = len(report.results) > 1
    for result in report.results:
        suffix = f" {result.pack.id}" if several else ""
        _score_sheet(book.create_sheet(sheet_name(word("score_sheet", lang) + suffix, names)), report, result,
                     lang, styles)
        if result.waivers or result.adjustments:
            _review_sheet(book.create_sheet(sheet_name(label("review_sheet", lang) + suffix, names)), result, lang,
                          styles)
        if report.baseline is not None:  # the comparison of this pack, or the notes saying why there is none
            _baseline_sheet(book.create_sheet(sheet_name(label("baseline_sheet", lang) + suffix, names)),
                            report.baseline, pack_comparison(report.baseline, result.pack.id), result, lang, styles)
        for table in result.tables:
            _table_sheet(book.create_sheet(sheet_name(table.title.get(lang) + suffix, names)), table, lang, styles)
        _recommendations_sheet(book.create_sheet(sheet_name(pick(SHEETS, "recommendations", lang) + suffix,
                                                             names)), result, lang, styles)
        if result.missing_inputs:
            _missing_sheet(book.create_sheet(sheet_name(pick(SHEETS, "missing", lang) + suffix, names)), result,
                           lang, styles)
    if not report.results:
        book.create_sheet(word("score_sheet", lang))
    _properties(book, report, lang)
    return save_workbook(book)


# -- cells --------------------------------------------------------------------

def put(ws: Worksheet, row: int, col: int, value: object, style: _Style | None = None,
        number_format: str | None = None) -> Cell | MergedCell:
    """Write one cell; a text is always a string cell and never a formula."""
    cell = ws.cell(row=row, column=col)
    if isinstance(value, str):
        value = shown(value)  # a character no worksheet XML may hold becomes U+FFFD (formats/chars.py)
        cell.value = value
        cell.data_type = "s"  # openpyxl would make '=…' a formula and '#N/A' an error
        if value.lstrip(" ").startswith(FORMULA_STARTS):
            cell.quotePrefix = True  # what Excel itself stores for a typed '=…: text, also after an edit
    elif isinstance(value, bool):
        cell.value = value
    elif isinstance(value, (int, float)):
        cell.value = float(num(value)) if isinstance(value, float) else value
    elif value is not None:
        put(ws, row, col, str(value), None)
    if style is not None:
        style.apply(cell)
    if number_format:
        cell.number_format = number_format
    return cell


class _Styles:
    """Plain styles: bold headers on grey, thin borders, wrapped text aligned to the top."""

    def __init__(self) -> None:
        from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

        thin = Side(style="thin", color="808080")
        border = Border(left=thin, right=thin, top=thin, bottom=thin)
        wrap = Alignment(wrap_text=True, vertical="top")
        centre = Alignment(wrap_text=True, vertical="center", horizontal="center")
        self.title = _Style(font=Font(bold=True, size=14), alignment=Alignment(vertical="center"))
        self.info = _Style(alignment=Alignment(vertical="top", wrap_text=True))
        self.head = _Style(font=Font(bold=True), fill=PatternFill("solid", fgColor="D9D9D9"), border=border,
                           alignment=centre)
        self.cell = _Style(border=border, alignment=wrap)
        self.group = _Style(border=border, font=Font(bold=True), alignment=centre)
        self.sub = _Style(border=border, alignment=wrap, font=Font(bold=True),
                          fill=PatternFill("solid", fgColor="F2F2F2"))
        self.lost = _Style(border=border, alignment=wrap, font=Font(color="C00000"))


class _Style:
    def __init__(self, **parts: object) -> None:
        self.parts = parts

    def apply(self, cell: Cell | MergedCell) -> None:
        for name, value in self.parts.items():
            setattr(cell, name, value)


# -- sheets -------------------------------------------------------------------

def _heading(ws: Worksheet, report: Report, result: PackResult, lang: str, styles: _Styles, width: int) -> None:
    name = report.profile.name or report.profile.id or report.profile.file
    sep = "：" if lang == "zh" else ": "
    put(ws, 1, 1, f"{label('report', lang)}{sep}{name} — {result.pack.title.get(lang)}", styles.title)
    info = [f"{label('pack', lang)} {result.pack.id} {result.pack.version} ({label('edition', lang)} "
            f"{result.pack.edition.get(lang)})", report.profile.file]
    if report.profile.period_start:
        info.append(f"{label('period', lang)} {report.profile.period_start} {label('to', lang)} "
                    f"{report.profile.period_end}")
    info.append(f"{label('backend', lang)} {report.engine.backend}")
    put(ws, 2, 1, "    ".join(info), styles.info)
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=width)
    ws.row_dimensions[1].height = 24


def _score_sheet(ws: Worksheet, report: Report, result: PackResult, lang: str, styles: _Styles) -> None:
    width = len(COLUMNS)
    _heading(ws, report, result, lang, styles, width)
    for col, key in enumerate(COLUMNS, 1):
        put(ws, 3, col, header(key, lang), styles.head)
        ws.column_dimensions[_letter(col)].width = WIDTHS[key]
    groups, closing = score_sheet(result, lang)
    row = 4
    for group in groups:
        row = _group(ws, row, group, styles)
    for item in closing:
        _sheet_row(ws, row, item, styles.sub if item.kind == "total" else styles.cell, styles)
        put(ws, row, 1, item.item, styles.sub if item.kind == "total" else styles.group)
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=2)
        row += 1
    _page(ws, "3:3", landscape=True)


def _group(ws: Worksheet, row: int, group: Group, styles: _Styles) -> int:
    first = row
    for item in group.rows:
        lost = item.outcome_key in ("not_met", "partly_met", "missing_data")
        _sheet_row(ws, row, item, styles.lost if lost else styles.cell, styles)
        row += 1
    if group.subtotal is not None:
        _sheet_row(ws, row, group.subtotal, styles.sub, styles)
        row += 1
    put(ws, first, 1, group.title, styles.group)
    for r in range(first + 1, row):
        styles.group.apply(ws.cell(row=r, column=1))
    if row - first > 1:
        ws.merge_cells(start_row=first, start_column=1, end_row=row - 1, end_column=1)
    return row


def _sheet_row(ws: Worksheet, row: int, item: SheetRow, style: _Style, styles: _Styles) -> None:
    values = {"item": item.item, "standard": item.standard, "points": item.points_text or item.points,
              "method": item.method,
              "score": item.score if item.score_text is None else item.score_text, "reason": item.reason,
              "basis": item.basis, "evidence": item.evidence, "outcome": item.outcome, "rule": item.rule}
    for col, key in enumerate(COLUMNS, 1):
        if key == "dimension":
            continue
        put(ws, row, col, values[key], style)


def _table_sheet(ws: Worksheet, table: TableOut, lang: str, styles: _Styles) -> None:
    put(ws, 1, 1, table.title.get(lang), styles.title)
    put(ws, 2, 1, pick(SHEETS, "subject", lang), styles.head)
    ws.column_dimensions["A"].width = 16
    for col, column in enumerate(table.columns, 2):
        put(ws, 2, col, column.title.get(lang), styles.head)
        ws.column_dimensions[_letter(col)].width = 36 if column.format in ("text", "texts") else 14
    for row, entry in enumerate(table.rows, 3):
        put(ws, row, 1, entry.label, styles.cell)
        for col, column in enumerate(table.columns, 2):
            value = entry.values.get(column.key)
            if column.format == "percent" and isinstance(value, (int, float)) and not isinstance(value, bool):
                put(ws, row, col, value, styles.cell, "0.0%")
            elif column.format is None and isinstance(value, (int, float)) and not isinstance(value, bool):
                put(ws, row, col, value, styles.cell)
            elif value is None and column.format is None:
                put(ws, row, col, None, styles.cell)
            else:
                put(ws, row, col, cell_text(value, column.format, lang), styles.cell)
    _page(ws, "2:2", landscape=len(table.columns) > 5)


def _recommendations_sheet(ws: Worksheet, result: PackResult, lang: str, styles: _Styles) -> None:
    put(ws, 1, 1, label("recommendations", lang), styles.title)
    heads = [pick(SHEETS, "no", lang), header("rule", lang), header("item", lang), header("dimension", lang),
             header("outcome", lang), pick(SHEETS, "recover", lang), word("recommendation", lang),
             header("basis", lang)]
    for col, (text, size) in enumerate(zip(heads, (6, 12, 26, 10, 10, 10, 50, 40), strict=True), 1):
        put(ws, 2, col, text, styles.head)
        ws.column_dimensions[_letter(col)].width = size
    outcomes = {f.rule: f for f in result.findings}
    row = 3
    for index, rec in enumerate(result.recommendations, 1):
        finding = outcomes.get(rec.rule)
        cites = "\n".join(f"{c.title.get(lang)}「{c.quote}」" for c in rec.citations)
        for col, value in enumerate((index, rec.rule, rec.title.get(lang), rec.dimension or "",
                                     outcome_word(finding, lang) if finding else rec.outcome, rec.recoverable,
                                     rec.text.get(lang), cites), 1):
            put(ws, row, col, value, styles.cell)
        row += 1
    if not result.recommendations:
        put(ws, row, 1, label("no_recommendations", lang), styles.info)
        row += 1
    if result.next_grade is not None:
        row += 1
        put(ws, row, 1, next_grade_text(result.next_grade, result, lang), styles.info)
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=len(heads))
        ws.row_dimensions[row].height = 32
    _page(ws, "2:2", landscape=True)


SIGNED = "+0.00;-0.00;0.00"  # a change in points: the sign shown


def _heads(ws: Worksheet, row: int, heads: list[tuple[str, float]], styles: _Styles) -> None:
    for col, (text, size) in enumerate(heads, 1):
        put(ws, row, col, text, styles.head)
        current = ws.column_dimensions[_letter(col)].width or 0
        ws.column_dimensions[_letter(col)].width = max(current, size)


def _review_sheet(ws: Worksheet, result: PackResult, lang: str, styles: _Styles) -> None:
    """审核调整: the waivers (what each replaced, why, who approved it, until when, where it is written) and the
    audit trail of the adjustments (computed score, asked, applied, result, who and why, where it is written)."""
    titles = {f.rule: f.title.get(lang) for f in result.findings}
    put(ws, 1, 1, f"{label('review_sheet', lang)} — {result.pack.title.get(lang)}", styles.title)
    row = 2
    if result.waivers:
        row = _waivers_table(ws, row, result, titles, lang, styles) + 1
    if result.adjustments:
        _adjustments_table(ws, row, result, titles, lang, styles)
    _page(ws, "2:2", landscape=True, repeat=False)  # two tables: no one header row to repeat


def _waivers_table(ws: Worksheet, row: int, result: PackResult, titles: dict[str, str], lang: str,
                   styles: _Styles) -> int:
    """The waivers under a heading; the next row."""
    put(ws, row, 1, label("waivers", lang), styles.info)
    _heads(ws, row + 1, [(label("rule", lang), 14), (label("item", lang), 24), (label("outcome_replaced", lang), 10),
                         (label("justification", lang), 40), (label("approver_col", lang), 18),
                         (label("expires_col", lang), 12), (label("written_at", lang), 24)], styles)
    row += 2
    for w in result.waivers:
        for col, text in enumerate((w.rule, titles.get(w.rule, ""), pick(OUTCOMES, w.outcome, lang),
                                    w.justification, w.approver, w.expires, w.source), 1):
            put(ws, row, col, text, styles.cell)
        row += 1
    return row


def _adjustments_table(ws: Worksheet, row: int, result: PackResult, titles: dict[str, str], lang: str,
                       styles: _Styles) -> None:
    """The audit trail of the adjustments under a heading; the asked and applied points with their sign."""
    put(ws, row, 1, label("adjustments", lang), styles.info)
    _heads(ws, row + 1, [(label("rule", lang), 14), (label("item", lang), 24), (label("computed", lang), 10),
                         (label("asked", lang), 10), (label("adjustment", lang), 10), (label("final", lang), 10),
                         (label("reviewer", lang), 18), (label("why", lang), 36), (label("written_at", lang), 24)],
           styles)
    for at, a in enumerate(result.adjustments, row + 2):
        values = (a.rule, titles.get(a.rule, ""), a.computed, a.points, a.applied, a.adjusted, a.reviewer,
                  a.reason, a.source)
        for col, value in enumerate(values, 1):
            put(ws, at, col, value, styles.cell, SIGNED if col in (4, 5) else None)


def _baseline_sheet(ws: Worksheet, baseline: Comparison, pack: PackComparison | None, result: PackResult, lang: str,
                    styles: _Styles) -> None:
    """同比: totals and grades before and now, the dimensions, the findings new and cleared, the rules that changed
    (only the baseline and its notes when the baseline has no result of this pack). The tables are one below the
    other, each after a blank row."""
    put(ws, 1, 1, f"{label('baseline', lang)} — {result.pack.title.get(lang)}", styles.title)
    row = _baseline_info(ws, baseline, pack, lang, styles)
    if pack is None:
        _page(ws, "2:2", landscape=False, repeat=False)
        return
    titles = {f.rule: f.title.get(lang) for f in result.findings}
    head_row = row + 1
    row = _baseline_totals(ws, head_row, pack, lang, styles)
    row = _baseline_dimensions(ws, row + 1, pack, lang, styles)
    row = _baseline_findings(ws, row, pack, titles, lang, styles)
    _baseline_rules(ws, row, pack, titles, lang, styles)
    _page(ws, f"{head_row}:{head_row}", landscape=False, repeat=False)  # several tables, one below the other


def _baseline_info(ws: Worksheet, baseline: Comparison, pack: PackComparison | None, lang: str,
                   styles: _Styles) -> int:
    """The baseline's file, profile and period (and the pack's versions when they differ), then the notes on the
    comparison, a row each; the next row."""
    sep = "：" if lang == "zh" else ": "
    who = baseline.profile or ""
    if baseline.period_start:
        who += f" {baseline.period_start} {label('to', lang)} {baseline.period_end}"
    info = [f"{label('baseline_report', lang)}{sep}{baseline.file}", who.strip()]
    if pack is not None and pack.version_before != pack.version_after:
        info.append(f"{label('pack', lang)} {pack.pack} {pack.version_before} → {pack.version_after}")
    put(ws, 2, 1, "    ".join(part for part in info if part), styles.info)
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=7)
    row = 3
    for note in baseline.notes:
        put(ws, row, 1, note.get(lang), styles.info)
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=7)
        row += 1
    return row


def _baseline_totals(ws: Worksheet, row: int, pack: PackComparison, lang: str, styles: _Styles) -> int:
    """Total, grade and regression, before and now; the next row."""
    _heads(ws, row, [(label("item", lang), 16), (label("before", lang), 26), (label("after", lang), 12),
                     (label("delta", lang), 12)], styles)
    row += 1
    grade_before = pack.grade_before_title.get(lang) if pack.grade_before_title else pack.grade_before
    grade_after = pack.grade_after_title.get(lang) if pack.grade_after_title else pack.grade_after
    lines: list[tuple[tuple[str | float, ...], str | None, _Style]] = [
        ((label("total", lang), pack.total_before, pack.total_after, pack.delta), SIGNED, styles.cell),
        ((label("grade", lang), grade_before, grade_after, pick(GRADE_CHANGE, pack.grade_change, lang)), None,
         styles.cell),
        ((label("regression", lang), "", "", label("yes" if pack.regression else "no", lang)), None,
         styles.lost if pack.regression else styles.cell)]
    for values, fmt, style in lines:
        for col, value in enumerate(values, 1):
            put(ws, row, col, value, style, fmt if col == 4 else None)
        row += 1
    return row


def _baseline_dimensions(ws: Worksheet, row: int, pack: PackComparison, lang: str, styles: _Styles) -> int:
    """Each dimension's score before and now; the next row."""
    _heads(ws, row, [(label("dimension", lang), 16), (label("before", lang), 10), (label("after", lang), 10),
                     (label("delta", lang), 10)], styles)
    row += 1
    for d in pack.dimensions:
        name = d.id + (f" {d.title.get(lang)}" if d.title else "")
        for col, value in enumerate((name, d.before, d.after, d.delta), 1):
            put(ws, row, col, "—" if value is None else value, styles.cell, SIGNED if col == 4 else None)
        row += 1
    return row


def _baseline_findings(ws: Worksheet, row: int, pack: PackComparison, titles: dict[str, str], lang: str,
                       styles: _Styles) -> int:
    """The vetoes and findings new and cleared, a row each (after a blank row); the next row."""
    lists = [(key, items) for key, items in (("new_vetoes", pack.new_vetoes), ("cleared_vetoes", pack.cleared_vetoes),
                                             ("new_findings", pack.new_findings),
                                             ("cleared_findings", pack.cleared_findings)) if items]
    if lists:
        row += 1
    for key, items in lists:
        put(ws, row, 1, label(key, lang), styles.group)
        named = "\n".join(f"{rule} {titles[rule]}" if rule in titles else rule for rule in items)
        put(ws, row, 2, named, styles.lost if key in ("new_vetoes", "new_findings") else styles.cell)
        ws.merge_cells(start_row=row, start_column=2, end_row=row, end_column=7)
        row += 1
    return row


def _baseline_rules(ws: Worksheet, row: int, pack: PackComparison, titles: dict[str, str], lang: str,
                    styles: _Styles) -> None:
    """The rules whose outcome or points changed (after a blank row), if any."""
    if not pack.rules:
        return
    put(ws, row + 1, 1, label("changed_rules", lang), styles.info)
    _heads(ws, row + 2, [(label(key, lang), size) for key, size in (
        ("rule", 16), ("item", 26), ("outcome_before", 12), ("outcome_after", 12), ("points_before", 10),
        ("points_after", 10), ("delta", 10))], styles)
    for at, r in enumerate(pack.rules, row + 3):
        values = (r.rule, r.title.get(lang) if r.title else titles.get(r.rule, ""),
                  pick(OUTCOMES, r.before, lang) if r.before else "—",
                  pick(OUTCOMES, r.after, lang) if r.after else "—",
                  "—" if r.points_before is None else r.points_before,
                  "—" if r.points_after is None else r.points_after, "—" if r.delta is None else r.delta)
        for col, value in enumerate(values, 1):
            put(ws, at, col, value, styles.cell, SIGNED if col == 7 and r.delta is not None else None)


def _missing_sheet(ws: Worksheet, result: PackResult, lang: str, styles: _Styles) -> None:
    put(ws, 1, 1, label("missing_inputs", lang), styles.title)
    heads = [pick(SHEETS, "path", lang), pick(SHEETS, "title", lang), label("rules", lang),
             label("at_stake", lang)]
    for col, (text, size) in enumerate(zip(heads, (30, 40, 24, 12), strict=True), 1):
        put(ws, 2, col, text, styles.head)
        ws.column_dimensions[_letter(col)].width = size
    for row, item in enumerate(result.missing_inputs, 3):
        for col, value in enumerate((item.path, item.title.get(lang) if item.title else "", ", ".join(item.rules),
                                     item.points_at_stake), 1):
            put(ws, row, col, value, styles.cell)
    _page(ws, "2:2", landscape=False)


# -- workbook -----------------------------------------------------------------

def _page(ws: Worksheet, title_rows: str, landscape: bool, repeat: bool = True) -> None:
    """Page set-up; `repeat`: freeze the header row and print it on every page (a sheet of one table)."""
    from openpyxl.worksheet.properties import PageSetupProperties

    header_row = int(title_rows.split(":")[0])
    _fit_rows(ws, header_row)
    if repeat:
        ws.freeze_panes = f"A{header_row + 1}"
        ws.print_title_rows = title_rows  # the header row repeats on every printed page
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)


def _fit_rows(ws: Worksheet, first: int) -> None:
    """Row heights for the wrapped text (Excel and WPS do not fit them when a file is opened)."""
    merged = {(r, c) for cells in ws.merged_cells.ranges for r, c in cells.cells}
    for number, row in enumerate(ws.iter_rows(min_row=first), first):
        lines = 1
        for cell in row:
            if not isinstance(cell.value, str) or (cell.row, cell.column) in merged:
                continue
            columns = (ws.column_dimensions[cell.column_letter].width or 9) - 1
            lines = max(lines, sum(max(1, -(-width(part) // int(columns))) for part in cell.value.split("\n")))
        if lines > 1:
            ws.row_dimensions[number].height = min(409, LINE_HEIGHT * lines)


def _letter(col: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(col)


def sheet_name(wanted: str, used: set[str]) -> str:
    """Excel's rules: at most 31 characters, none of []:*?/\\, not quoted, unique (case-insensitive)."""
    base = SHEET_NAME_BAD.sub("_", shown(wanted)).strip("'").strip() or "Sheet"
    name, n = base[:31], 2
    while name.lower() in used:
        tail = f" ({n})"
        name, n = base[:31 - len(tail)] + tail, n + 1
    used.add(name.lower())
    return name


def _properties(book: Workbook, report: Report, lang: str) -> None:
    name = report.profile.name or report.profile.id or report.profile.file
    fix_properties(book, f"{label('report', lang)}: {name}")


def fix_properties(book: Workbook, title: str) -> None:
    """The document properties of every workbook written: fixed author and dates (the same input gives the same
    bytes), and a title that XML can carry."""
    props = book.properties
    props.creator = f"community-assess {__version__}"
    props.lastModifiedBy = None
    props.created = props.modified = FIXED_TIME
    props.title = shown(title)


def save_workbook(book: Workbook) -> bytes:
    from openpyxl.writer.excel import ExcelWriter

    raw = io.BytesIO()
    with zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED) as archive:
        ExcelWriter(book, archive).write_data()  # not book.save(): that stamps the current time
    return _fixed_zip(raw.getvalue())


def _fixed_zip(data: bytes) -> bytes:
    """The same archive with every entry dated ZIP_TIME, so identical workbooks are identical bytes."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=ZIP_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o600 << 16
            target.writestr(entry, source.read(info.filename))
    return out.getvalue()
