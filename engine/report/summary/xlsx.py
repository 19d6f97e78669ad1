"""The batch summary as an Excel workbook: a ranked sheet per pack, a sheet of profiles not assessed.

Cells are written with the score sheet's `put` (engine/report/formats/xlsx.py):
a text is always a string cell, a text that starts like a formula gets
Excel's quote prefix, so no cell is ever evaluated, and a character no XML
may hold is shown as U+FFFD. The document properties are the score sheet's
(fixed dates), so the same batch gives the same bytes. openpyxl is imported
only here.
"""

from __future__ import annotations

from engine.report.formats.xlsx import put, sheet_name
from engine.report.labels import pick
from engine.report.summary.cells import STATUS, cell, columns, located, number, word
from engine.report.summary.model import Summary


def render_summary_xlsx(summary: Summary, lang: str = "zh") -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    from engine.report.formats.xlsx import fix_properties, save_workbook

    book = Workbook()
    book.remove(book.worksheets[0])  # the sheet a new workbook starts with: every sheet is made below
    bold = Font(bold=True)
    grey = PatternFill("solid", fgColor="D9D9D9")
    wrap = Alignment(wrap_text=True, vertical="top")
    used: set[str] = set()
    with_baseline = summary.baseline is not None
    for group in summary.groups:
        ws = book.create_sheet(sheet_name(f"{word('title', lang)} {group.title.get(lang)}", used))
        put(ws, 1, 1, f"{word('title', lang)}：{group.title.get(lang)}（{group.pack}）" if lang == "zh"
            else f"{word('title', lang)}: {group.title.get(lang)} ({group.pack})").font = Font(bold=True, size=14)
        cols = columns(group, lang, with_baseline)
        titles = {f"dim:{d.id}": f"{d.id} {d.title.get(lang)}（{number(d.weight)}）" if lang == "zh"
                  else f"{d.id} {d.title.get(lang)} ({number(d.weight)})" for d in group.dimensions}
        for col, (key, header) in enumerate(cols, 1):
            head = put(ws, 3, col, titles.get(key, header))
            head.font, head.fill, head.alignment = bold, grey, Alignment(wrap_text=True, horizontal="center")
            ws.column_dimensions[get_column_letter(col)].width = {"community": 24, "note": 48, "vetoes": 14}.get(
                key, 12 if key.startswith("dim:") else 10)
        for r, row in enumerate(group.rows, 4):
            for col, (key, _) in enumerate(cols, 1):
                value = cell(row, key, lang)
                if key == "coverage":
                    put(ws, r, col, value, number_format="0.0%")
                elif isinstance(value, (int, float)) and not isinstance(value, bool):
                    put(ws, r, col, number(value))
                else:
                    put(ws, r, col, value if value is not None else "").alignment = wrap
        ws.freeze_panes = "C4"
    if summary.errors or not summary.groups:
        ws = book.create_sheet(sheet_name(word("errors", lang), used))
        for col, key in enumerate(("file", "status", "note"), 1):
            head = put(ws, 1, col, word(key, lang))
            head.font, head.fill = bold, grey
        ws.column_dimensions["A"].width, ws.column_dimensions["B"].width = 40, 14
        ws.column_dimensions["C"].width = 80
        for r, error in enumerate(summary.errors, 2):
            reason = located(error.diagnostics[0]) if error.diagnostics else error.reason
            put(ws, r, 1, error.file)
            put(ws, r, 2, pick(STATUS, error.status, lang))
            put(ws, r, 3, reason).alignment = wrap
    fix_properties(book, word("title", lang))  # no time of day in the file: the same batch gives the same bytes
    return save_workbook(book)
