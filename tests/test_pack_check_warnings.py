"""`assess pack check`: the warnings an author needs, each with its code and position, in text and JSON."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from engine.authoring.checking import check_pack
from engine.cli import app
from engine.pack.quotes import SOURCE_PATH_ENV

ROOT = Path(__file__).resolve().parent.parent
runner = CliRunner()

MANIFEST = """\
pack:
  id: p
  version: "1"
  title: 测试
  subject: community
  edition: "1"
  sources:
    - {id: sheet, title: 细则, file: sheet.txt}
parameters:
  need: {type: number, default: 60, title: 合格线}
  items: {type: list, items: {type: string}, default: null, title: 十项内容}
  spare: {type: number, default: 1, title: 没用的参数}
dimensions:
  - {id: D1, title: 一, weight: 60}
  - {id: D2, title: 二, weight: 30}
scoring:
  bonus_cap: 2
  grades:
    - {id: top, title: 特优, at_least: 105}
    - {id: pass, title: 合格, at_least: 60, below: 105}
    - {id: fail, title: 不合格, below: 60}
"""
RULES = """\
inputs:
  score: {type: number, title: 得分}
  have: {type: list, items: {type: string}, title: 已具备}
  unused: {type: integer, title: 无人读取}
derived:
  spare_rate: {expr: score / 100, title: 没用的派生值}
rules:
  - id: R1
    title: 得分达标
    dimension: D1
    points: 50
    require: score >= params.need
    cite: {source: sheet, quote: 得分达到合格线}
  - id: R2
    title: 十项齐全
    dimension: D2
    points: 30
    partial: completeness(have, params.items)
    cite: {source: sheet, quote: 这句话不在细则里}
  - id: B1
    kind: bonus
    title: 加分
    require: score >= 90
    points: 5
"""
CASES = """\
cases:
  - name: one
    profile: {score: 70}
    params: {nede: 1}
    expect:
      R1: met
      R9: met
    grade: tpo
