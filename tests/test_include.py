"""A block owned by another authority (pack format 2, `dimensions[].include`), through the command line: the
included dimension scaled to the including dimension's weight, its pack and version in the report, its
names prefixed, its inputs read from the same profile, its vetoes kept, and the errors of an include at
their positions. The construct packs tests/packs/include (including tests/packs/party-sheet) run their cases
on both backends through the pytest plugin."""

from __future__ import annotations

import json
import shutil
import textwrap
from pathlib import Path

import pytest
from typer.testing import CliRunner

from engine.backends import durable_available
from engine.cli import app

BACKENDS = ["reference"] + (["durable"] if durable_available()[0] else [])  # durable: not on every Python
ROOT = Path(__file__).resolve().parent.parent
HOST = ROOT / "tests" / "packs" / "include"
PARTY = ROOT / "tests" / "packs" / "party-sheet"
WHOLE = ROOT / "tests" / "packs" / "include-whole"
runner = CliRunner()

PROFILE = """\
profile: {subject: community, year: 2024}
population: 3000
council: {meetings: 3}
party: {meetings: 4, members: 20, trained: 13, complaints: 2, incident: false}
"""


def run(*args: str):
    return runner.invoke(app, list(args), catch_exceptions=False)


@pytest.fixture()
def profile(tmp_path: Path) -> Path:
    path = tmp_path / "p.yaml"
    path.write_text(PROFILE, encoding="utf-8")
    return path


@pytest.fixture()
def packs(tmp_path: Path) -> Path:
    """Copies of the two construct packs, side by side, to change."""
    shutil.copytree(HOST, tmp_path / "include")
    shutil.copytree(PARTY, tmp_path / "party-sheet")
    return tmp_path


def write(path: Path, text: str) -> None:
    path.write_text(textwrap.dedent(text), encoding="utf-8")


def test_the_report_names_the_included_pack_and_scales_its_block(profile):
    result = run(str(profile), "--pack", str(HOST))
    assert result.exit_code == 0, result.output
    out = result.output
    assert ("维度P引自party 2.1.0《党建工作考核细则（测试）》（区委组织部2024年版（测试））的D1（60分），按30分折算；"
            "其否决项同样适用") in out
    assert "P 党建工作（区委组织部细则）    30  20.5   68.3%     2" in out  # 30 × 45/60 − 4 × 30/60
    assert "依据：党建工作考核细则「党员培训率达90%以上」" in out  # the included pack's citation
    english = run(str(profile), "--pack", str(HOST), "--lang", "en").output
    assert "Dimension P is D1 (60 points) of party 2.1.0 “Party-building sheet (test)”" in english


def test_the_json_report_lists_the_included_block(profile):
    report = json.loads(run(str(profile), "--pack", str(HOST), "--format", "json").output)["results"][0]
    assert report["pack"]["includes"] == [{
        "pack": "party", "version": "2.1.0",
        "title": {"zh": "党建工作考核细则（测试）", "en": "Party-building sheet (test)"},
        "edition": {"zh": "区委组织部2024年版（测试）", "en": "District organisation department, 2024 (test)"},
        "dimension": "D1", "dimension_weight": 60.0, "into": "P", "weight": 30.0}]
    dimension = next(d for d in report["dimensions"] if d["id"] == "P")
    assert dimension["score"] == 20.5 and dimension["penalties"] == 2
    assert report["total"] == 90.5
    assert {f["rule"] for f in report["findings"]} >= {"party.R1", "party.R2", "party.P1", "party.V1"}
    assert not {"party.E1", "party.B1"} & {f["rule"] for f in report["findings"]}  # another dimension, its pool


def test_a_pack_without_includes_reports_no_includes(profile):
    profile.write_text(PROFILE.replace("council: {meetings: 3}\n", ""), encoding="utf-8")
    report = json.loads(run(str(profile), "--pack", str(PARTY), "--format", "json").output)["results"][0]
    assert "includes" not in report["pack"]


@pytest.mark.parametrize("backend", BACKENDS)
def test_the_included_parameter_is_set_under_its_prefixed_name(profile, backend):
    result = run(str(profile), "--pack", str(HOST), "--set", "party_meetings_min=5", "--backend", backend,
                 "--format", "json")
    report = json.loads(result.output)["results"][0]
    findings = {f["rule"]: f["outcome"] for f in report["findings"]}
    assert findings["party.R1"] == "not_met" and findings["C1"] == "met"  # the host's meetings_min is its own
    assert {p["name"] for p in report["parameters"]} == {"meetings_min", "party_meetings_min"}


def test_the_profile_template_asks_only_for_what_included_rules_read():
    result = run("profile", "init", "--pack", str(HOST))
    assert result.exit_code == 0, result.output
    assert "complaints:" in result.output and "incident:" in result.output


def test_include_needs_format_2(packs):
    pack_yaml = packs / "include" / "pack.yaml"
    pack_yaml.write_text(pack_yaml.read_text(encoding="utf-8").replace("  format: 2\n", ""), encoding="utf-8")
    result = run("pack", "check", str(packs / "include"))
    assert result.exit_code == 2
    assert "pack.yaml:18:5: error[pack-format-key]: 'include' needs format: 2" in result.output


