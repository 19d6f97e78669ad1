"""Waivers and reviewer adjustments: how they are scored, bounded, audited, and their file errors."""

from __future__ import annotations

import copy
import datetime as dt
import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from engine.api.engine import Engine
from engine.cli import app
from engine.errors import InputError
from engine.review.adjustments import AdjustmentSet
from engine.review.apply import Review
from engine.review.waivers import WaiverSet
from engine.source.load import load_yaml

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "tests" / "packs" / "demo"
STRONG = ROOT / "tests" / "profiles" / "demo-strong.yaml"
BASE = load_yaml(STRONG).data
TODAY = dt.date(2025, 3, 1)


@pytest.fixture(scope="module")
def engine():
    return Engine.from_dirs([DEMO], backend="reference")


def profile(engine, **changes):
    data = copy.deepcopy(BASE)
    for path, value in changes.items():
        node = data
        *parents, last = path.split("__")
        for part in parents:
            node = node[part]
        node[last] = value
    return engine.schema.validate_data(data, "demo-strong.yaml")


def write(tmp_path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def waiver(rule: str, who: str = "demo-strong", expires: str = "2099-12-31") -> str:
    return (f"  - rule: {rule}\n    profile: {who}\n    justification: 经区委组织部批准\n"
            f"    approver: 区委组织部\n    expires: {expires}\n")


def review_of(tmp_path, engine, waivers: str = "", adjustments: str = "") -> Review:
    review = Review(
        waivers=WaiverSet.load([write(tmp_path, "w.yaml", "waivers:\n" + waivers)]) if waivers else None,
        adjustments=AdjustmentSet.load([write(tmp_path, "a.yaml", "adjustments:\n" + adjustments)])
        if adjustments else None, as_of=TODAY)
    review.check(engine.packs)
    return review


def findings(result) -> dict:
    return {f.rule: f for f in result.findings}


def dimension(result, dim_id: str):
    return next(d for d in result.dimensions if d.id == dim_id)


# -- waivers --------------------------------------------------------------------------------

def test_a_waived_item_shows_its_justification_and_is_not_recommended(tmp_path, engine):
    plain = engine.assess(profile(engine)).results[0]
    result = engine.assess(profile(engine), review=review_of(tmp_path, engine, waiver("D1.meetings"))).results[0]
    finding = findings(result)["D1.meetings"]
    assert findings(plain)["D1.meetings"].outcome == "not_met"
    assert finding.outcome == "waived" and finding.earned is None
    [out] = result.waivers
    assert (out.rule, out.outcome, out.justification, out.approver, out.expires) == \
        ("D1.meetings", "not_met", "经区委组织部批准", "区委组织部", "2099-12-31")
    assert out.source == f"{tmp_path / 'w.yaml'}:2:5"
    assert "D1.meetings" not in {r.rule for r in result.recommendations}
    assert "D1.meetings" in {r.rule for r in plain.recommendations}


@pytest.mark.parametrize("policy", ["exclude", "zero", "full"])
def test_a_waived_item_is_scored_as_the_pack_scores_not_applicable(tmp_path, policy):
    pack = tmp_path / "demo"
    shutil.copytree(DEMO, pack)
    manifest = pack / "pack.yaml"
    manifest.write_text(manifest.read_text(encoding="utf-8").replace("not_applicable: exclude",
                                                                     f"not_applicable: {policy}"), encoding="utf-8")
    engine = Engine.from_dirs([pack], backend="reference")
    plain = dimension(engine.assess(profile(engine)).results[0], "D1")
    waived = dimension(engine.assess(profile(engine), review=review_of(tmp_path, engine, waiver("D1.homes")))
                       .results[0], "D1")
    homes = 10  # points of D1.homes; partly met (6 of 7 homes) without the waiver
    expected = {"exclude": (plain.available - homes, plain.earned - 8.57143),
                "zero": (plain.available, plain.earned - 8.57143),
                "full": (plain.available, plain.earned - 8.57143 + homes)}[policy]
    assert (waived.available, round(waived.earned, 5)) == (expected[0], round(expected[1], 5))
    # and exactly as a rule that does not apply: D1.cards applies only with floating members
    na_plain = dimension(engine.assess(profile(engine, party_members__floating=0)).results[0], "D1")
    cards_waived = dimension(engine.assess(profile(engine), review=review_of(tmp_path, engine, waiver("D1.cards")))
                             .results[0], "D1")
    assert (cards_waived.available, cards_waived.earned) == (na_plain.available, na_plain.earned)


def test_a_waived_veto_and_deduction_do_not_apply(tmp_path, engine):
    vetoed = profile(engine, incidents__cult=1)
    assert engine.assess(vetoed).results[0].vetoes
    review = review_of(tmp_path, engine, waiver("V.cult") + waiver("P.petition"))
    result = engine.assess(vetoed, review=review).results[0]
    plain = engine.assess(profile(engine)).results[0]
    assert result.vetoes == [] and result.grade.id == plain.grade.id
    assert findings(result)["P.petition"].outcome == "waived" and findings(result)["P.petition"].deducted == 0
    assert result.total == plain.total + 2  # the 2-point deduction is gone


def test_an_expired_waiver_is_ignored_with_a_warning(tmp_path, engine):
    review = review_of(tmp_path, engine, waiver("D1.meetings", expires="2025-02-28") + waiver("D1.homes"))
    report = engine.assess(profile(engine), review=review)
    result = report.results[0]
    assert findings(result)["D1.meetings"].outcome == "not_met"
    assert findings(result)["D1.homes"].outcome == "waived"
    [warning] = report.warnings
    assert (warning.code, warning.severity, warning.line, warning.col) == ("waiver-expired", "warning", 2, 5)
    assert "2025-02-28" in warning.message
    assert [d.code for d in review.expired()] == ["waiver-expired"]
    review.as_of = dt.date(2025, 2, 28)  # the expiry date is the last day the waiver holds
    assert findings(engine.assess(profile(engine), review=review).results[0])["D1.meetings"].outcome == "waived"


def test_waivers_match_profile_ids_by_pattern(tmp_path, engine):
    review = review_of(tmp_path, engine, waiver("D1.meetings", who="demo-*") + waiver("D1.homes", who="other-*"))
    result = engine.assess(profile(engine), review=review).results[0]
    assert findings(result)["D1.meetings"].outcome == "waived"
    assert findings(result)["D1.homes"].outcome == "partly_met"


def test_reviewing_does_not_change_the_evaluated_findings(tmp_path, engine):
    assessor = engine.assessors[0]
    checked = profile(engine)
    _, evaluated = assessor.findings(checked)
    before = [(f.outcome, f.earned, f.deducted) for f in evaluated]
    review = review_of(tmp_path, engine, waiver("D1.meetings"), "  - {rule: D1.train, profile: '*', points: -4, "
                                                                "reason: r, reviewer: x}\n")
    reviewed = review.for_profile(checked).apply(assessor.pack, evaluated)
    assert [(f.outcome, f.earned, f.deducted) for f in evaluated] == before
    assert {f.rule.id: f.outcome for f in reviewed}["D1.meetings"] == "waived"


# -- adjustments ----------------------------------------------------------------------------

def adjustment(rule: str, points, who: str = "demo-strong", reviewer: str = "街道考核组 李四") -> str:
    return (f"  - rule: {rule}\n    profile: {who}\n    points: {points}\n    reason: 台账缺少签字\n"
            f"    reviewer: {reviewer}\n")


def test_an_adjustment_applies_on_top_of_the_computed_score_with_its_audit_trail(tmp_path, engine):
    plain = engine.assess(profile(engine)).results[0]
    result = engine.assess(profile(engine),
                           review=review_of(tmp_path, engine, adjustments=adjustment("D2.ledgers", -3))).results[0]
    ledgers = findings(result)["D2.ledgers"]
    assert findings(plain)["D2.ledgers"].earned == 15 and ledgers.earned == 12 and ledgers.outcome == "partly_met"
    assert result.total == pytest.approx(plain.total - 3)  # D2 is fully assessable: 1 point is 1 point
    [step] = result.adjustments
    assert (step.rule, step.computed, step.points, step.applied, step.adjusted, step.reviewer, step.reason) == \
        ("D2.ledgers", 15, -3, -3, 12, "街道考核组 李四", "台账缺少签字")
    assert step.source.endswith("a.yaml:2:5")
    assert "D2.ledgers" in {r.rule for r in result.recommendations}  # 3 points to recover now


def test_adjustments_are_bounded_by_the_rule_points(tmp_path, engine):
    steps = adjustment("D1.homes", 5) + adjustment("D2.ledgers", -20) + adjustment("D2.ledgers", 1)
    result = engine.assess(profile(engine), review=review_of(tmp_path, engine, adjustments=steps)).results[0]
    homes, low, up = result.adjustments
    assert (homes.computed, homes.applied, homes.adjusted) == (8.57143, 1.42857, 10)
    assert findings(result)["D1.homes"].outcome == "met"
    assert (low.computed, low.points, low.applied, low.adjusted) == (15, -20, -15, 0)
    assert (up.computed, up.applied, up.adjusted) == (0, 1, 1)  # applied in file order, each bounded
    assert findings(result)["D2.ledgers"].earned == 1


def test_an_adjustment_of_a_rule_that_does_not_apply_is_ignored_with_a_warning(tmp_path, engine):
    review = review_of(tmp_path, engine, adjustments=adjustment("D1.cards", -2))
    report = engine.assess(profile(engine, party_members__floating=0), review=review)
    assert findings(report.results[0])["D1.cards"].outcome == "not_applicable"
    assert report.results[0].adjustments == []
    assert [w.code for w in report.warnings] == ["adjustment-ignored"]


def test_missing_data_scored_by_a_reviewer_is_no_longer_missing(tmp_path, engine):
    review = review_of(tmp_path, engine, adjustments=adjustment("D2.mediation", 6))
    report = engine.assess(profile(engine, mediation={}), review=review)
    finding = findings(report.results[0])["D2.mediation"]
    assert (finding.outcome, finding.earned, finding.missing_inputs) == ("partly_met", 6, [])
    assert "mediation.rate" not in {m.path for m in report.results[0].missing_inputs}


# -- file errors: located, never a traceback -----------------------------------------------------

def test_an_unknown_rule_is_an_error_at_its_position(tmp_path, engine):
    path = write(tmp_path, "w.yaml", "waivers:\n" + waiver("D1.meeting"))
    with pytest.raises(InputError) as info:
        WaiverSet.load([path]).check(engine.packs)
    [d] = info.value.diagnostics
    assert (d.file, d.line, d.col, d.code) == (str(path), 2, 11, "unknown-rule")
    assert d.hint == "did you mean 'D1.meetings'?"


@pytest.mark.parametrize("entry, code, line", [
    ("  - {rule: D1.homes, profile: x, approver: a, expires: 2099-01-01}\n", "missing-key", 2),
    ("  - {rule: D1.homes, profile: x, justification: '  ', approver: a, expires: 2099-01-01}\n", "schema", 2),
    ("  - {rule: D1.homes, profile: x, justification: j, approver: a, expires: someday}\n", "schema", 2),
    ("  - {rule: D1.homes, profile: x, justification: j, approver: a, expires: 2099-01-01, note: n}\n",
     "unknown-key", 2),
])
def test_bad_waiver_entries(tmp_path, entry, code, line):
    path = write(tmp_path, "w.yaml", "# waivers\nwaivers:\n" + entry)
    with pytest.raises(InputError) as info:
        WaiverSet.load([path])
    [d] = info.value.diagnostics
    assert (d.code, d.line) == (code, line + 1)


def test_adjusting_a_veto_or_by_zero_points_is_an_error(tmp_path, engine):
    with pytest.raises(InputError) as info:
        AdjustmentSet.load([write(tmp_path, "a.yaml", "adjustments:\n" + adjustment("V.cult", -2))]).check(engine.packs)
    assert info.value.diagnostics[0].code == "not-adjustable" and info.value.diagnostics[0].line == 2
    with pytest.raises(InputError) as info:
        AdjustmentSet.load([write(tmp_path, "b.yaml", "adjustments:\n" + adjustment("D1.homes", 0))])
    assert "changes nothing" in info.value.diagnostics[0].message and info.value.diagnostics[0].line == 4


def test_the_cli_shows_waivers_and_adjustments_and_reports_file_errors(tmp_path):
    runner = CliRunner()
    good_w = write(tmp_path, "w.yaml", "waivers:\n" + waiver("D1.meetings") + waiver("D1.homes", expires="2020-01-01"))
    good_a = write(tmp_path, "a.yaml", "adjustments:\n" + adjustment("D2.ledgers", -3))
    result = runner.invoke(app, [str(STRONG), "--pack", str(DEMO), "--backend", "reference", "--waivers",
                                 str(good_w), "--adjustments", str(good_a)])
    assert result.exit_code == 0
    assert "已豁免" in result.stdout and "豁免：经区委组织部批准" in result.stdout
    assert "人工调整（酌情扣分/加分）" in result.stdout and "街道考核组 李四" in result.stdout
    assert f"{good_w}:7:5: warning[waiver-expired]" in result.stdout  # judged on the period end (2024-12-31)
    as_json = runner.invoke(app, [str(STRONG), "--pack", str(DEMO), "--backend", "reference", "--format", "json",
                                  "--adjustments", str(good_a)])
    assert json.loads(as_json.stdout)["results"][0]["adjustments"][0]["adjusted"] == 12
    bad = write(tmp_path, "bad.yaml", "waivers:\n" + waiver("D9.nothing"))
    result = runner.invoke(app, [str(STRONG), "--pack", str(DEMO), "--backend", "reference", "--waivers", str(bad)])
    assert result.exit_code == 2 and f"{bad}:2:11: error[unknown-rule]" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_waivers_are_judged_on_the_end_of_the_assessment_period_not_today(tmp_path, engine):
    """A 2024 assessment re-rendered in any later year gives the same result: the period's end decides."""
    review = review_of(tmp_path, engine, waiver("D1.meetings", expires="2024-12-31")
                       + waiver("D1.homes", expires="2024-12-30"))
    review.as_of = None
    report = engine.assess(profile(engine), review=review)
    outcomes = findings(report.results[0])
    assert outcomes["D1.meetings"].outcome == "waived"  # holds on its last day, the period's last day
    assert outcomes["D1.homes"].outcome != "waived"
    [warning] = report.warnings
    assert "expired on 2024-12-30, before 2024-12-31" in warning.message
    [out] = report.results[0].waivers
    assert out.judged_on == "2024-12-31"
    assert review.expired() == []  # without --as-of there is no one date to say expiries against


def test_a_waiver_without_a_period_or_as_of_is_not_applied(tmp_path, engine):
    review = review_of(tmp_path, engine, waiver("D1.meetings", who="'*'"))
    review.as_of = None
    data = copy.deepcopy(BASE)
    del data["profile"]["year"]
    report = engine.assess(engine.schema.validate_data(data, "no-period.yaml"), review=review)
    assert findings(report.results[0])["D1.meetings"].outcome != "waived"
    assert any("cannot be judged" in w.message and "--as-of" in (w.hint or "") for w in report.warnings)


def test_every_reviewers_file_is_checked_and_an_unknown_rule_lists_the_rules(tmp_path):
    """Two bad files: both files' problems are reported; a rule id with no near match gets the list of rules."""
    first = write(tmp_path, "w1.yaml", "waivers:\n  - rule: D1.meetings\n    profile: x\n")  # lacks keys
    second = write(tmp_path, "w2.yaml", "waivers:\n  - {rule: D1.meetings, profile: x, justification: j, "
                                        "approver: a, expires: 2025-13-01}\n")
    result = CliRunner().invoke(app, [str(STRONG), "--pack", str(DEMO), "--backend", "reference",
                                      "--waivers", str(first), "--waivers", str(second)])
    assert result.exit_code == 2
    assert f"{first}:2:5" in result.stderr and f"{second}:2:" in result.stderr
    unknown = write(tmp_path, "w3.yaml", "waivers:\n" + waiver("D3.venue_area"))
    result = CliRunner().invoke(app, [str(STRONG), "--pack", str(DEMO), "--backend", "reference",
                                      "--waivers", str(unknown)])
    assert result.exit_code == 2 and f"{unknown}:2:11: error[unknown-rule]" in result.stderr
    assert "the rules of the selected packs: D1.train, " in result.stderr
