"""The engine embedded as an approval system would: packs compiled once, form data validated, reports used."""

from __future__ import annotations

import datetime as dt
import decimal
import json
from pathlib import Path

import pytest

import engine
from engine import Engine, InputError, Report, render
from engine.evaluation.findings import OUTCOMES
from engine.report.load import parse_report
from engine.source.load import load_yaml

ROOT = Path(__file__).resolve().parent.parent
COMMUNITY = ROOT / "rules" / "community"


def posted(profile_file: Path) -> dict:
    """What a web form posts is JSON: dates as 'YYYY-MM-DD' text, numbers as numbers. It goes to the engine as is."""
    data = load_yaml(profile_file).data
    wire = json.dumps(data, ensure_ascii=False, default=lambda o: o.isoformat() if isinstance(o, dt.date) else float(o))
    return json.loads(wire)


class ApprovalSystem:
    """A minimal service: one Engine for its life, one report per application."""

    def __init__(self):
        self.engine = Engine.from_dirs([COMMUNITY], backend="reference")  # load, check, compile: once

    def submit(self, application_id: str, form: dict) -> dict:
        try:
            profile = self.engine.schema.validate_data(form, f"application {application_id}")
        except InputError as exc:  # what to show beside the form's fields: message and hint
            return {"accepted": False, "errors": [{"message": d.message, "hint": d.hint} for d in exc.diagnostics]}
        report = self.engine.assess(profile)
        result = report.results[0]
        return {"accepted": True, "total": result.total, "grade": result.grade.title.zh,
                "vetoed": bool(result.vetoes), "report": report, "json": render(report, "json", "zh")}


@pytest.fixture(scope="module")
def system():
    return ApprovalSystem()


def test_an_application_is_assessed_like_its_file(system):
    reply = system.submit("A-1", posted(ROOT / "profiles" / "strong-community.yaml"))
    from_file = system.engine.assess_file(ROOT / "profiles" / "strong-community.yaml")
    assert reply["accepted"] and reply["total"] == from_file.results[0].total == 107.89
    assert reply["grade"] == "良好" and reply["vetoed"]  # V5.3 bars 优秀
    report: Report = reply["report"]
    assert isinstance(report, Report) and report.profile.file == "application A-1"
    result = report.results[0]
    assert {f.outcome for f in result.findings} <= set(OUTCOMES)
    gains = [r.recoverable for r in result.recommendations]
    assert gains == sorted(gains, reverse=True)
    assert parse_report(reply["json"].encode("utf-8"), "saved.json") == report  # the JSON is the whole model


def test_many_applications_share_one_compiled_engine(system):
    compiled = [assessor.backend for assessor in system.engine.assessors]
    totals = {name: system.submit(name, posted(ROOT / "profiles" / f"{name}.yaml"))["total"]
              for name in ("weak-community", "middling-community", "strong-community")}
    assert totals["weak-community"] < totals["middling-community"] < totals["strong-community"]
    assert [assessor.backend for assessor in system.engine.assessors] == compiled


def test_a_bad_form_is_answered_with_its_fields_never_an_exception(system):
    form = posted(ROOT / "profiles" / "middling-community.yaml")
    form["party_members"]["total"] = "很多"
    form["party_members"]["trainedd"] = 3
    reply = system.submit("A-2", form)
    assert not reply["accepted"]
    errors = {e["message"]: e["hint"] for e in reply["errors"]}
    assert set(errors) == {"unknown key 'party_members.trainedd'",
                           "party_members.total must be a whole number ≥ 0, got '很多'"}
    assert errors["unknown key 'party_members.trainedd'"] == "did you mean 'trained'?"


def test_dates_come_as_iso_text_and_a_bad_one_is_answered_with_its_field(system):
    form = posted(ROOT / "profiles" / "middling-community.yaml")
    first = form["events"][0]["date"]
    assert isinstance(first, str) and len(first) == 10  # JSON text, given to the engine unconverted
    accepted = system.submit("A-3", form)
    assert accepted["accepted"]
    from_file = system.engine.assess_file(ROOT / "profiles" / "middling-community.yaml")
    assert accepted["total"] == from_file.results[0].total
    form["events"][0]["date"] = first.replace("-", "/")
    reply = system.submit("A-4", form)
    assert not reply["accepted"]
    assert [e["message"] for e in reply["errors"]] == \
        [f"events[0].date must be a date written YYYY-MM-DD, got '{first.replace('-', '/')}'"]


def test_the_package_is_typed():
    assert (Path(engine.__file__).parent / "py.typed").is_file()


def test_evaluate_gives_the_report_scores_without_the_report():
    from pathlib import Path

    from engine.api.engine import Engine

    root = Path(__file__).resolve().parent.parent
    engine = Engine.from_dirs([root / "tests" / "packs" / "demo"], backend="reference")
    profile = engine.load_profile(root / "tests" / "profiles" / "demo-strong.yaml")
    [evaluation] = engine.evaluate(profile)
    result = engine.assess(profile).results[0]
    assert float(evaluation.total) == result.total == 76.94
    assert evaluation.grade.id == result.grade.id == "pass"
    assert [f.outcome for f in evaluation.findings] == [f.outcome for f in result.findings]
    assert evaluation.report() == result


@pytest.mark.parametrize("host", [
    decimal.Context(prec=3),
    decimal.Context(prec=6, rounding=decimal.ROUND_FLOOR),
    decimal.Context(prec=28, traps=[decimal.Inexact, decimal.Rounded, decimal.InvalidOperation]),
], ids=["prec-3", "floor-6", "trap-inexact"])
def test_the_host_applications_decimal_context_changes_nothing(host):
    """A host that set its own decimal context gets the same report, and keeps its context."""
    profile_file = ROOT / "profiles" / "middling-community.yaml"
    expected = render(Engine.from_dirs([COMMUNITY], backend="reference").assess_file(profile_file), "json", "zh")
    with decimal.localcontext(host) as mine:
        engine = Engine.from_dirs([COMMUNITY], backend="reference")
        report = engine.assess(engine.schema.validate_data(posted(profile_file), str(profile_file)))
        report.profile.file = "profiles/middling-community.yaml"
        shown = render(engine.assess_file(profile_file), "json", "zh")
        assert decimal.getcontext() is mine and mine.prec == host.prec
    assert shown == expected


def test_public_functions_check_their_arguments_and_raise_the_projects_exceptions():
    """Library mistakes are UsageError/InputError with a message, never TypeError/AttributeError from inside."""
    from engine import UsageError

    one = Engine.from_dirs(str(COMMUNITY), backend="reference")  # one directory, given as a string
    assert [p.id for p in one.packs] == ["community"]
    cases = [
        lambda: Engine.from_dirs([None]),
        lambda: Engine.from_dirs(42),
        lambda: Engine.from_dirs([COMMUNITY], params=["x=1"]),
        lambda: one.assess(None),
        lambda: one.evaluate("profiles/middling-community.yaml"),
        lambda: one.assess_file(None),
        lambda: render(one.assess_file(ROOT / "profiles" / "middling-community.yaml"), "pdf", "zh"),
        lambda: render(None, "json", "zh"),
        lambda: render(one.assess_file(ROOT / "profiles" / "middling-community.yaml"), "json", "fr"),
    ]
    for case in cases:
        with pytest.raises(UsageError) as caught:
            case()
        assert caught.value.diagnostics[0].code == "usage" and caught.value.diagnostics[0].message
    with pytest.raises(InputError) as caught:
        one.schema.validate_data(None, "form 1")
    assert caught.value.diagnostics[0].code == "profile-shape"
