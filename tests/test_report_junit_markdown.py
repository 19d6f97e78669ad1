"""JUnit XML (a test case per rule) and Markdown for pull-request comments."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from report_inputs import SCRIPT, demo_report, hostile_report

from engine.report import render
from engine.report.formats.markdown import md


def cases(xml: str) -> dict:
    root = ET.fromstring(xml.encode("utf-8"))
    return {case.get("name").split(" ")[0]: case for case in root.iter("testcase")}


def test_junit_a_case_per_rule():
    xml = render(demo_report(), "junit", "zh")
    root = ET.fromstring(xml.encode("utf-8"))
    suites = root.findall("testsuite")
    assert [s.get("name") for s in suites] == ["demo 1.0.0"]
    found = cases(xml)
    assert list(found) == [f.rule for f in demo_report().results[0].findings]
    failed = {rule for rule, case in found.items() if case.find("failure") is not None}
    skipped = {rule for rule, case in found.items() if case.find("skipped") is not None}
    assert failed == {"D1.homes", "D1.meetings", "D3.staff", "P.petition"}
    assert skipped == {"D1.ten_you"}  # not assessed: a parameter is not set
    assert suites[0].get("tests") == "14" and suites[0].get("failures") == "4" and suites[0].get("skipped") == "1"
    assert root.get("failures") == "4"
    failure = found["D1.meetings"].find("failure")
    assert failure.get("type") == "not_met" and "每月两次组织生活" in failure.get("message")
    assert "tests/profiles/demo-strong.yaml:" in failure.text and "依据" in failure.text
    assert found["D1.train"].get("classname") == "demo.D1"
    props = {p.get("name"): p.get("value") for p in suites[0].iter("property")}
    assert props["total"] == "76.94" and props["grade"] == "合格"


def test_junit_english_and_hostile_text(tmp_path):
    xml = render(hostile_report(tmp_path), "junit", "en")
    root = ET.fromstring(xml.encode("utf-8"))  # well-formed despite markup and a control character
    # the control character is shown as U+FFFD, as in every XML and HTML report (engine/report/formats/chars.py)
    assert root.get("name") == f"assessment: {SCRIPT} & \"q\" \ufffd | *b* [l](u) @all"
    missing = cases(xml)["D1.meetings"].find("failure")
    assert missing.get("type") == "missing_data" and missing.get("message").startswith("[missing data]")


def test_markdown_summary_dimensions_and_unmet_items():
    text = render(demo_report(), "markdown", "zh")
    lines = text.splitlines()
    assert lines[0] == "### 示范社区 — 示例社区考核（测试包）"
    assert lines[1].startswith("**总分 76.94 / 100** · 等次：**合格**")
    assert "| D1 组织建设 | 40 | 26.94 | 67.3% |" in lines
    unmet = [line for line in lines if line.startswith("| D") or line.startswith("| P")]
    rows = [line for line in unmet if line.count("|") == 6]
    # most recoverable first, with the points each would recover
    assert rows == ["| D1.meetings | 每月两次组织生活 | 未达标 | 0/10 | 11.43 |",
                    "| D3.staff | 工作人员考评合格 | 部分达标 | 20/30 | 10 |",
                    "| D1.homes | 活动室整合七个之家 | 部分达标 | 8.57/10 | 1.63 |",
                    "| P.petition | 越级上访 | 扣分 | −2 |  |"]
    assert any(line.startswith("晋级路径：距“良好”还差3.06分") for line in lines)


def test_markdown_english_and_vetoes(tmp_path):
    profile = tmp_path / "veto.yaml"
    profile.write_text("profile: {name: 甲社区, year: 2024}\nincidents: {cult: 1, petition: 0, crime: 0}\n",
                       encoding="utf-8")
    from report_inputs import DEMO_PACK, assess

    text = render(assess(DEMO_PACK, profile), "markdown", "en")
    assert "> **Veto**: V.cult Cult activity — forces the lowest grade" in text
    assert "**Items not met, deductions and vetoes** (" in text  # the table lists the veto too
    supply = next(line for line in text.splitlines() if line.startswith("Data to supply: "))
    assert "`co_building.enterprise`" in supply  # listed by points at stake, so not necessarily first


def test_markdown_escapes_profile_and_pack_text(tmp_path):
    text = render(hostile_report(tmp_path), "markdown", "zh")
    assert SCRIPT not in text and "<b>" not in text
    assert "\\<script\\>alert('x')\\</script\\> \\& \"q\" \\| \\*b\\* \\[l\\](u) \\@all" in text
    assert md("a|b\nc") == "a\\|b c"  # one line: a text cannot break out of a table cell
