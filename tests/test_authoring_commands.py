"""`assess pack new`, `assess profile init` and `assess explain`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from engine.api.engine import Engine
from engine.authoring.checking import check_pack
from engine.cli import app
from engine.pack.build import load_pack
from engine.source.load import load_yaml
from engine.testing.cases import CaseRunner

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "tests" / "packs" / "demo"
STRONG = ROOT / "tests" / "profiles" / "demo-strong.yaml"
runner = CliRunner()


def run(*args: str):
    return runner.invoke(app, [str(a) for a in args])


# -- pack new -------------------------------------------------------------------------------------

def test_a_new_pack_checks_clean_and_its_cases_pass(tmp_path):
    result = run("pack", "new", tmp_path / "my-pack", "--title", "我的考核")
    assert result.exit_code == 0 and "created pack my-pack" in result.stdout
    pack, diagnostics = check_pack(tmp_path / "my-pack")
    assert diagnostics == [], [d.format() for d in diagnostics]
    assert pack.id == "my-pack" and pack.meta.title.zh == "我的考核"
    results = CaseRunner(tmp_path / "my-pack", ("reference",)).run_all()
    assert len(results) == 2 and all(r.ok for r in results), [r.describe() for r in results]


def test_a_new_pack_shows_every_construct(tmp_path):
    run("pack", "new", tmp_path / "p")
    pack = load_pack(tmp_path / "p")
    kinds = {rule.kind for rule in pack.rules}
    assert kinds == {"item", "bonus", "penalty", "veto"}
    assert any(r.require for r in pack.rules) and any(r.partial for r in pack.rules)
    assert any(r.tiers for r in pack.rules) and any(r.deduct and r.kind == "item" for r in pack.rules)
    staff = next(r for r in pack.rules if r.for_each)
    assert staff.roll_up == "share" and staff.bands and staff.recommend is not None
    assert pack.derived and pack.params and any(r.applies_when for r in pack.rules)
    assert {spec.decl.type for spec in pack.inputs.values()} >= {"integer", "list"}
    text = (tmp_path / "p" / "pack.yaml").read_text(encoding="utf-8")
    assert "# ten_you_items:" in text and "default: null" in text  # the unset parameter, commented
    assert (tmp_path / "p" / "sources" / "sheet.txt").is_file() and (tmp_path / "p" / "README.md").is_file()


def test_pack_new_refuses_what_it_cannot_do(tmp_path):
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "x.txt").write_text("x", encoding="utf-8")
    busy = run("pack", "new", tmp_path / "busy")
    assert busy.exit_code == 2 and "error[file-exists]" in busy.stderr
    bad = run("pack", "new", tmp_path / "Bad Name")
    assert bad.exit_code == 2 and "error[pack-name]" in bad.stderr
    base = run("pack", "new", tmp_path / "o", "--extends", "comunity")
    assert base.exit_code == 2 and "pack-extends" in base.stderr and "Traceback" not in base.stderr


@pytest.mark.parametrize("extends", ["community", "co-building-unit", str(DEMO)])
def test_a_new_overlay_works_at_once(tmp_path, extends):
    result = run("pack", "new", tmp_path / "district", "--extends", extends)
    assert result.exit_code == 0, result.stderr
    pack = load_pack(tmp_path / "district")
    assert pack.base is not None and len(pack.layers) == 2
    results = CaseRunner(tmp_path / "district", ("reference",)).run_all()
    assert results and all(r.ok for r in results), [r.describe() for r in results]
    _, diagnostics = check_pack(tmp_path / "district")
    assert not [d for d in diagnostics if d.severity in ("error", "warning")], [d.format() for d in diagnostics]


# -- profile init ---------------------------------------------------------------------------------

def test_the_template_explains_every_input(tmp_path):
    out = tmp_path / "profile.yaml"
    assert run("profile", "init", "--pack", DEMO, "-o", out, "--no-schema").exit_code == 0
    text = out.read_text(encoding="utf-8")
    assert not text.startswith("# yaml-language-server") and not (tmp_path / "profile.schema.json").exists()
    assert "  # 党员总数（名）；整数，≥ 0\n  total:\n" in text
    assert "可选值：党员之家、职工之家" in text  # allowed values
    assert "#       community:   # 社区考评；数字，≥ 0，≤ 100" in text  # bounds of an element's field
    assert "#   - name:   # 姓名；必填；文字" in text
    pack = load_pack(DEMO)
    for path in pack.inputs:
        assert path.split(".")[-1] + ":" in text, path


def test_the_template_is_a_valid_profile_of_missing_data(tmp_path):
    out = tmp_path / "profile.yaml"
    run("profile", "init", "--pack", DEMO, "-o", out, "--lang", "en")
    assert "a whole number ≥ 0" in out.read_text(encoding="utf-8")
    report = Engine.from_dirs([DEMO], backend="reference").assess_file(out)
    outcomes = {f.outcome for f in report.results[0].findings}
    assert outcomes <= {"missing_data", "not_assessed"}
    assert load_yaml(out).data["profile"]["subject"] == "community"


def test_profile_init_does_not_overwrite(tmp_path):
    out = tmp_path / "profile.yaml"
    out.write_text("profile: {id: mine}\n", encoding="utf-8")
    result = run("profile", "init", "--pack", DEMO, "-o", out)
    assert result.exit_code == 2 and "error[file-exists]" in result.stderr
    assert out.read_text(encoding="utf-8") == "profile: {id: mine}\n"
    assert run("profile", "init", "--pack", DEMO, "-o", out, "--force").exit_code == 0


def test_profile_init_for_two_packs_to_stdout():
    result = run("profile", "init", "--pack", ROOT / "rules" / "community", "--pack", ROOT / "rules" /
                 "co-building-unit")
    assert result.exit_code == 0
    assert result.stdout.startswith("# community ") and ", co-building-unit " in result.stdout.splitlines()[0]
    assert "subject:     # 考核对象类型: co-building-unit, community" in result.stdout
    conflict = run("profile", "init", "--pack", ROOT / "rules" / "community", "--pack", DEMO)
    assert conflict.exit_code == 2 and "error[pack-input-conflict]" in conflict.stderr


# -- explain --------------------------------------------------------------------------------------

def test_explain_a_rule():
    result = run("explain", "D1.train", "--pack", DEMO)
    assert result.exit_code == 0
    out = result.stdout
    assert out.startswith("D1.train 党员年度培训率达标\n  demo 1.0.0, tests/packs/demo/rules/d1-organisation.yaml:3:5")
    assert "require: training_rate >= params.training_min" in out
    assert "即: 「党员培训率」 ≥ 「党员培训率要求」(90%)" in out
    assert "[0] training_rate >= 0.9" in out  # what the network matches
    assert "party_members.trained [integer] — 本年参加培训党员数 (名)" in out
    assert "training_rate = ratio(party_members.trained, party_members.total)" in out
    assert "params.training_min = 90% (default)" in out
    assert "「每年党员培训率达90%以上」" in out and "依赖本规则的规则: D2.joint" in out


def test_explain_with_a_profile():
    result = run("explain", "D3.staff", "--pack", DEMO, "--profile", STRONG, "--lang", "en", "--backend", "reference")
    assert result.exit_code == 0
    out = result.stdout
    assert "profile: " in out and "outcome: partly_met, 20 / 30" in out
    assert "王五: not_met" in out and "staff = 3 items" in out


def test_explain_as_json_with_values_read_through_derived_values():
    result = run("explain", "D1.train", "--pack", DEMO, "--profile", STRONG, "--format", "json",
                 "--backend", "reference")
    data = json.loads(result.stdout)
    assert data["result"]["values"] == {"party_members.total": 80, "party_members.trained": 76,
                                        "training_rate": 0.95}
    assert data["result"]["outcome"] == "met" and data["citations"][0]["source"] == "demo-src"


def test_explain_unknown_and_ambiguous_rules(tmp_path):
    unknown = run("explain", "D1.trian", "--pack", DEMO)
    assert unknown.exit_code == 2 and "did you mean 'D1.train'?" in unknown.stderr
    ambiguous = run("explain", "D1.train", "--pack", DEMO, "--pack", DEMO)
    assert ambiguous.exit_code == 2 and "error[ambiguous-rule]" in ambiguous.stderr
    qualified = run("explain", "co-building-unit:U1.1")
    assert qualified.exit_code == 0 and qualified.stdout.startswith("U1.1 ")
