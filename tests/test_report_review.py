"""Waivers, reviewer adjustments and the comparison with a baseline in every format but text and JSON
(tests/test_review.py and tests/test_baseline.py cover those): HTML, Excel, Markdown, SARIF and JUnit."""

from __future__ import annotations

import copy
import datetime as dt
import io
import json
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

import pytest
from report_inputs import DEMO_PACK, DEMO_PROFILE, demo_report

from engine.api.engine import Engine
from engine.report import render
from engine.report.load import parse_report
from engine.review.adjustments import AdjustmentSet
from engine.review.apply import Review
from engine.review.baseline import compare, record_of_report
from engine.review.waivers import WaiverSet
from engine.source.load import load_yaml

HOSTILE = '=HYPERLINK("http://evil") <script>x</script> | *b* [l](u)'  # a justification that tries everything
MEETINGS = "旧城改造，活动场所临时过渡（区委组织部批复〔2024〕12号）"
# the audit line of each adjustment: change (asked, when bounded), computed → final score, reviewer, reason
LEDGERS_AUDIT = "酌情调整 -3（计算得分 15 → 12；调整人 街道考核组 李四：台账缺少签字，酌情扣3分）"
STAFF_AUDIT = "酌情调整 +10 (+20, 受分值上下限约束)（计算得分 20 → 30；调整人 -区考核组：+复核后加分）"

WAIVERS = f"""\
waivers:
  - rule: D1.meetings
    profile: demo-*
    justification: {MEETINGS}
    approver: 西山区委组织部 张三
    expires: 2099-06-30
  - rule: P.petition
    profile: demo-strong
    justification: '{HOSTILE}'
    approver: "@admin"
    expires: 2099-12-31
  - rule: D1.homes
    profile: demo-strong
    justification: 已过期
    approver: 某人
    expires: 2020-01-01
"""

ADJUSTMENTS = """\
adjustments:
  - rule: D2.ledgers
    profile: demo-strong
    points: -3
    reason: 台账缺少签字，酌情扣3分
    reviewer: 街道考核组 李四
  - rule: D3.staff
    profile: demo-strong
    points: 20
    reason: "+复核后加分"
    reviewer: "-区考核组"
"""


def variant(**changes):
    data = copy.deepcopy(load_yaml(DEMO_PROFILE).data)
    for path, value in changes.items():
        node = data
        *parents, last = path.split("__")
        for part in parents:
            node = node[part]
        node[last] = value
    return data


