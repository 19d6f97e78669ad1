"""Columns, words and cell values shared by every format of the batch summary."""

from __future__ import annotations

from collections.abc import Callable

from engine.evaluation.quotas import Wording, quota_text
from engine.report import numbers
from engine.report.labels import pick
from engine.report.model import DiagnosticOut
from engine.report.numbers import num, pct
from engine.report.summary.model import QuotaMove, QuotaOut, SummaryGroup, SummaryRow

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
    "moved": ("由{frm}调为{to}（{quota}{tie}）", "moved from {frm} to {to} ({quota}{tie})"),
    "tie": ("；同分并列整体调整", "; tied rows move together"),
    "quota_line": ("{quota}，调整{moved}个", "{quota}; {moved} moved down"),
    "graded_base": ("已评定等次的", " of those graded"),
    "grade_base": ("{grade}及以上的", " of those at {grade} or better"),
    "withheld": ("暂不评定（{why}），不参与排名", "no grade ({why}): not ranked"),
    "coverage_low": ("可评定分值占比{coverage}，低于{minimum}",
                     "only {coverage} of the points could be assessed, below {minimum}"),
    "undecided": ("一票否决{rules}因缺少数据无法判定", "the veto {rules} cannot be decided for missing data"),
    "waived": ("豁免{n}项", "{n} waived"),
    "adjusted": ("人工调整{n}项", "{n} adjusted"),
    "regression": ("退步", "regression"),
    "baseline": ("基线", "Baseline"),
    "warnings": ("提示", "Warnings"),
}
STATUS = {"ok": ("已评定", "assessed"), "invalid": ("档案无效", "invalid"), "crashed": ("评定进程崩溃", "crashed"),
          "timeout": ("超时", "timed out"), "error": ("内部错误", "internal error"),
          "unwritten": ("报告未能保存", "report not saved")}
ARROWS = {"up": "↑", "down": "↓", "same": ""}


def word(key: str, lang: str, **values: object) -> str:
    text = pick(WORDS, key, lang)
    return text.format(**values) if values else text


# -- cells shared by every format ---------------------------------------------------------

def percent(value: float | None) -> str:
    return pct(value)


def signed(value: float | None) -> str:
    return numbers.signed(value, none="")


def located(d: DiagnosticOut) -> str:
    """A diagnostic's place and message: file:line:col when the line is known, else the file."""
    where = f"{d.file}:{d.line}:{d.col}" if d.line else d.file
    return f"{where}: {d.severity}[{d.code}]: {d.message}"


def quota_words(quota: QuotaOut | QuotaMove, lang: str) -> str:
    """A quota as the summary words it: '城市型中优秀不超过合格及以上的30%：10个中至多3个'."""
    holder = quota.grade_title if isinstance(quota, QuotaOut) else quota.grade_from_title
    base = ""
    if quota.base == "graded":
        base = word("graded_base", lang)
    elif quota.base != "all" and quota.base_title is not None:
        base = word("grade_base", lang, grade=quota.base_title.get(lang))
    return quota_text(Wording(holder=holder.get(lang), limit=quota.limit, allowed=quota.allowed,
                              population=quota.population, base=base, scope=quota.group or "",
                              rounding=quota.rounding), lang)


def withheld_words(row: SummaryRow, lang: str) -> str:
    """Why a row has no grade and no rank."""
    if row.withheld is None:
        return ""
    reasons = []
    if row.withheld.undecided_vetoes:
        reasons.append(word("undecided", lang, rules=("、" if lang == "zh" else ", ").join(
            row.withheld.undecided_vetoes)))
    if row.withheld.min_coverage is not None:
        reasons.append(word("coverage_low", lang, coverage=percent(row.coverage),
                            minimum=percent(row.withheld.min_coverage)))
    return word("withheld", lang, why=("；" if lang == "zh" else "; ").join(reasons))


def note(row: SummaryRow, lang: str) -> str:
    parts = [withheld_words(row, lang)] if row.withheld is not None else []
    if row.quota is not None:
        q = row.quota
        parts.append(word("moved", lang, frm=q.grade_from_title.get(lang), to=q.grade_to_title.get(lang),
                          quota=quota_words(q, lang), tie=word("tie", lang) if q.tie else ""))
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


Cell = str | float | None  # a number (an int is a float to the type checker), a text, or nothing

# the cell of each column but the dimensions' (`dim:ID`), from the row and the language
CELLS: dict[str, Callable[[SummaryRow, str], Cell]] = {
    "rank": lambda row, lang: row.rank if row.rank is not None else "—",  # an ungraded row has no rank
    "community": lambda row, lang: row.name or row.profile_id or row.file,
    "id": lambda row, lang: row.profile_id or "",
    "total": lambda row, lang: row.total,
    "grade": lambda row, lang: row.grade_title.get(lang),
    "vetoes": lambda row, lang: ", ".join(v.rule for v in row.vetoes),
    "coverage": lambda row, lang: row.coverage,
    "delta": lambda row, lang: change(row),
    "note": note,
}


def cell(row: SummaryRow, key: str, lang: str) -> Cell:
    """A cell as data: numbers stay numbers (the text and CSV renderers format them)."""
    if key.startswith("dim:"):
        return next((d.score for d in row.dimensions if d.id == key[4:]), None)
    return CELLS[key](row, lang)  # a KeyError for a column no table has


def shown(value: Cell, key: str) -> str:
    """A cell as the text table shows it."""
    if isinstance(value, str):
        return value
    if key == "coverage":
        return percent(value)
    if value is None:
        return "—" if key.startswith("dim:") else ""
    if isinstance(value, float) or isinstance(value, int) and key != "rank":
        return num(value)
    return str(value)


def safe_text(value: str) -> str:
    """Text that a spreadsheet will not read as a formula: a leading = + - @ gets a quote mark."""
    return "'" + value if value.lstrip(" ").startswith(FORMULA_STARTS) else value


def number(value: float | None) -> float | None:
    """A number for a spreadsheet cell: rounded to 2 places, whole numbers as integers; None stays empty."""
    if value is None:
        return None
    rounded = round(float(value), 2)
    return int(rounded) if rounded == int(rounded) else rounded
