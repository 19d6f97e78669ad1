"""The Excel score sheet: layout, totals, per-person and recommendation sheets, formula safety, determinism."""

from __future__ import annotations

import io
import shutil
import subprocess
import zipfile

import pytest

openpyxl = pytest.importorskip("openpyxl")

from report_inputs import FORMULAS, RULE_TITLE, demo_report, hostile_report  # noqa: E402

from engine.report import render  # noqa: E402
from engine.report.formats.xlsx import FORMULA_STARTS, sheet_name  # noqa: E402

ZH_HEADERS = ["维度", "项目", "标准及要求", "分值", "评分办法", "得分", "扣分原因", "依据", "佐证材料", "结果", "编号"]


def workbook(data: bytes):
    return openpyxl.load_workbook(io.BytesIO(data))


def rows_by_rule(ws) -> dict:
    """Rule id (last column) → the row's values."""
    out = {}
    for row in ws.iter_rows(min_row=4, values_only=True):
        if row[10]:
            out[row[10]] = row
    return out


def test_score_sheet_layout_and_totals():
    book = workbook(render(demo_report(), "xlsx", "zh"))
    assert book.sheetnames == ["考核评分表", "社区工作人员", "整改建议"]
    ws = book["考核评分表"]
    assert [c.value for c in ws[3]] == ZH_HEADERS
    assert ws.freeze_panes == "A4"
    assert "示范社区" in ws["A1"].value and "示例社区考核" in ws["A1"].value
    rules = rows_by_rule(ws)
    assert rules["D1.train"][1:6:2] == ("党员年度培训率达标", 10, 10)  # item, points, score
    assert rules["D1.homes"][5] == 8.57 and rules["D1.homes"][9] == "部分达标"
    assert "文体之家" in rules["D1.homes"][6]  # the reason says what is missing
    assert rules["D1.meetings"][5] == 0 and "21次×0.5分，扣10分" in rules["D1.meetings"][6]  # as the text report says
    assert rules["P.petition"][5] == -2  # a deduction charged to D2 sits in D2's group
    assert rules["V.cult"][5] == "未触发"
    assert "测试依据" in rules["D1.train"][7] and "每年党员培训率达90%以上" in rules["D1.train"][7]
    values = [tuple(r) for r in ws.iter_rows(min_row=4, values_only=True)]
    subtotals = [r for r in values if r[1] == "小计"]
    assert [r[3] for r in subtotals[:3]] == [40, 30, 30] and [r[5] for r in subtotals[:3]] == [26.94, 28, 20]
    assert "可评定分值35分，按40分折算" in subtotals[0][6]
    assert ("加分项" in [r[0] for r in values]) and subtotals[3][5] == 2  # bonus awarded
    total = next(r for r in values if r[0] == "总分")
    assert total[3] == 100 and total[5] == 76.94
    assert next(r for r in values if r[0] == "等次")[5] == "合格"
    # the dimension column is merged over each group
    assert any(str(m).startswith("A4:A") for m in ws.merged_cells.ranges)


def test_person_and_recommendation_sheets():
    book = workbook(render(demo_report(), "xlsx", "zh"))
    staff = list(book["社区工作人员"].iter_rows(values_only=True))
    assert staff[1][:5] == ("对象", "社区考评", "企业考评", "居民考评", "综合得分")
    assert staff[4][0] == "王五" and staff[4][4] == 57.5 and "不合格" in staff[4]
    recs = list(book["整改建议"].iter_rows(values_only=True))
    assert recs[2][:3] == (1, "D1.meetings", "每月两次组织生活") and recs[2][5] == 11.43
    assert any(row[0] and str(row[0]).startswith("晋级路径") for row in recs)


def test_english_headers():
    book = workbook(render(demo_report(), "xlsx", "en"))
    assert book.sheetnames[0] == "Score sheet"
    assert [c.value for c in book["Score sheet"][3]][:9] == [
        "Dimension", "Item", "Standard and requirements", "Points", "Scoring method", "Score",
        "Reason for deduction", "Basis", "Evidence"]


