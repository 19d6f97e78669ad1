"""Vetoes and grades as written (pack format 2), through the command line: veto effects beyond fail and no_award
(bar, revoke, demote, cap_at) with the period they last and the authority whose finding triggers them, in every
report format, the generated score sheet and --fail-on-veto; grades that need a share of named dimensions and a
grade held in earlier years (profile.history), withheld while that history is missing; and the keys refused in a
format 1 pack. The construct pack tests/packs/vetoes runs its cases on both backends through the pytest plugin."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from engine.cli import app
from engine.report.load import load_report

ROOT = Path(__file__).resolve().parent.parent
PACK = ROOT / "tests" / "packs" / "vetoes"
runner = CliRunner()

PROFILE = """\
profile:
  id: p
  name: 测试社区
  subject: community
  year: 2024
  holds: model
  history: [{year: 2023, grade: excellent}, {year: 2022, grade: excellent}]
party: {rate: 100}
safety: {rate: 100}
fraud: {found: false}
crime: {found: false}
complaints: {verified: 0}
committee: {elected: 2022-06-15}
incidents: []
"""


def run(*args: str):
    return runner.invoke(app, list(args), catch_exceptions=False)


def write_profile(tmp_path: Path, replace: dict[str, str] | None = None) -> Path:
    text = PROFILE
    for old, new in (replace or {}).items():
        assert old in text, old
        text = text.replace(old, new)
    path = tmp_path / "p.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def report_of(profile: Path, *args: str) -> dict[str, Any]:
    result = run(str(profile), "--pack", str(PACK), "--format", "json", *args)
    assert result.exit_code == 0, result.output
    return json.loads(result.output)["results"][0]


INCIDENT = {"incidents: []": "incidents: [{what: 火灾, date: 2023-03-01, major: true}]"}


# -- veto effects, periods, authorities ----------------------------------------------------------------------

def test_a_cap_veto_says_its_grade_its_period_and_its_authority_in_json(tmp_path):
    result = report_of(write_profile(tmp_path, INCIDENT))
    assert result["grade"]["id"] == "good"
    assert [d["reason"] for d in result["grade"]["demoted_from"]] == ["veto_cap", "veto_cap"]
    veto = result["vetoes"][0]
    assert veto["severity"] == "cap_at"
    assert veto["cap_at"]["grade"] == "good" and veto["cap_at"]["title"]["zh"] == "良好"
    assert veto["until"] == "2025-03-01"
    assert veto["authority"] == {"zh": "区应急管理局", "en": "District emergency management bureau"}
    assert veto["subjects"] == ["火灾"]


@pytest.mark.parametrize("lang, words", [
    ("zh", "最高评为良好（有效期至2025-03-01；认定：区应急管理局）"),
    ("en", "at most Good (in force until 2025-03-01; found by District emergency management bureau)"),
])
def test_the_text_report_says_the_effect_the_period_and_the_authority(tmp_path, lang, words):
    result = run(str(write_profile(tmp_path, INCIDENT)), "--pack", str(PACK), "--lang", lang)
    assert result.exit_code == 0, result.output
    assert words in result.output
    assert "veto_cap" not in result.output and "cap_at" not in result.output


@pytest.mark.parametrize("fmt", ["markdown", "html", "xlsx"])
def test_every_format_shows_the_veto_in_words(tmp_path, fmt):
    out = tmp_path / f"r.{fmt}"
    result = run(str(write_profile(tmp_path, INCIDENT)), "--pack", str(PACK), "--format", fmt, "--output", str(out))
    assert result.exit_code == 0, result.output
    if fmt == "xlsx":
        from openpyxl import load_workbook
        cells = [str(c.value) for ws in load_workbook(out).worksheets for row in ws.iter_rows() for c in row if c.value]
        shown = "\n".join(cells)
    else:
        shown = out.read_text(encoding="utf-8")
    assert "最高评为良好" in shown and "有效期至2025-03-01" in shown and "区应急管理局" in shown


def test_a_lapsed_veto_is_not_in_force_and_says_when_it_ended(tmp_path):
    profile = write_profile(tmp_path, {"incidents: []": "incidents: [{what: 火灾, date: 2022-06-01, major: true}]"})
    result = report_of(profile)
    assert result["vetoes"] == [] and result["grade"]["id"] == "model"
    finding = next(f for f in result["findings"] if f["rule"] == "V.incident")
    assert finding["outcome"] == "met" and finding["lapsed"] is True and finding["until"] == "2024-06-01"
    text = run(str(profile), "--pack", str(PACK)).output
    assert "已于2024-06-01届满" in text
    assert run(str(profile), "--pack", str(PACK), "--fail-on-veto").exit_code == 0


def test_fail_on_veto_counts_a_veto_in_force(tmp_path):
    assert run(str(write_profile(tmp_path, INCIDENT)), "--pack", str(PACK), "--fail-on-veto").exit_code == 1


@pytest.mark.parametrize("change, severity, reason, words", [
    ({"fraud: {found: false}": "fraud: {found: true}"}, "bar", "veto_bar", "本期不得申报、不得参评，评为最低等次"),
    ({"crime: {found: false}": "crime: {found: true}"}, "revoke", "veto_revoke", "撤销已获得的称号「示范社区」"),
    ({"complaints: {verified: 0}": "complaints: {verified: 3}"}, "demote", "veto_demote",
     "降低一个等次（有效期至2025-06-15；认定：区信访局）"),
])
def test_each_effect_sets_the_grade_and_reads_as_words(tmp_path, change, severity, reason, words):
    profile = write_profile(tmp_path, change)
    result = report_of(profile)
    assert result["vetoes"][0]["severity"] == severity
    assert result["grade"]["demoted_from"][0]["reason"] == reason
    assert result["grade"]["id"] == ("excellent" if severity == "demote" else "pass")
    if severity == "revoke":
        assert result["vetoes"][0]["revokes"]["grade"] == "model"
    assert words in run(str(profile), "--pack", str(PACK)).output


def test_a_veto_whose_period_cannot_be_computed_withholds_the_grade(tmp_path):
    profile = write_profile(tmp_path, {"incidents: []": "incidents: [{what: 火灾, major: true}]"})
    result = report_of(profile)
    assert result["grade"]["withheld"] is True
    assert result["grade"]["undecided_vetoes"] == ["V.incident"]
    assert "暂不评定" in run(str(profile), "--pack", str(PACK)).output


def test_the_score_sheet_words_effects_periods_authorities_and_grade_requirements():
    result = run("pack", "doc", str(PACK))
    assert result.exit_code == 0, result.output
    sheet = result.output
    assert "最高评为“良好”；事故发生后两年内有效；由区应急管理局认定" in sheet
    assert "降低一个等次；本届任期内有效；由区信访局认定" in sheet
    assert "党建引领得分不低于其分值的80%；安全稳定得分不低于其分值的60%" in sheet
    assert "前2年每年均获评“优秀”或更高等次" in sheet
    assert "add_years" not in sheet and "term_ends" not in sheet


def test_a_saved_report_renders_again(tmp_path):
    saved = tmp_path / "r.json"
    run(str(write_profile(tmp_path, INCIDENT)), "--pack", str(PACK), "--format", "json", "--output", str(saved))
    assert load_report(saved).results[0].vetoes[0].until == "2025-03-01"
    result = run("render", str(saved), "--format", "text")
    assert result.exit_code == 0, result.output
    assert "有效期至2025-03-01" in result.output


# -- grades: named dimensions, grades held before --------------------------------------------------------------

def test_a_grade_waits_for_the_history_it_needs(tmp_path):
    profile = write_profile(tmp_path, {", {year: 2022, grade: excellent}": ""})
    result = report_of(profile)
    assert result["grade"]["withheld"] is True
    assert result["grade"]["undecided_history"] == {"model": [2022]}
    assert result["grade"]["id"] == "excellent"  # what the data given earns
    out = run(str(profile), "--pack", str(PACK)).output
    assert "暂不评定（示范社区需往期等次，需补充 profile.history 中 2022 年的等次；按现有数据为优秀）" in out


def test_a_history_below_the_grade_needed_decides_it(tmp_path):
    result = report_of(write_profile(tmp_path, {"{year: 2023, grade: excellent}": "{year: 2023, grade: good}"}))
    assert result["grade"]["withheld"] is False and result["grade"]["id"] == "excellent"
    assert result["grade"]["demoted_from"][0]["reason"] == "previous_grade"
    assert result["next_grade"]["blocked_by"] == ["previous_grade"]


def test_a_share_of_a_named_dimension_demotes(tmp_path):
    result = report_of(write_profile(tmp_path, {"party: {rate: 100}": "party: {rate: 70}"}))
    assert result["grade"]["id"] == "good"
    assert result["grade"]["demoted_from"][0]["reason"] == "dimension_minimum"


# -- the pack: format 1 refuses the keys; mistakes at their place ---------------------------------------------

def write_pack(root: Path, manifest: str, rules: str) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "pack.yaml").write_text(textwrap.dedent(manifest), encoding="utf-8")
    (root / "rules.yaml").write_text(textwrap.dedent(rules), encoding="utf-8")
    (root / "inputs.yaml").write_text("inputs:\n  a: {type: boolean, title: 甲}\n  d: {type: date, title: 日}\n",
                                      encoding="utf-8")
    return root


def manifest(fmt: int, requires: str = "") -> str:
    return f"""\
        pack: {{id: t, version: "1", title: 测试, subject: community, edition: "2024", format: {fmt}}}
        dimensions: [{{id: D1, title: 组织, weight: 10}}]
        scoring:
          not_applicable: exclude
          grades: [{{id: good, title: 好, at_least: 6{requires}}}, {{id: bad, title: 差, below: 6}}]
        """


RULES = """\
    rules:
      - {id: R1, dimension: D1, title: 甲, points: 10, require: a}
      - {id: V1, kind: veto, title: 否, trigger: a, VETO}
    """


@pytest.mark.parametrize("veto, key", [
    ("effect: demote", "effect"),
    ("severity: fail, lasts: {until: d}", "lasts"),
    ("severity: fail, authority: 区应急管理局", "authority"),
])
def test_a_veto_key_of_format_2_in_a_format_1_pack_is_an_error_at_the_key(tmp_path, veto, key):
    pack = write_pack(tmp_path / "p", manifest(1).replace("format: 1", "format: 1"), RULES.replace("VETO", veto))
    result = run("pack", "check", str(pack))
    assert result.exit_code == 2
    assert f"error[pack-format-key]: '{key}' needs format: 2" in result.output


@pytest.mark.parametrize("requires, key", [
    (", requires: {min_dimension_share: {D1: 60%}}", "min_dimension_share"),
    (", requires: {previous: {grade: good, periods: 2}}", "previous"),
])
def test_a_grade_requirement_of_format_2_in_a_format_1_pack_is_an_error_at_the_key(tmp_path, requires, key):
    pack = write_pack(tmp_path / "p", manifest(1, requires), RULES.replace("VETO", "severity: fail"))
    result = run("pack", "check", str(pack))
    assert result.exit_code == 2
    assert f"pack.yaml:5:57: error[pack-format-key]: '{key}' needs format: 2" in result.output


def test_one_share_for_all_dimensions_stays_format_1(tmp_path):
    pack = write_pack(tmp_path / "p", manifest(1, ", requires: {min_dimension_share: 60%}"),
                      RULES.replace("VETO", "severity: fail"))
    assert run("pack", "check", str(pack)).exit_code == 0


@pytest.mark.parametrize("requires, veto, message", [
    (", requires: {min_dimension_share: {D2: 60%}}", "effect: demote",
     "grade 'good' requires a share of dimension 'D2', which the pack does not have"),
    (", requires: {previous: {grade: best, periods: 2}}", "effect: demote",
     "grade 'good' requires grade 'best' in earlier periods, which is not this grade or a lower one of the pack"),
    ("", "effect: {cap_at: goods}", "the veto caps the grade at 'goods', which is not a grade of the pack"),
    ("", "severity: fail, effect: bar", "a veto says what it does once: 'severity' or 'effect', not both"),
    ("", "effect: bar, lasts: {until: a}", "rules.yaml:3:76: error[expr-type]: 'until' must be date, got boolean"),
])
def test_mistakes_in_the_new_keys_are_errors_at_their_place(tmp_path, requires, veto, message):
    pack = write_pack(tmp_path / "p", manifest(2, requires), RULES.replace("VETO", veto))
    result = run("pack", "check", str(pack))
    assert result.exit_code == 2
    assert message in result.output


def test_as_of_judges_whether_a_veto_that_lasts_is_still_in_force(tmp_path):
    profile = write_profile(tmp_path, INCIDENT)
    assert report_of(profile, "--as-of", "2025-03-01")["grade"]["id"] == "good"  # its last day
    later = report_of(profile, "--as-of", "2025-03-02")
    assert later["vetoes"] == [] and later["grade"]["id"] == "model"
    finding = next(f for f in later["findings"] if f["rule"] == "V.incident")
    assert finding["lapsed"] is True and finding["until"] == "2025-03-01"


def test_an_overlay_changes_a_veto_s_effect_period_and_authority(tmp_path):
    overlay = tmp_path / "district"
    overlay.mkdir()
    (overlay / "pack.yaml").write_text(textwrap.dedent(f"""\
        pack:
          id: district
          version: "1"
          title: 区细则
          subject: community
          edition: "2024"
          format: 2
          extends: {PACK}
          sources: [{{id: d, title: 区细则}}]
        overrides:
          rules:
            V.fraud: {{effect: demote, authority: 区委组织部}}
            V.incident: {{lasts: {{until: "add_years(date, 1)", text: 事故发生后一年内}}}}
        """), encoding="utf-8")
    checked = run("pack", "check", str(overlay))
    assert checked.exit_code == 0, checked.output
    assert "rule V.fraud: effect bar → demote" in checked.output
    fraud = report_of_pack(write_profile(tmp_path, {"fraud: {found: false}": "fraud: {found: true}"}), overlay)
    assert fraud["vetoes"][0]["severity"] == "demote" and fraud["grade"]["id"] == "excellent"
    assert fraud["vetoes"][0]["authority"]["zh"] == "区委组织部"
    incident = report_of_pack(write_profile(tmp_path, INCIDENT), overlay)
    assert incident["vetoes"] == [] and incident["grade"]["id"] == "model"  # 2023-03-01 + 1 year: lapsed


def report_of_pack(profile: Path, pack: Path) -> dict[str, Any]:
    result = run(str(profile), "--pack", str(pack), "--format", "json")
    assert result.exit_code == 0, result.output
    return json.loads(result.output)["results"][0]