def test_an_error_in_the_included_pack_is_shown_in_its_own_file(packs):
    rules = packs / "party-sheet" / "rules.yaml"
    rules.write_text(rules.read_text(encoding="utf-8").replace("party.meetings >=", "party.meeting >="),
                     encoding="utf-8")
    result = run("pack", "check", str(packs / "include"))
    assert result.exit_code == 2
    assert "party-sheet/rules.yaml:6:14: error[expr-unknown-name]" in result.output


def test_packs_that_include_each_other_are_a_cycle(packs):
    write(packs / "party-sheet" / "pack.yaml", (PARTY / "pack.yaml").read_text(encoding="utf-8").replace(
        "  edition:", "  format: 2\n  edition:").replace(
        "  - {id: D2, title: {zh: 党员教育, en: Members' education}, weight: 40}",
        "  - {id: D2, title: 社区, weight: 40, include: {pack: ../include, dimension: C}}"))
    result = run("pack", "check", str(packs / "include"))
    assert result.exit_code == 2
    assert "error[include-cycle]: packs include each other: " in result.output
    assert "include → " in result.output and "party-sheet → " in result.output


def test_a_derived_value_declared_otherwise_is_a_conflict(packs):
    write(packs / "include" / "derived.yaml", """\
        derived:
          training_rate: {expr: "ratio(party.trained, population)", title: 培训率}
        """)
    result = run("pack", "check", str(packs / "include"))
    assert result.exit_code == 2
    assert ("pack.yaml:19:21: error[include-conflict]: derived value 'training_rate' is declared differently here "
            in result.output)
    assert "'ratio(party.trained, population)' here, 'ratio(party.trained, party.members)' there" in result.output


def test_a_host_parameter_with_the_prefixed_name_is_a_conflict(packs):
    write(packs / "include" / "params.yaml", """\
        parameters:
          party_meetings_min: {type: integer, default: 1, title: 另一个参数}
        """)
    result = run("pack", "check", str(packs / "include"))
    assert result.exit_code == 2
    assert "error[include-conflict]: parameter 'party_meetings_min' is declared differently here" in result.output


def test_the_score_sheet_and_explain_show_the_included_rules(profile):
    sheet = run("pack", "doc", str(HOST))
    assert sheet.exit_code == 0, sheet.output
    assert "按期召开组织生活会" in sheet.output
    explained = run("explain", "party.R1", "--pack", str(HOST), "--profile", str(profile))
    assert explained.exit_code == 0, explained.output
    assert "party.meetings >= params.party_meetings_min" in explained.output


def test_a_whole_pack_is_scored_dimension_by_dimension(profile):
    profile.write_text(PROFILE.replace("council: {meetings: 3}\n", ""), encoding="utf-8")
    report = json.loads(run(str(profile), "--pack", str(WHOLE), "--format", "json").output)["results"][0]
    scored = {d["id"]: (d["weight"], d["score"]) for d in report["dimensions"]}
    assert scored == {"C": (50, 50), "P.D1": (30, 20.5), "P.D2": (20, 20)}  # 50 × 60/100 and 50 × 40/100
    assert [(i["into"], i["dimension"], i["weight"]) for i in report["pack"]["includes"]] == [
        ("P.D1", "D1", 30), ("P.D2", "D2", 20)]
    assert [f["rule"] for f in report["findings"]].count("party.V1") == 1  # its vetoes come once
    text = run(str(profile), "--pack", str(WHOLE)).output
    assert "P.D1 党建工作·党组织建设    30  20.5" in text


def test_a_whole_pack_whose_shares_are_not_exact_is_an_error(packs):
    pack_yaml = packs / "include" / "pack.yaml"
    pack_yaml.write_text(pack_yaml.read_text(encoding="utf-8").replace(
        "include: {pack: ../party-sheet, dimension: D1}", "include: {pack: ../party-sheet}").replace(
        "weight: 30\n", "weight: 0.0000001\n"), encoding="utf-8")
    result = run("pack", "check", str(packs / "include"))
    assert result.exit_code == 2
    assert "pack.yaml:18:5: error[include-scale]: 0.0000001 × 60 / 100" in result.output


def test_an_overlay_of_a_pack_with_an_include_reads_it_from_its_base(tmp_path, profile):
    overlay = tmp_path / "district"
    overlay.mkdir()
    write(overlay / "pack.yaml", f"""\
        pack:
          id: district
          version: "2024.1"
          title: 区考核细则
          subject: community
          edition: "2024"
          format: 2
          extends: {HOST}
        overrides:
          dimensions: {{P: {{weight: 60}}, C: {{weight: 40}}}}
        """)
    report = json.loads(run(str(profile), "--pack", str(overlay), "--format", "json").output)["results"][0]
    dimension = next(d for d in report["dimensions"] if d["id"] == "P")
    assert dimension["score"] == 41 and dimension["penalties"] == 4  # 60 × 45/60 − 4 × 60/60


def test_a_batch_in_worker_processes_scales_the_block_as_one_profile_does(tmp_path):
    folder = tmp_path / "profiles"
    folder.mkdir()
    (folder / "a.yaml").write_text(PROFILE, encoding="utf-8")
    (folder / "b.yaml").write_text(PROFILE.replace("complaints: 2", "complaints: 0"), encoding="utf-8")
    result = run(str(folder), "--pack", str(HOST), "--jobs", "2")
    assert result.exit_code == 0, result.output
    rows = [line.split()[2:6] for line in result.output.splitlines() if "优秀" in line]
    assert rows == [["92.5", "优秀", "70", "22.5"], ["90.5", "优秀", "70", "20.5"]]