def test_identical_input_gives_identical_bytes():
    first, second = render(demo_report(), "xlsx", "zh"), render(demo_report(), "xlsx", "zh")
    assert first == second
    with zipfile.ZipFile(io.BytesIO(first)) as archive:
        assert {info.date_time for info in archive.infolist()} == {(2000, 1, 1, 0, 0, 0)}
    props = workbook(first).properties
    assert props.created.year == 2000 and props.modified.year == 2000
    assert props.creator.startswith("community-assess")


def test_no_cell_is_a_formula(tmp_path):
    book = workbook(render(hostile_report(tmp_path), "xlsx", "zh"))
    risky = 0
    for ws in book.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type not in ("f", "e"), (ws.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str) and cell.value.lstrip(" ").startswith(FORMULA_STARTS):
                    assert cell.data_type == "s" and cell.quotePrefix, (ws.title, cell.coordinate)
                    risky += 1
    assert risky >= len(FORMULAS)
    labels = [row[0] for row in book["社区工作人员"].iter_rows(min_row=3, values_only=True)]
    # the texts themselves are kept (openpyxl reads a stored CR back as a line feed)
    assert [v.replace("\n", "\r") if v.endswith("=1+1") and v.startswith("\n") else v for v in labels] == FORMULAS
    titles = [row[1] for row in book["考核评分表"].iter_rows(min_row=4, values_only=True)]
    assert RULE_TITLE in titles
    assert "\x01" not in book["考核评分表"]["A1"].value  # a control character cannot go into a sheet


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) is not installed")
def test_libreoffice_evaluates_nothing(tmp_path):
    """Converted by LibreOffice (which would evaluate formulas), every hostile text comes back as text."""
    source = tmp_path / "report.xlsx"
    source.write_bytes(render(hostile_report(tmp_path), "xlsx", "zh"))
    out = tmp_path / "out"
    subprocess.run(["soffice", "--headless", f"-env:UserInstallation=file://{tmp_path}/lo", "--convert-to", "xlsx",
                    "--outdir", str(out), str(source)], check=True, capture_output=True, timeout=240)
    book = openpyxl.load_workbook(out / "report.xlsx")
    for ws in book.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (ws.title, cell.coordinate, cell.value)
    labels = [row[0] for row in book["社区工作人员"].iter_rows(min_row=3, values_only=True)]
    assert "=cmd|' /C calc'!A0" in labels and "+SUM(1,2)" in labels and "@SUM(A1)" in labels
    assert "-2+3" in labels and "#N/A" in labels


def test_sheet_names_follow_excel_rules():
    used: set[str] = set()
    assert sheet_name("a/b:c*d?[e]\\f", used) == "a_b_c_d__e__f"
    long = "很长的表名" * 10
    first, second = sheet_name(long, used), sheet_name(long, used)
    assert len(first) <= 31 and len(second) <= 31 and first != second and second.endswith("(2)")


def test_vetoes_and_demotion_in_the_closing_rows(tmp_path):
    from report_inputs import DEMO_PACK, DEMO_PROFILE, assess

    profile = tmp_path / "vetoed.yaml"
    profile.write_text(DEMO_PROFILE.read_text(encoding="utf-8").replace("cult: 0", "cult: 1"), encoding="utf-8")
    ws = workbook(render(assess(DEMO_PACK, profile), "xlsx", "zh"))["考核评分表"]
    values = [tuple(r) for r in ws.iter_rows(min_row=4, values_only=True)]
    grade = next(r for r in values if r[0] == "等次")
    assert grade[5] == "不合格" and "合格 ← 一票否决" in grade[6]  # demoted from 合格, and why
    closing = values[values.index(next(r for r in values if r[0] == "总分")):]
    veto = next(r for r in closing if r[0] == "一票否决")
    assert veto[5] == "邪教组织活动" and veto[6] == "直接评定为最低等次" and veto[10] == "V.cult"
    assert next(r for r in values if r[10] == "V.cult")[5] == "触发"  # its row in the veto group