"""


@pytest.fixture
def pack(tmp_path, monkeypatch):
    monkeypatch.delenv(SOURCE_PATH_ENV, raising=False)
    root = tmp_path / "p"
    (root / "tests").mkdir(parents=True)
    (root / "pack.yaml").write_text(MANIFEST, encoding="utf-8")
    (root / "rules.yaml").write_text(RULES, encoding="utf-8")
    (root / "tests" / "cases.yaml").write_text(CASES, encoding="utf-8")
    (root / "sheet.txt").write_text("一、得分达到合格线的得满分。\n", encoding="utf-8")
    return root


def by_code(root: Path) -> dict[str, list]:
    _, diagnostics = check_pack(root)
    found: dict[str, list] = {}
    for diagnostic in diagnostics:
        found.setdefault(diagnostic.code, []).append(diagnostic)
    return found


def text_at(diagnostic) -> str:
    lines = Path(diagnostic.file).read_text(encoding="utf-8").splitlines()
    return lines[diagnostic.line - 1][diagnostic.col - 1:]


def test_weights_that_do_not_add_up(pack):
    found = by_code(pack)["weights-total"][0]
    assert found.severity == "warning" and "add up to 90, not 100" in found.message
    assert text_at(found).startswith("60")  # the first dimension's weight


def test_a_declared_total(pack):
    (pack / "pack.yaml").write_text(MANIFEST.replace("  bonus_cap: 2\n", "  bonus_cap: 2\n  total: 90\n"),
                                    encoding="utf-8")
    assert "weights-total" not in by_code(pack)


def test_points_that_differ_from_the_weight(pack):
    found = {d.message.split()[3]: d for d in by_code(pack)["points-weight"]}
    assert "carry 50 points but the dimension weighs 60" in found["D1"].message
    assert "D2" not in found


def test_grades_no_profile_can_reach(pack):
    found = by_code(pack)["grade-unreachable"]
    assert len(found) == 1 and "grade 'top'" in found[0].message and "most a profile can reach is 92" in \
        found[0].message
    assert text_at(found[0]).startswith("105")
    (pack / "pack.yaml").write_text(MANIFEST.replace("below: 60}", "below: 0}").replace("at_least: 60, below",
                                    "at_least: 0, below"), encoding="utf-8")
    low = [d for d in by_code(pack)["grade-unreachable"] if "'fail'" in d.message]
    assert low and "never below 0" in low[0].message


def test_rules_without_a_case(pack):
    found = by_code(pack)["rule-untested"]
    assert sorted(d.message.split()[1] for d in found) == ["B1", "R2"]
    assert all(text_at(d).startswith(d.message.split()[1]) for d in found)


def test_names_no_rule_reads(pack):
    found = by_code(pack)
    assert [d.message for d in found["input-unread"]] == ["input 'unused' is read by no rule"]
    assert text_at(found["input-unread"][0]).startswith("unused:")
    assert [d.message for d in found["derived-unread"]] == ["derived value 'spare_rate' is read by no rule"]
    assert [d.message for d in found["param-unread"]] == ["parameter 'spare' is read by no rule"]


def test_parameters_left_null_name_the_rules_they_disable(pack):
    found = by_code(pack)["param-unset"]
    assert len(found) == 1
    assert "parameter 'items' is not set (null): 1 rule(s) are not assessed until it is: R2" in found[0].message
    assert text_at(found[0]).startswith("null") and "--set items=" in found[0].hint


def test_quotes_are_checked_against_the_source_file(pack):
    found = by_code(pack)
    assert len(found["quote-not-found"]) == 1
    assert text_at(found["quote-not-found"][0]).startswith("这句话不在细则里")
    assert "quote-unchecked" not in found


def test_an_unavailable_source_is_a_note(pack, tmp_path, monkeypatch):
    (pack / "sheet.txt").rename(tmp_path / "elsewhere.txt")
    found = by_code(pack)
    assert "quote-not-found" not in found
    note = found["quote-unchecked"][0]
    assert note.severity == "info" and "sheet.txt is not found" in note.message
    (tmp_path / "docs").mkdir()
    (tmp_path / "elsewhere.txt").rename(tmp_path / "docs" / "sheet.txt")
    monkeypatch.setenv(SOURCE_PATH_ENV, str(tmp_path / "docs"))
    assert len(by_code(pack)["quote-not-found"]) == 1  # found on ASSESS_SOURCE_PATH


def test_cases_that_name_what_the_pack_lacks_are_errors(pack):
    found = by_code(pack)
    rule = found["case-unknown-rule"][0]
    assert rule.severity == "error" and "expects rule 'R9'" in rule.message and text_at(rule).startswith("R9")
    assert found["case-unknown-grade"][0].hint == "did you mean 'top'?"
    assert found["case-unknown-parameter"][0].hint == "did you mean 'need'?"


def test_a_case_file_that_does_not_load(pack):
    (pack / "tests" / "cases.yaml").write_text("cases:\n  - name: x\n    profile: {}\n    expect: {R1: mett}\n",
                                               encoding="utf-8")
    found = by_code(pack)
    problems = [d for d in sum(found.values(), []) if d.file.endswith("cases.yaml")]
    assert problems and all(d.severity == "error" for d in problems)


def test_a_rule_reading_an_undeclared_input_is_an_error(pack):
    (pack / "rules.yaml").write_text(RULES.replace("require: score >= params.need", "require: scor >= params.need"),
                                     encoding="utf-8")
    found = by_code(pack)["expr-unknown-name"][0]
    assert found.severity == "error" and found.hint == "did you mean 'score'?" and text_at(found).startswith("scor")


def test_the_cli_reports_counts_and_json(pack):
    result = runner.invoke(app, ["pack", "check", str(pack)])
    assert result.exit_code == 2  # the case errors
    assert "warning[param-unset]" in result.stdout and "error[case-unknown-rule]" in result.stdout
    data = json.loads(runner.invoke(app, ["pack", "check", str(pack), "--format", "json"]).stdout)
    codes = {d["code"] for d in data["diagnostics"]}
    assert {"weights-total", "points-weight", "grade-unreachable", "rule-untested", "input-unread", "param-unset",
            "quote-not-found", "case-unknown-rule"} <= codes
    assert data["errors"] == 3 and data["warnings"] == sum(1 for d in data["diagnostics"] if d["severity"] == "warning")
    assert data["packs"][0]["id"] == "p" and data["packs"][0]["changes"] == []


@pytest.mark.parametrize("pack_dir", sorted(p for p in (ROOT / "rules").iterdir() if (p / "pack.yaml").is_file()),
                         ids=lambda p: p.name)
def test_shipped_packs_check_without_errors(pack_dir):
    _, diagnostics = check_pack(pack_dir)
    assert not [d for d in diagnostics if d.severity == "error"], [d.format() for d in diagnostics]
    assert not [d for d in diagnostics if d.code in ("rule-untested", "weights-total", "points-weight",
                                                       "grade-unreachable", "quote-not-found")]


# -- sources stay inside the pack and ASSESS_SOURCE_PATH -----------------------------------------------------

def secret_document(tmp_path: Path) -> Path:
    """A file outside the pack holding both quoted sentences: a check that read it would find every quote."""
    secret = tmp_path / "secret" / "private.txt"
    secret.parent.mkdir()
    secret.write_text("得分达到合格线。这句话不在细则里。\n", encoding="utf-8")
    return secret


def point_source_at(pack: Path, file: str) -> None:
    manifest = pack / "pack.yaml"
    manifest.write_text(manifest.read_text(encoding="utf-8").replace("file: sheet.txt", f"file: '{file}'"),
                        encoding="utf-8")


@pytest.mark.parametrize("how", ["absolute", "dot-dot", "symlink"])
def test_a_source_outside_the_pack_is_an_error_and_never_read(pack, tmp_path, how):
    secret = secret_document(tmp_path)
    if how == "absolute":
        file = str(secret)
    elif how == "dot-dot":
        file = "../secret/private.txt"
    else:
        (pack / "sources").mkdir()
        (pack / "sources" / "link.txt").symlink_to(secret)
        file = "sources/link.txt"
    point_source_at(pack, file)
    result = runner.invoke(app, ["pack", "check", str(pack)])
    assert result.exit_code == 2, result.stdout
    manifest = pack / "pack.yaml"
    line = next(i for i, t in enumerate(manifest.read_text(encoding="utf-8").splitlines(), 1) if "file:" in t)
    col = manifest.read_text(encoding="utf-8").splitlines()[line - 1].index("'") + 1
    assert f"{manifest}:{line}:{col}: error[source-outside]: source 'sheet': {file} " in result.stdout
    assert "ASSESS_SOURCE_PATH" in result.stdout
    # nothing is told about the file's text: neither that a quote is there nor that one is not
    assert "quote-not-found" not in result.stdout and "quote-unchecked" not in result.stdout


def test_a_source_on_assess_source_path_is_read(pack, tmp_path, monkeypatch):
    secret = secret_document(tmp_path)
    point_source_at(pack, "private.txt")
    monkeypatch.setenv(SOURCE_PATH_ENV, str(secret.parent))
    found = by_code(pack)
    assert "source-outside" not in found and "quote-not-found" not in found  # both quotes are in it
