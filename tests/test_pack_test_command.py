"""`assess pack test`: runs a pack's cases; a failure shows expected and actual outcome, points and values read."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from engine.backends import durable_available
from engine.cli import app

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "tests" / "packs" / "demo"
runner = CliRunner()


def run(*args: str):
    return runner.invoke(app, list(args))


@pytest.fixture
def demo(tmp_path) -> Path:
    """The demo pack with one wrong expectation and one wrong total."""
    pack = tmp_path / "demo"
    shutil.copytree(DEMO, pack)
    cases = pack / "tests" / "cases.yaml"
    text = cases.read_text(encoding="utf-8")
    text = text.replace("D1.train: {outcome: met, points: 10}", "D1.train: {outcome: met, points: 9}", 1)
    text = text.replace("profile_file: ../../../profiles/demo-strong.yaml",
                        f"profile_file: {ROOT / 'tests' / 'profiles' / 'demo-strong.yaml'}")
    text = text.replace("      D2.mediation: {outcome: not_met, points: 0}\n    total: 92",
                        "      D2.mediation: {outcome: not_met, points: 0}\n    total: 91")
    cases.write_text(text, encoding="utf-8")
    return pack


def test_a_passing_pack():
    result = run("pack", "test", str(DEMO), "--backend", "reference")
    assert result.exit_code == 0, result.stdout
    assert result.stdout.strip().endswith("20 case(s) on reference: 20 passed, 0 failed")


@pytest.mark.skipif(not durable_available()[0], reason="durable-rules is not installed here")
def test_both_backends_by_default():
    result = run("pack", "test", str(DEMO))
    assert result.exit_code == 0 and "20 case(s) on durable, reference: 40 passed, 0 failed" in result.stdout


def test_a_failure_shows_expected_actual_and_values(demo):
    result = run("pack", "test", str(demo), "--backend", "reference")
    assert result.exit_code == 1
    out = result.stdout
    assert "cases.yaml:3: case 'full marks' [reference] FAILED" in out
    assert "✗ D1.train 党员年度培训率达标" in out
    assert "expected  met, 9 points" in out and "actual    met, 10 points" in out
    assert "read      party_members.total = 50" in out and "training_rate = 1" in out
    assert "case 'mediation below 98%' [reference] FAILED" in out and "✗ total: expected 91, got 92" in out
    assert "D2.mediation  not_met  0 / 10" in out  # where a wrong total comes from
    assert "20 case(s) on reference: 18 passed, 2 failed" in out


def test_choosing_cases_and_json(demo):
    result = run("pack", "test", str(demo), "--backend", "reference", "--case", "mediation", "--format", "json")
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert data["failed"] == 1 and data["passed"] == 0
    assert data["results"][0]["mismatches"] == [{"subject": "total", "field": "total", "expected": 91.0,
                                                 "actual": 92.0}]
    none = run("pack", "test", str(demo), "--backend", "reference", "--case", "no such case")
    assert none.exit_code == 2 and "error[no-cases]" in none.stderr


def test_a_pack_without_cases_and_a_broken_pack(tmp_path):
    pack = tmp_path / "p"
    pack.mkdir()
    shutil.copy(DEMO / "pack.yaml", pack / "pack.yaml")
    result = run("pack", "test", str(pack))
    assert result.exit_code == 2 and "error[no-cases]" in result.stderr
    (pack / "r.yaml").write_text("rules:\n  - {id: x, title: x, dimension: D1, points: 1, require: nope}\n",
                                 encoding="utf-8")
    broken = run("pack", "test", str(pack))
    assert broken.exit_code == 2 and "r.yaml:2:" in broken.stderr and "Traceback" not in broken.stderr


def test_a_case_with_an_invalid_profile_fails_with_its_position(tmp_path):
    pack = tmp_path / "demo"
    shutil.copytree(DEMO, pack)
    (pack / "tests" / "cases.yaml").write_text(
        "cases:\n  - name: bad\n    profile: {party_members: {total: 四十}}\n    expect: {D1.train: met}\n",
        encoding="utf-8")
    result = run("pack", "test", str(pack), "--backend", "reference")
    assert result.exit_code == 1
    assert "cases.yaml:3:" in result.stdout and "error[type]" in result.stdout


@pytest.mark.skipif(durable_available()[0], reason="durable-rules is installed here")
def test_durable_when_it_is_not_installed():
    result = run("pack", "test", str(DEMO), "--backend", "durable")
    assert result.exit_code == 2 and "backend-unavailable" in result.stderr
    both = run("pack", "test", str(DEMO))
    assert both.exit_code == 0 and "ran the reference backend only" in both.stdout


def test_a_case_asserts_whether_the_grade_is_withheld(tmp_path):
    """`withheld: true` holds while a veto is undecided or a history year is missing; a wrong one fails."""
    pack = tmp_path / "vetoes"
    shutil.copytree(ROOT / "tests" / "packs" / "vetoes", pack)
    assert run("pack", "test", str(pack), "--backend", "reference").exit_code == 0
    cases = pack / "tests" / "cases.yaml"
    text = cases.read_text(encoding="utf-8")
    assert text.count("withheld: true") >= 3 and "withheld: false" in text
    cases.write_text(text.replace("withheld: true", "withheld: false").replace(
        "grade: good\n    withheld: false", "grade: good\n    withheld: true"), encoding="utf-8")
    result = run("pack", "test", str(pack), "--backend", "reference")
    assert result.exit_code == 1, result.stdout
    out = result.stdout
    assert "case 'an incident without its date leaves the veto undecided (the grade is withheld)' [reference] " \
           "FAILED" in out
    assert "✗ grade: expected given, got withheld (暂不评定)" in out
    assert "case 'no history and a total that reaches the model grade - the grade waits for the history' " \
           "[reference] FAILED" in out
    assert "✗ grade: expected withheld (暂不评定), got given" in out
    assert "20 case(s) on reference: 16 passed, 4 failed" in out
