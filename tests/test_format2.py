"""Pack format 2, rules that are not points, through the command line: checks worth no points, the
not-applicable policy per item, deduction clauses, an item's own bonus and the grade basis, in every report
format and in the generated score sheet; and format 1 packs that keep their meaning (a format 2 key in a
format 1 pack is an error at the key). The construct pack tests/packs/notpoints runs its cases on both
backends through the pytest plugin."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
from typer.testing import CliRunner

from engine.cli import app
from engine.pack.build import load_pack
from engine.report.load import load_report

ROOT = Path(__file__).resolve().parent.parent
PACK = ROOT / "tests" / "packs" / "notpoints"
runner = CliRunner()

PROFILE = """\
profile: {subject: notpoints, year: 2024}
ledger: {exists: false, updated: true}
meetings: {missed: 3}
training: {rate: 99}
honours: 3
venue: {has: false}
survey: {respondents: 20, satisfaction: 95}
elderly: {has: false}
staff: [{name: 张三, score: 95}]
"""


def run(*args: str):
    return runner.invoke(app, list(args), catch_exceptions=False)


@pytest.fixture()
def profile(tmp_path: Path) -> Path:
    path = tmp_path / "p.yaml"
    path.write_text(PROFILE, encoding="utf-8")
    return path


def write_pack(root: Path, manifest: str, rules: str, inputs: str = "") -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "pack.yaml").write_text(textwrap.dedent(manifest), encoding="utf-8")
    (root / "rules.yaml").write_text(textwrap.dedent(rules), encoding="utf-8")
    (root / "inputs.yaml").write_text(textwrap.dedent(inputs or """\
        inputs:
          a: {type: boolean, title: 甲}
          n: {type: integer, title: 数}
        """), encoding="utf-8")
    return root


V1_MANIFEST = """\
    pack: {id: t, version: "1", title: 测试, subject: community, edition: "2024"}
    dimensions: [{id: D1, title: 组织, weight: 10}]
    scoring:
      not_applicable: full
      grades: [{id: good, title: 好, at_least: 6}, {id: bad, title: 差, below: 6}]
    """


# -- the report of a format 2 pack ------------------------------------------------------------------

def test_the_text_report_shows_clauses_checks_bonus_and_the_grade_basis(profile):
    result = run(str(profile), "--pack", str(PACK))
    assert result.exit_code == 0, result.output
    out = result.output
    assert "未建立台账 −2；会议无记录 3次 −1.5" in out  # each clause that applied, with its unit
    assert "3+1.5" in out  # the item's own bonus beside its points
    assert "不计分" in out and "目标 ≥90%" in out and "99%" in out  # a check against its target
    assert "按满分计" in out and "不计入该维度" in out  # how items that do not apply count
    assert "按不含加分的基本分16.5分评定" in out


def test_a_grade_that_requires_a_check_names_it(profile):
    profile.write_text(PROFILE.replace("exists: false", "exists: true").replace("missed: 3", "missed: 0"),
                       encoding="utf-8")
    out = run(str(profile), "--pack", str(PACK)).output
    assert "等次：良好（按不含加分的基本分20分评定）" in out
    assert "优秀 ← 该等次要求达标的项目未达标（V1）" in out  # the grade requires V1, which is not met
    assert "晋级路径：优秀 — 该等次要求达标的项目未达标" in out


def test_an_item_that_does_not_apply_shows_the_number_its_dimension_counts(profile):
    result = run(str(profile), "--pack", str(PACK), "--format", "json")
    report = json.loads(result.output)["results"][0]
    findings = {f["rule"]: f for f in report["findings"]}
    assert findings["A1"]["earned"] == 3 and findings["A1"]["not_applicable"] == "full"
    assert findings["S1"]["earned"] is None and findings["S1"]["not_applicable"] == "exclude"
    assert [c["text"]["zh"] for c in findings["L1"]["clauses"] if c["applies"]] == ["未建立台账", "会议无记录"]
    assert findings["T1"]["bonus"] == 1.5 and findings["T1"]["bonus_cap"] == 1.5
    assert findings["G1"]["level"] == "A" and findings["G1"]["points"] is None
    assert findings["M1"]["measure"] == {"value": 0.99, "target": {"zh": "≥90%", "en": "≥90%"},
                                         "format": "percent", "unit": None}
    assert report["grade"]["basis"] == "base" and report["grade"]["unmet"] == ["V1"]
    assert report["bonus"]["items"] == 1.5
    assert "clauses" not in findings["S1"] and "measure" not in findings["L1"]  # defaults are left out


@pytest.mark.parametrize("fmt", ["text", "json", "html", "xlsx", "markdown", "sarif", "junit"])
def test_every_format_renders_a_format_2_report(profile, tmp_path, fmt):
    out = tmp_path / f"r.{fmt}"
    result = run(str(profile), "--pack", str(PACK), "--format", fmt, "--output", str(out))
    assert result.exit_code == 0, result.output
    assert out.stat().st_size > 0


def test_a_json_report_of_a_format_2_pack_renders_again(profile, tmp_path):
    saved = tmp_path / "r.json"
    run(str(profile), "--pack", str(PACK), "--format", "json", "--output", str(saved))
    report = load_report(saved)
    assert report.results[0].grade.basis == "base"
    result = run("render", str(saved), "--format", "text")
    assert result.exit_code == 0, result.output
    assert "3+1.5" in result.output


def test_the_score_sheet_words_each_construct():
    result = run("pack", "doc", str(PACK))
    assert result.exit_code == 0, result.output
    sheet = result.output
    assert "满分4分。未建立台账的扣2分；台账未及时更新的扣1分；会议无记录每次扣0.5分，最多扣2分；扣完为止。" in sheet
    assert "另设加分：培训率达98%以上的加1分；获上级表彰每项加0.5分；本项加分最多1.5分" in sheet
    assert "## 考核指标（不计分）" in sheet and "好：「群众满意度」 ≥ 90%" in sheet
    assert "适用于「满意度调查有效（样本数不少于规定人数）」达标的情形" in sheet  # met() in words
    assert "须达标：V1" in sheet and "等次按不含加分的基本分评定" in sheet
    assert "A1、Z1不适用时按满分计。" in sheet


def test_explain_shows_a_check_and_its_conditions(profile):
    result = run("explain", "L1", "--pack", str(PACK), "--profile", str(profile))
    assert result.exit_code == 0, result.output
    assert "deduction1: not ledger.exists" in result.output
    assert "deductions[2].count: meetings.missed" in result.output
    result = run("explain", "G1", "--pack", str(PACK))
    assert "考核指标（不计分）" in result.output and "level:A" in result.output


# -- format 1 keeps its meaning ------------------------------------------------------------------------

def test_with_not_applicable_full_a_format_1_item_shows_its_points_everywhere(tmp_path, profile):
    pack = write_pack(tmp_path / "pack", V1_MANIFEST, """\
        rules:
          - {id: R1, dimension: D1, title: 甲项, points: 4, applies_when: a, require: n > 1}
          - {id: R2, dimension: D1, title: 乙项, points: 6, require: n > 1}
        """)
    data = tmp_path / "d.yaml"
    data.write_text("profile: {subject: community, year: 2024}\na: false\nn: 3\n", encoding="utf-8")
    report = json.loads(run(str(data), "--pack", str(pack), "--format", "json").output)["results"][0]
    r1 = next(f for f in report["findings"] if f["rule"] == "R1")
    assert r1["outcome"] == "not_applicable" and r1["earned"] == 4  # the dimension counts 4 of 4
    assert report["dimensions"][0]["earned"] == 10 and "not_applicable" not in r1  # no format 2 field
    text = run(str(data), "--pack", str(pack)).output
    assert "R1    甲项     4     4  不适用" in text
    explained = run("explain", "R1", "--pack", str(pack), "--profile", str(data)).output
    assert "not_applicable, 4 / 4" in explained
    sheet = run("pack", "doc", str(pack)).output
    assert "不适用的按满分计" in sheet and "不适用的不计分" not in sheet


def test_a_format_2_key_in_a_format_1_pack_is_an_error_at_the_key(tmp_path):
    pack = write_pack(tmp_path / "pack", V1_MANIFEST, """\
        rules:
          - {id: V1, kind: check, title: 有效, require: a}
          - id: R1
            dimension: D1
            title: 甲项
            points: 4
            deductions: [{when: a, points: 1, text: 甲}]
        """)
    result = run("pack", "check", str(pack))
    assert result.exit_code == 2
    assert "rules.yaml:2:14: error[pack-format-key]: 'kind: check' needs format: 2" in result.output
    assert "rules.yaml:7:5: error[pack-format-key]: 'deductions' needs format: 2" in result.output


def test_each_layer_of_an_overlay_is_checked_against_its_own_format(tmp_path):
    overlay = tmp_path / "district"
    overlay.mkdir()
    (overlay / "pack.yaml").write_text(textwrap.dedent("""\
        pack:
          id: district
          version: "2024.1"
          title: 区考核细则
          subject: community
          edition: "2024"
          format: 2
          extends: community
        overrides:
          rules:
            R2.2: {not_applicable: full}
          scoring: {grade_basis: base}
        """), encoding="utf-8")
    (overlay / "rules.yaml").write_text(textwrap.dedent("""\
        rules:
          - id: X1
            kind: check
            title: 台账齐全
            require: party_members.total > 0
        """), encoding="utf-8")
    pack = load_pack(overlay)  # the shipped base is format 1, the overlay format 2: the merged pack is 2
    assert pack.format == 2 and pack.scoring.grade_basis == "base"
    rule = pack.rule("R2.2")
    assert rule is not None and pack.not_applicable(rule) == "full"
    (overlay / "pack.yaml").write_text((overlay / "pack.yaml").read_text().replace("  format: 2\n", ""))
    result = run("pack", "check", str(overlay))
    assert "error[pack-format-key]: 'not_applicable' needs format: 2" in result.output
    assert "error[pack-format-key]: 'grade_basis' needs format: 2" in result.output
    assert "rules.yaml:3:5: error[pack-format-key]: 'kind: check' needs format: 2" in result.output


def test_a_check_is_worth_no_points(tmp_path):
    pack = write_pack(tmp_path / "pack", V1_MANIFEST.replace("edition: \"2024\"}", "edition: \"2024\", format: 2}"),
                      """\
        rules:
          - {id: V1, kind: check, title: 有效, require: a, points: 3}
        """)
    result = run("pack", "check", str(pack))
    assert "error[pack-unknown-key]: a check is worth no points: it is judged and reported" in result.output