@pytest.fixture(scope="module")
def engine():
    return Engine.from_dirs([DEMO_PACK], backend="reference")


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("review")
    (folder / "w.yaml").write_text(WAIVERS, encoding="utf-8")
    (folder / "a.yaml").write_text(ADJUSTMENTS, encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def reviewed(engine, files):
    """demo-strong with two waivers (and an expired one), two adjustments (one bounded) and last year's report
    as its baseline (no petition then, but only 100 of 120 ledgers closed)."""
    review = Review(waivers=WaiverSet.load([files / "w.yaml"]), adjustments=AdjustmentSet.load([files / "a.yaml"]),
                    as_of=dt.date(2025, 3, 1))
    review.check(engine.packs)
    last_year = engine.assess(engine.schema.validate_data(variant(incidents__petition=0, ledgers__closed=100),
                                                          str(DEMO_PROFILE)))
    report = engine.assess_file(DEMO_PROFILE, review=review)
    report.baseline = compare(report, record_of_report(json.loads(render(last_year, "json", "zh")), "2023.json"))
    return report


@pytest.fixture(scope="module")
def regressed(engine):
    """A veto this year that last year's report did not have: a regression."""
    before = engine.assess_file(DEMO_PROFILE)
    report = engine.assess(engine.schema.validate_data(variant(incidents__cult=1), str(DEMO_PROFILE)))
    report.baseline = compare(report, record_of_report(json.loads(render(before, "json", "zh")), "2023.json"))
    return report


def test_the_report_under_test(reviewed, files):
    """What the renderers are given: the waivers, adjustments and comparison the other tests expect."""
    result = reviewed.results[0]
    assert [(w.rule, w.outcome) for w in result.waivers] == [("D1.meetings", "not_met"), ("P.petition", "not_met")]
    assert [(a.rule, a.computed, a.points, a.applied, a.adjusted) for a in result.adjustments] == \
        [("D2.ledgers", 15, -3, -3, 12), ("D3.staff", 20, 20, 10, 30)]
    outcomes = {f.rule: f.outcome for f in result.findings}
    assert outcomes["D1.homes"] == "partly_met"  # the expired waiver waived nothing
    [pack] = reviewed.baseline.packs
    assert (pack.total_before, pack.total_after, pack.grade_change) == (63.94, 96.71, "up")
    assert pack.cleared_findings == ["D1.meetings", "D3.staff"]
    assert [r.rule for r in pack.rules] == ["D1.meetings", "D2.ledgers", "D3.staff", "P.petition"]


# -- HTML ------------------------------------------------------------------------------------------

class Tables(HTMLParser):
    """Every table of a page: its class and its rows as lists of cell texts; and the rows' classes."""

    def __init__(self):
        super().__init__()
        self.tables: list[tuple[str, list[list[str]]]] = []
        self.row_classes: list[tuple[str, list[str]]] = []
        self.cell: list[str] | None = None
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table":
            self.tables.append((attrs.get("class") or "", []))
        elif tag == "tr":
            self.tables[-1][1].append([])
            self.row_classes.append((attrs.get("class") or "", self.tables[-1][1][-1]))
        elif tag in ("td", "th"):
            self.cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self.cell is not None:
            self.tables[-1][1][-1].append("".join(self.cell))
            self.cell = None

    def handle_data(self, data):
        self.text.append(data)
        if self.cell is not None:
            self.cell.append(data)

    def table(self, cls: str) -> list[list[str]]:
        return next(rows for c, rows in self.tables if c == cls)


def page(report, lang="zh") -> tuple[str, Tables]:
    html = render(report, "html", lang)
    parsed = Tables()
    parsed.feed(html)
    return html, parsed


def test_html_shows_waivers_in_the_sheet_and_in_their_own_table(reviewed, files):
    html, parsed = page(reviewed)
    rows = {r[-1]: (cls, r) for cls, r in parsed.row_classes if r and r[-1].startswith(("D", "P"))}
    cls, meetings = rows["D1.meetings"]
    assert "waived" in cls.split() and meetings[-2] == "已豁免"
    assert f"豁免：{MEETINGS}（批准人 西山区委组织部 张三，有效期至 2099-06-30）" in meetings
    assert rows["D1.homes"][1][-2] == "部分达标"  # expired: not waived
    waivers = parsed.table("waivers")
    assert waivers[0] == ["编号", "项目", "原结果", "豁免理由", "批准人", "有效期至", "出处"]
    assert waivers[1] == ["D1.meetings", "每月两次组织生活", "未达标", MEETINGS, "西山区委组织部 张三", "2099-06-30",
                          f"{files / 'w.yaml'}:2:5"]
    assert waivers[2][:4] == ["P.petition", "越级上访", "未达标", HOSTILE] and len(waivers) == 3
    # a reviewer's text is escaped like any other
    assert "<script>x" not in html and "&lt;script&gt;x&lt;/script&gt;" in html


def test_html_shows_the_audit_trail_of_adjustments(reviewed, files):
    _, parsed = page(reviewed)
    table = parsed.table("adjustments")
    assert table[0] == ["编号", "项目", "计算得分", "调整", "调整后", "调整人", "理由", "出处"]
    assert table[1] == ["D2.ledgers", "社情民意台账办结率", "15", "-3", "12", "街道考核组 李四",
                        "台账缺少签字，酌情扣3分", f"{files / 'a.yaml'}:2:5"]
    assert table[2][2:6] == ["20", "+10 (+20, 受分值上下限约束)", "30", "-区考核组"]
    sheet = {r[-1]: r for r in parsed.table("sheet") if r}
    assert sheet["D2.ledgers"][5] == "12"  # the score sheet gives the adjusted score, and says why
    assert sheet["D2.ledgers"][6].endswith(LEDGERS_AUDIT)


def test_html_shows_the_comparison_with_the_baseline(reviewed):
    html, parsed = page(reviewed)
    text = "".join(parsed.text)
    assert "同比（与基线比较）：demo-strong 2024-01-01 至 2024-12-31 (基线报告 2023.json)" in text
    assert "总分 63.94 → 96.71 (+32.77) · 等次 合格 → 优秀 (上升)" in text
    assert parsed.table("dimdelta") == [["维度", "基线", "本次", "增减"], ["D1 组织建设", "26.94", "37.71", "+10.78"],
                                        ["D2 服务群众", "15", "27", "+12"], ["D3 队伍建设", "20", "30", "+10"]]
    assert "已整改：D1.meetings 每月两次组织生活、D3.staff 工作人员考评合格" in text
    rules = parsed.table("ruledelta")
    assert rules[0] == ["编号", "项目", "基线结果", "本次结果", "基线得分", "本次得分", "增减"]
    assert rules[2] == ["D2.ledgers", "社情民意台账办结率", "未达标", "部分达标", "0", "12", "+12"]
    assert '<td class="num up">+12</td>' in html
    plain = render(demo_report(), "html", "zh")  # nothing of the sort without a review or a baseline
    assert "同比" not in plain and "豁免" not in plain and "人工调整" not in plain


def test_html_in_english_and_a_regression(reviewed, regressed):
    _, parsed = page(reviewed, "en")
    assert parsed.table("waivers")[0] == ["Rule", "Item", "Outcome before", "Justification", "Approver", "Expires",
                                          "Written at"]
    assert parsed.table("adjustments")[2][3] == "+10 (+20, bounded by the rule's points)"
    assert "Total 63.94 → 96.71 (+32.77) · Grade Pass → Excellent (up)" in "".join(parsed.text)
    html, parsed = page(regressed)
    text = "".join(parsed.text)
    assert '<p class="new_vetoes alert">新增一票否决：V.cult 邪教组织活动</p>' in html
    assert "等次 合格 → 不合格 (下降) · [退步]" in text


# -- Excel -----------------------------------------------------------------------------------------

openpyxl = pytest.importorskip("openpyxl")


def book(report, lang="zh"):
    return openpyxl.load_workbook(io.BytesIO(render(report, "xlsx", lang)))


def rows(ws, first=1) -> list[tuple]:
    return [tuple(v for v in row) for row in ws.iter_rows(min_row=first, values_only=True)]


def test_xlsx_sheets_of_the_review_and_the_baseline(reviewed):
    workbook = book(reviewed)
    assert workbook.sheetnames == ["考核评分表", "审核调整", "同比", "社区工作人员", "整改建议"]
    assert book(reviewed, "en").sheetnames[:3] == ["Score sheet", "Review", "Baseline"]
    assert render(reviewed, "xlsx", "zh") == render(reviewed, "xlsx", "zh")  # still byte-identical


def test_xlsx_score_sheet_says_why_in_the_reason_column(reviewed):
    sheet = {r[10]: r for r in rows(book(reviewed)["考核评分表"], 4) if r[10]}
    assert sheet["D1.meetings"][9] == "已豁免" and sheet["D1.meetings"][5] is None
    assert sheet["D1.meetings"][6] == f"豁免：{MEETINGS}（批准人 西山区委组织部 张三，有效期至 2099-06-30）"
    assert sheet["D2.ledgers"][5] == 12
    reason = sheet["D2.ledgers"][6].split("\n")
    assert reason[-1] == LEDGERS_AUDIT
    assert reason[0].startswith("达到98%")  # what the engine says comes first
    assert sheet["D3.staff"][6] == STAFF_AUDIT


def test_xlsx_review_sheet_with_the_audit_trail(reviewed, files):
    ws = book(reviewed)["审核调整"]
    values = rows(ws)
    assert values[1][0] == "豁免事项"
    assert values[2][:7] == ("编号", "项目", "原结果", "豁免理由", "批准人", "有效期至", "出处")
    assert values[3][:7] == ("D1.meetings", "每月两次组织生活", "未达标", MEETINGS, "西山区委组织部 张三", "2099-06-30",
                             f"{files / 'w.yaml'}:2:5")
    assert values[4][3] == HOSTILE
    start = [v[0] for v in values].index("人工调整（酌情扣分/加分）")
    assert values[start + 1] == ("编号", "项目", "计算得分", "申请调整", "调整", "调整后", "调整人", "理由", "出处")
    assert values[start + 2] == ("D2.ledgers", "社情民意台账办结率", 15, -3, -3, 12, "街道考核组 李四",
                                 "台账缺少签字，酌情扣3分", f"{files / 'a.yaml'}:2:5")
    assert values[start + 3][2:7] == (20, 20, 10, 30, "-区考核组")
    # texts that start like formulas stay text: the justification, the reviewer, the reason
    hostile = ws.cell(row=5, column=4)
    assert hostile.data_type == "s" and hostile.quotePrefix
    for cell in (ws.cell(row=start + 4, column=7), ws.cell(row=start + 4, column=8)):
        assert cell.value in ("-区考核组", "+复核后加分") and cell.data_type == "s" and cell.quotePrefix
    assert ws.cell(row=start + 3, column=5).number_format == "+0.00;-0.00;0.00"  # a change shows its sign


def test_xlsx_baseline_sheet(reviewed):
    values = rows(book(reviewed)["同比"])
    assert values[0][0] == "同比（与基线比较） — 示例社区考核（测试包）"
    assert values[1][0] == "基线报告：2023.json    demo-strong 2024-01-01 至 2024-12-31"
    table = [v for v in values if any(x is not None for x in v)]
    assert table[2][:4] == ("项目", "基线", "本次", "增减")
    assert table[3][:4] == ("总分", 63.94, 96.71, 32.77)
    assert table[4][:4] == ("等次", "合格", "优秀", "上升")
    assert table[5][0] == "退步" and table[5][3] == "否"
    assert ("D1 组织建设", 26.94, 37.71, 10.78) in [t[:4] for t in table]
    cleared = next(t for t in table if t[0] == "已整改")
    assert cleared[1] == "D1.meetings 每月两次组织生活\nD3.staff 工作人员考评合格"
    changed = table[[t[0] for t in table].index("变化的项目") + 1:]
    assert changed[0] == ("编号", "项目", "基线结果", "本次结果", "基线得分", "本次得分", "增减")
    assert changed[1] == ("D1.meetings", "每月两次组织生活", "未达标", "已豁免", 0, "—", "—")
    assert changed[2] == ("D2.ledgers", "社情民意台账办结率", "未达标", "部分达标", 0, 12, 12)


def test_xlsx_no_review_cell_is_a_formula_and_a_regression_shows(reviewed, regressed):
    for report in (reviewed, regressed):
        for ws in book(report).worksheets:
            for row in ws.iter_rows():
                for cell in row:
                    assert cell.data_type not in ("f", "e"), (ws.title, cell.coordinate, cell.value)
    table = rows(book(regressed)["同比"])
    assert next(t for t in table if t[0] == "退步")[3] == "是"
    assert next(t for t in table if t[0] == "新增一票否决")[1] == "V.cult 邪教组织活动"


# -- Markdown --------------------------------------------------------------------------------------

def test_markdown_dimension_deltas_and_the_comparison(reviewed):
    text = render(reviewed, "markdown", "zh")
    lines = text.splitlines()
    assert "| 维度 | 分值 | 得分 | 得分率 | 同比 |" in lines and "|---|--:|--:|--:|--:|" in lines
    assert "| D1 组织建设 | 40 | 37.71 | 94.3% | +10.78 |" in lines
    assert "**同比（与基线比较）**：总分 63.94 → 96.71 (+32.77) · 等次 合格 → 优秀 (上升)" in lines
    assert "已整改：D1.meetings 每月两次组织生活；D3.staff 工作人员考评合格" in lines
    assert "<details><summary>变化的项目 (4)</summary>" in lines and "</details>" in lines
    assert "| D2.ledgers | 社情民意台账办结率 | 未达标 | 部分达标 | 0 | 12 | +12 |" in lines
    plain = render(demo_report(), "markdown", "zh")
    assert "同比" not in plain and "<details>" not in plain and "| 维度 | 分值 | 得分 | 得分率 |" in plain


def test_markdown_waivers_and_adjustments(reviewed):
    text = render(reviewed, "markdown", "zh")
    lines = text.splitlines()
    assert "**豁免事项** (2)" in lines
    assert f"- D1.meetings 每月两次组织生活（未达标 → 已豁免）：{MEETINGS} — 批准人 西山区委组织部 张三，" \
           "有效期至 2099-06-30" in lines
    petition = next(line for line in lines if line.startswith("- P.petition"))
    assert "\\<script\\>x\\</script\\> \\| \\*b\\* \\[l\\](u)" in petition and "<script>" not in text
    assert "批准人 \\@admin" in petition
    assert "| 编号 | 计算得分 | 调整 | 调整后 | 调整人 | 理由 |" in lines
    assert "| D2.ledgers | 15 | -3 | 12 | 街道考核组 李四 | 台账缺少签字，酌情扣3分 |" in lines
    assert "| D3.staff | 20 | +10 (+20, 受分值上下限约束) | 30 | -区考核组 | +复核后加分 |" in lines
    unmet = [line.split(" | ")[0] for line in lines if line.count("|") == 6 and line.startswith("| D")]
    assert "| D1.meetings" not in unmet  # a waived rule is not an unmet item
    english = render(reviewed, "markdown", "en")
    assert "- D1.meetings Organisational life twice a month (not met → waived): " in english
    assert "**Reviewer adjustments** (2)" in english


def test_markdown_regression(regressed):
    text = render(regressed, "markdown", "en")
    assert "**Compared with the baseline**: Total 76.94 → " in text and "· **regression**" in text
    assert "New vetoes: V.cult Cult activity" in text


# -- SARIF -----------------------------------------------------------------------------------------

def sarif_run(report, lang="zh") -> dict:
    return json.loads(render(report, "sarif", lang))["runs"][0]


def test_sarif_waived_rules_are_suppressed_results(reviewed, files):
    results = {r["ruleId"]: r for r in sarif_run(reviewed)["results"]}
    meetings = results["D1.meetings"]
    assert meetings["level"] == "error"  # as the rule was before the waiver: not met
    [suppression] = meetings["suppressions"]
    assert suppression["kind"] == "external" and suppression["status"] == "accepted"
    assert suppression["justification"] == MEETINGS
    where = suppression["location"]["physicalLocation"]
    assert where["artifactLocation"]["uri"].endswith("/w.yaml") and where["region"] == {"startLine": 2,
                                                                                         "startColumn": 5}
    assert suppression["properties"] == {"approver": "西山区委组织部 张三", "expires": "2099-06-30",
                                         "source": f"{files / 'w.yaml'}:2:5"}
    assert meetings["message"]["text"].startswith("[未达标 → 已豁免] 每月两次组织生活：" + MEETINGS)
    assert meetings["properties"]["outcomeBeforeWaiver"] == "not_met"
    assert results["P.petition"]["suppressions"][0]["justification"] == HOSTILE
    assert "suppressions" not in results["D1.homes"]  # the expired waiver suppresses nothing
    assert all("suppressions" not in r for r in sarif_run(demo_report())["results"])


def test_sarif_adjustments_and_baseline_state(reviewed):
    run = sarif_run(reviewed)
    results = {r["ruleId"]: r for r in run["results"]}
    ledgers = results["D2.ledgers"]
    assert ledgers["properties"]["adjustments"] == [reviewed.results[0].adjustments[0].model_dump()]
    assert ledgers["message"]["text"].endswith(LEDGERS_AUDIT)
    assert {rule: r["baselineState"] for rule, r in results.items()} == {
        "D1.homes": "unchanged", "D1.meetings": "updated", "D2.ledgers": "updated", "P.petition": "new"}
    props = run["properties"]
    assert [w["rule"] for w in props["waivers"]] == ["D1.meetings", "P.petition"]
    assert [a["rule"] for a in props["adjustments"]] == ["D2.ledgers", "D3.staff"]
    assert props["baseline"]["file"] == "2023.json" and props["baseline"]["delta"] == 32.77
    assert props["baseline"]["cleared_findings"] == ["D1.meetings", "D3.staff"]
    assert all("baselineState" not in r for r in sarif_run(demo_report())["results"])


def test_sarif_with_review_and_baseline_is_valid(reviewed, regressed):
    jsonschema = pytest.importorskip("jsonschema")
    from test_report_sarif import official_schema

    validator = jsonschema.Draft4Validator(official_schema())
    for report in (reviewed, regressed):
        for lang in ("zh", "en"):
            log = json.loads(render(report, "sarif", lang))
            assert [f"{list(e.path)}: {e.message}" for e in validator.iter_errors(log)] == []


# -- JUnit -----------------------------------------------------------------------------------------

def junit(report, lang="zh") -> tuple[ET.Element, dict]:
    root = ET.fromstring(render(report, "junit", lang).encode("utf-8"))
    return root, {case.get("name").split(" ")[0]: case for case in root.iter("testcase")}


def test_junit_waived_rules_are_skipped_with_the_justification(reviewed, files):
    root, cases = junit(reviewed)
    skipped = cases["D1.meetings"].find("skipped")
    assert skipped.get("message") == f"已豁免：{MEETINGS}（批准人 西山区委组织部 张三，有效期至 2099-06-30）"
    assert skipped.text == f"未达标 → 已豁免 — {files / 'w.yaml'}:2:5"
    assert HOSTILE in cases["P.petition"].find("skipped").get("message")
    assert cases["D1.homes"].find("failure") is not None  # the expired waiver waived nothing
    assert root.get("skipped") == "3" and root.get("failures") == "2"  # D1.ten_you is not assessed


def test_junit_adjustments_and_baseline(reviewed, files):
    root, cases = junit(reviewed)
    failure = cases["D2.ledgers"].find("failure")
    assert failure.text.splitlines()[-1] == f"{LEDGERS_AUDIT} — {files / 'a.yaml'}:2:5"
    assert cases["D3.staff"].find("failure") is None
    assert cases["D3.staff"].find("system-out").text == f"{STAFF_AUDIT} — {files / 'a.yaml'}:7:5"
    props = {p.get("name"): p.get("value") for p in root.iter("property")}
    assert props["baseline"] == "2023.json" and props["baseline_total"] == "63.94"
    assert props["total_change"] == "+32.77" and props["grade_change"] == "合格 → 优秀 (上升)"
    assert props["regression"] == "false" and props["cleared_findings"] == "D1.meetings, D3.staff"
    assert props["changed_rules"] == "D1.meetings —, D2.ledgers +12, D3.staff +10, P.petition 0"
    suite_out = root.find("testsuite").find("system-out").text
    assert suite_out.endswith("同比（与基线比较）：总分 63.94 → 96.71 (+32.77)")
    plain = {p.get("name") for p in junit(demo_report())[0].iter("property")}
    assert "baseline" not in plain


# -- a saved JSON report renders the same ---------------------------------------------------------

@pytest.mark.parametrize("fmt", ["text", "html", "markdown", "sarif", "junit", "xlsx"])
def test_a_saved_report_renders_its_review_and_baseline_the_same(reviewed, fmt):
    saved = parse_report(render(reviewed, "json", "zh").encode("utf-8"), "saved.json")
    assert saved.baseline is not None and saved.results[0].waivers and saved.results[0].adjustments
    for lang in ("zh", "en"):
        assert render(saved, fmt, lang) == render(reviewed, fmt, lang)


def test_a_baseline_without_this_pack_says_so(engine):
    report = engine.assess_file(DEMO_PROFILE)
    data = json.loads(render(report, "json", "zh"))
    data["results"][0]["pack"]["id"] = "another-pack"
    report.baseline = compare(report, record_of_report(data, "2023.json"))
    note = "基线中没有考核细则 demo 的结果。"
    assert [n.zh for n in report.baseline.notes] == [note] and report.baseline.packs == []
    assert rows(book(report)["同比"])[2][0] == note
    html, parsed = page(report)
    assert f'<p class="note">{note}</p>' in html and not [c for c, _ in parsed.tables if c == "dimdelta"]
    assert render(report, "markdown", "zh").rstrip().endswith(f"> {note}")
