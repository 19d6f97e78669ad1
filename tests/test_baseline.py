"""Comparison with a baseline (同比): deltas, findings new and cleared, grade change, --fail-on-regression."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from engine.api.engine import Engine
from engine.cli import app
from engine.report import render
from engine.review.baseline import Baseline, compare, record_of_report
from engine.source.load import load_yaml

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "tests" / "packs" / "demo"
STRONG = ROOT / "tests" / "profiles" / "demo-strong.yaml"
runner = CliRunner()


@pytest.fixture(scope="module")
def engine():
    return Engine.from_dirs([DEMO], backend="reference")


def variant(tmp_path: Path, name: str, **changes) -> Path:
    data = copy.deepcopy(load_yaml(STRONG).data)
    for path, value in changes.items():
        node = data
        *parents, last = path.split("__")
        for part in parents:
            node = node[part]
        node[last] = value
    out = tmp_path / name
    out.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return out


def saved(tmp_path: Path, engine, profile: Path, name: str) -> Path:
    out = tmp_path / name
    out.write_text(render(engine.assess_file(profile), "json", "zh"), encoding="utf-8")
    return out


def test_comparison_gives_deltas_new_and_cleared_findings_and_the_grade_change(tmp_path, engine):
    # last year: no petition, but only 100 of 120 ledgers closed; this year: demo-strong
    last_year = variant(tmp_path, "2023.yaml", incidents__petition=0, ledgers__closed=100)
    before = engine.assess_file(last_year)
    now = engine.assess_file(STRONG)
    comparison = compare(now, record_of_report(json.loads(render(before, "json", "zh")), "2023.json"))
    [pack] = comparison.packs
    assert pack.total_before == before.results[0].total and pack.total_after == now.results[0].total
    assert pack.delta == pytest.approx(now.results[0].total - before.results[0].total)
    assert pack.cleared_findings == ["D2.ledgers"]  # not met last year (100 of 120 closed), met now
    assert pack.new_findings == ["P.petition"]  # a deduction this year
    changed = {r.rule: r for r in pack.rules}
    assert set(changed) == {"D2.ledgers", "P.petition"}
    assert (changed["P.petition"].points_before, changed["P.petition"].points_after, changed["P.petition"].delta) \
        == (0, -2, -2)
    d2 = next(d for d in pack.dimensions if d.id == "D2")
    assert d2.delta == pytest.approx(d2.after - d2.before) and d2.delta != 0
    assert pack.regression is (now.results[0].total < before.results[0].total)


def test_a_lower_grade_or_a_new_veto_is_a_regression(tmp_path, engine):
    good = engine.assess_file(STRONG)
    vetoed = engine.assess_file(variant(tmp_path, "v.yaml", incidents__cult=1))
    comparison = compare(vetoed, record_of_report(json.loads(render(good, "json", "zh")), "good.json"))
    [pack] = comparison.packs
    assert pack.new_vetoes == ["V.cult"] and pack.regression and comparison.regression
    assert pack.grade_change == "down" and pack.grade_before == "pass" and pack.grade_after == "fail"
    back = compare(good, record_of_report(json.loads(render(vetoed, "json", "zh")), "v.json"))
    assert back.packs[0].cleared_vetoes == ["V.cult"] and back.packs[0].grade_change == "up"
    assert not back.regression


def test_cli_baseline_in_text_and_json_and_fail_on_regression(tmp_path, engine):
    better = saved(tmp_path, engine, variant(tmp_path, "better.yaml", incidents__petition=0), "better.json")
    args = [str(STRONG), "--pack", str(DEMO), "--backend", "reference", "--baseline", str(better)]
    text = runner.invoke(app, args)
    assert text.exit_code == 0  # a regression fails only when asked
    assert "同比（与基线比较）" in text.stdout and "合格 → 合格 (不变)" in text.stdout
    assert "新增问题：P.petition" in text.stdout
    as_json = json.loads(runner.invoke(app, args + ["--format", "json"]).stdout)
    assert as_json["baseline"]["regression"] is True and as_json["baseline"]["file"] == str(better)
    assert runner.invoke(app, args + ["--fail-on-regression"]).exit_code == 1
    worse = saved(tmp_path, engine, variant(tmp_path, "worse.yaml", incidents__petition=2), "worse.json")
    assert runner.invoke(app, [str(STRONG), "--pack", str(DEMO), "--backend", "reference", "--baseline", str(worse),
                               "--fail-on-regression"]).exit_code == 0
    result = runner.invoke(app, [str(STRONG), "--pack", str(DEMO), "--fail-on-regression"])
    assert result.exit_code == 2 and "needs a --baseline" in result.stderr


def test_a_summary_or_a_directory_is_a_baseline_matched_by_profile_id(tmp_path, engine):
    reports = tmp_path / "2023"
    reports.mkdir()
    saved(reports, engine, variant(tmp_path, "a.yaml", incidents__petition=0), "a.json")
    (reports / "scan.sarif.json").write_text('{"version": "2.1.0"}', encoding="utf-8")  # not a report: skipped
    baseline = Baseline.load(reports)
    assert [w.code for w in baseline.warnings] == ["not-a-baseline"]
    now = engine.assess_file(STRONG)
    record = baseline.find(now)
    assert record is not None and record.profile_id == "demo-strong"
    other = engine.assess_file(variant(tmp_path, "other.yaml", profile={"id": "someone-else", "year": 2024}))
    assert baseline.find(other) is None


def test_a_bad_baseline_is_located(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"results": [\n  1,\n}', encoding="utf-8")
    result = runner.invoke(app, [str(STRONG), "--pack", str(DEMO), "--baseline", str(bad)])
    assert result.exit_code == 2 and f"{bad}:3:1: error[json]" in result.stderr
    other = tmp_path / "other.json"
    other.write_text('{"hello": 1}', encoding="utf-8")
    result = runner.invoke(app, [str(STRONG), "--pack", str(DEMO), "--baseline", str(other)])
    assert result.exit_code == 2 and "error[not-a-baseline]" in result.stderr and "Traceback" not in result.stderr


def test_a_pack_version_change_is_noted(tmp_path, engine):
    data = json.loads(render(engine.assess_file(STRONG), "json", "zh"))
    data["results"][0]["pack"]["version"] = "0.9.0"
    comparison = compare(engine.assess_file(STRONG), record_of_report(data, "old.json"))
    assert any("0.9.0 → 1.0.0" in note.en for note in comparison.notes)
    assert comparison.packs[0].delta == 0 and comparison.packs[0].rules == [] and not comparison.regression


def test_compare_two_saved_reports_without_reassessing(tmp_path, engine):
    before = saved(tmp_path, engine, variant(tmp_path, "2023.yaml", incidents__petition=0), "2023.json")
    now = saved(tmp_path, engine, STRONG, "2024.json")
    result = runner.invoke(app, ["compare", str(before), str(now), "--lang", "en"])
    assert result.exit_code == 0
    assert "Compared with the baseline: demo-strong" in result.stdout and "New findings: P.petition" in result.stdout
    assert runner.invoke(app, ["compare", str(before), str(now), "--fail-on-regression"]).exit_code == 1
    assert runner.invoke(app, ["compare", str(now), str(before), "--fail-on-regression"]).exit_code == 0
    as_json = json.loads(runner.invoke(app, ["compare", str(before), str(now), "--format", "json"]).stdout)
    assert as_json["baseline"]["packs"][0]["delta"] == -2


@pytest.mark.parametrize("fmt", ["junit", "sarif", "markdown", "text", "html"])
def test_a_baseline_without_the_pack_says_so_in_every_format(tmp_path, engine, fmt):
    other = json.loads(render(engine.assess_file(STRONG), "json", "en"))
    other["results"][0]["pack"]["id"] = "another-pack"
    report = engine.assess_file(STRONG)
    report.baseline = compare(report, record_of_report(other, "other.json"))
    assert report.baseline.packs == []
    out = render(report, fmt, "en")
    assert "The baseline has no result of pack demo." in out
