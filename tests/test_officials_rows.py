"""The officials' words, row by row (issue 14): no line of a report says a veto's consequence twice, a veto
counts its cases without a deduction, an element that triggers a veto is 触发, and the lines only the text
report showed (an included block, the parameters looked up by the profile) are in every format."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from openpyxl import load_workbook
from typer.testing import CliRunner

from engine.cli import app

ROOT = Path(__file__).resolve().parent.parent
VETOES = ROOT / "tests" / "packs" / "vetoes"
WEAK = ROOT / "profiles" / "weak-community.yaml"
STRONG = ROOT / "profiles" / "strong-community.yaml"
runner = CliRunner()

# a veto consequence, however a format words it
CONSEQUENCES = {
    "awards": r"取消评(先评)?优",
    "cap": r"限定最高等次|最高评为",
    "demote": r"降低一个等次",
    "bar": r"不得参评",
    "revoke": r"撤销[^，；]*称号",
}


def _veto_profiles(tmp_path: Path) -> list[Path]:
    """The construct pack's case profiles that trigger a veto, each in its own file."""
    cases = yaml.safe_load((VETOES / "tests" / "cases.yaml").read_text(encoding="utf-8"))["cases"]
    paths = []
    for index, case in enumerate(cases):
        if case.get("vetoes"):
            path = tmp_path / f"case{index}.yaml"
            path.write_text(yaml.safe_dump(case["profile"], allow_unicode=True), encoding="utf-8")
            paths.append(path)
    return paths


def _assess(profile: Path, fmt: str, out: Path, *pack: str) -> str:
    result = runner.invoke(app, [str(profile), *pack, "--format", fmt, "-o", str(out)], catch_exceptions=False)
    assert out.exists(), result.output
    if fmt != "xlsx":
        return out.read_text(encoding="utf-8")
    rows = []
    for sheet in load_workbook(out).worksheets:
        rows += [" | ".join(str(v) for v in row if v is not None) for row in sheet.iter_rows(values_only=True)]
    return "\n".join(rows)


def _repeats(line: str) -> list[str]:
    return [name for name, pattern in CONSEQUENCES.items() if len(re.findall(pattern, line)) > 1]


@pytest.mark.parametrize("fmt", ["text", "markdown", "html", "xlsx"])
def test_no_line_says_a_consequence_twice(tmp_path, fmt):
    for profile in _veto_profiles(tmp_path):
        output = _assess(profile, fmt, tmp_path / f"{profile.stem}.{fmt}", "--pack", str(VETOES))
        for line in output.splitlines():
            assert not _repeats(line), f"{profile.name} ({fmt}): {line}"


def _head_lines(text: str) -> list[str]:
    """The text report's lines from the pack heading to the dimension table: the grade and what lowered it."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("== "))
    end = next(i for i, line in enumerate(lines) if i > start and not line.strip())
    return lines[start:end]


def test_the_text_report_says_each_consequence_on_one_line(tmp_path):
    """'降档：优秀 ← 一票否决（取消评优）' above '一票否决：… — 取消评先评优资格' said it twice."""
    for profile, pack in [(STRONG, ()), *((p, ("--pack", str(VETOES))) for p in _veto_profiles(tmp_path))]:
        head = _head_lines(_assess(profile, "text", tmp_path / f"{profile.stem}.txt", *pack))
        for name, pattern in CONSEQUENCES.items():
            said = [line for line in head if re.search(pattern, line)]
            assert len(said) <= 1, f"{profile.name}: {name} said on {said}"


def test_the_score_sheet_closes_with_each_consequence_once(tmp_path):
    """The Excel sheet's closing rows gave V5.3's 取消评先评优资格 and then a row saying only that."""
    rows = _assess(WEAK, "xlsx", tmp_path / "w.xlsx").splitlines()
    closing = rows[next(i for i, row in enumerate(rows) if row.startswith("总分")):]
    assert len([row for row in closing if re.search(CONSEQUENCES["awards"], row)]) == 1, closing


def test_a_veto_over_a_list_counts_its_cases_and_deducts_nothing(tmp_path):
    profile = next(p for p in _veto_profiles(tmp_path) if "火灾" in p.read_text(encoding="utf-8"))
    for fmt in ("text", "html", "xlsx"):
        output = _assess(profile, fmt, tmp_path / f"out.{fmt}", "--pack", str(VETOES))
        assert "扣0分" not in output, fmt
        assert "1次" in output, fmt


def test_an_element_that_triggers_a_veto_is_triggered_not_unmet(tmp_path):
    profile = next(p for p in _veto_profiles(tmp_path) if "火灾" in p.read_text(encoding="utf-8"))
    for fmt in ("text", "html", "xlsx"):
        output = _assess(profile, fmt, tmp_path / f"out.{fmt}", "--pack", str(VETOES))
        rows = [line for line in output.splitlines()  # the element's row: its name and date, not the veto's title
                if "火灾" in line and re.search(r"\d{4}-\d\d-\d\d", line) and "安全事故" not in line]
        assert rows and all("触发" in row and "未达标" not in row for row in rows), (fmt, rows)


def test_the_pack_doc_situation_does_not_repeat_the_consequence():
    result = runner.invoke(app, ["pack", "doc", str(VETOES)], catch_exceptions=False)
    rows = [line.split(" | ") for line in result.stdout.splitlines() if line.startswith("| V.")]
    assert rows
    for _, situation, consequence, _ in rows:
        first = consequence.split("；")[0]
        assert first not in situation and "一票否决" not in situation, (situation, consequence)


def _first_case(name: str, tmp_path: Path) -> Path:
    case = yaml.safe_load((ROOT / "tests" / "packs" / name / "tests" / "cases.yaml").read_text(encoding="utf-8"))
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(case["cases"][0]["profile"], allow_unicode=True), encoding="utf-8")
    return path


@pytest.mark.parametrize("fmt", ["text", "markdown", "html", "xlsx"])
def test_every_format_names_the_included_block(tmp_path, fmt):
    pack = ROOT / "tests" / "packs" / "include"
    output = _assess(_first_case("include", tmp_path), fmt, tmp_path / f"out.{fmt}", "--pack", str(pack))
    assert "维度P引自party 2.1.0《党建工作考核细则（测试）》" in output
    assert "按30分折算" in output


@pytest.mark.parametrize("fmt", ["text", "markdown", "html", "xlsx"])
def test_every_format_lists_the_parameters_looked_up_by_the_profile(tmp_path, fmt):
    pack = ROOT / "tests" / "packs" / "paramtables"
    output = _assess(_first_case("paramtables", tmp_path), fmt, tmp_path / f"out.{fmt}", "--pack", str(pack))
    assert "按画像取值的参数" in output
    assert "服务覆盖率要求 — 按社区类型「城市型」：90%" in output
    assert re.search(r"专职工作人员最少人数 — 按户数「≥1000，\\?(<|&lt;)3000」：7", output)
