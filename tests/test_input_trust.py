"""Input that must not produce a confident score (issue 10), met as a user meets it: through the CLI.

Impossible counts (a part above its whole), a subject that selects no pack, dates outside the period or
that do not exist, and vetoes that missing data leaves undecided each give a located error, a located
warning, or a grade that waits — never a plausible score printed with exit 0.
"""

from __future__ import annotations

import json
import re
import textwrap
from pathlib import Path

import pytest
from typer.testing import CliRunner

from engine.cli import app

ROOT = Path(__file__).resolve().parent.parent
MIDDLING = ROOT / "profiles" / "middling-community.yaml"
STRONG = ROOT / "profiles" / "strong-community.yaml"
COMMUNITY = ROOT / "rules" / "community"
DEMO = ROOT / "tests" / "packs" / "demo"
runner = CliRunner()


def run(*args: str | Path):
    return runner.invoke(app, [str(a) for a in args], catch_exceptions=False)


def variant(tmp_path: Path, base: Path, *edits: tuple[str, str], name: str = "p.yaml") -> Path:
    """A copy of a shipped profile with some lines changed (each `old` must be found exactly once)."""
    text = base.read_text(encoding="utf-8")
    for old, new in edits:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def line_of(path: Path, needle: str) -> int:
    """The first line holding `needle`; a needle ending in a newline is a whole line's start."""
    lines = path.read_text(encoding="utf-8").splitlines()
    if needle.endswith("\n"):
        return next(number for number, line in enumerate(lines, 1) if line == needle[:-1])
    return next(number for number, line in enumerate(lines, 1) if needle in line)


# -- impossible counts: relations between inputs ----------------------------------------------------

@pytest.mark.parametrize("edit, part, whole, shown", [
    (("  resolved: 29 ", "  resolved: 35 "), "resolved: 35", "cases: 31", "mediation.resolved is 35, more than "
     "mediation.cases (31, line {whole})"),
    (("  trained: 101 ", "  trained: 150 "), "trained: 150", "total: 112", "party_members.trained is 150, more "
     "than party_members.total (112, line {whole})"),
    (("  registered: 39", "  registered: 60"), "registered: 60", "living: 46", "in_service_members.registered is "
     "60, more than in_service_members.living (46, line {whole})"),
    (("  closed: 79 ", "  closed: 95 "), "closed: 95", "opened: 80", "ledgers.closed is 95, more than "
     "ledgers.opened (80, line {whole})"),
    (("  vice_serious: 0", "  vice_serious: 2"), "vice_serious: 2", "  vice: 0", "incidents.vice_serious is 2, "
     "more than incidents.vice (0, line {whole})"),
])
def test_a_part_above_its_whole_is_an_error_at_the_part(tmp_path, edit, part, whole, shown):
    profile = variant(tmp_path, MIDDLING, edit)
    result = run(profile, "--backend", "reference")
    assert result.exit_code == 2, result.stdout
    line = line_of(profile, part)
    message = shown.format(whole=line_of(profile, whole))
    assert f"p.yaml:{line}:" in result.stderr and f"error[relation]: {message}" in result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""


def test_every_impossible_count_is_reported_at_once(tmp_path):
    profile = variant(tmp_path, MIDDLING, ("  trained: 101 ", "  trained: 150 "), ("  closed: 79 ", "  closed: 95 "))
    result = run(profile, "--backend", "reference")
    assert result.exit_code == 2
    assert result.stderr.count("error[relation]") == 2 and "2 errors" in result.stderr


def test_a_relation_with_an_absent_side_is_not_checked(tmp_path):
    profile = variant(tmp_path, MIDDLING, ("  cases: 31\n", ""), ("  resolved: 29 ", "  resolved: 35 "))
    result = run(profile, "--backend", "reference", "--format", "json")
    assert result.exit_code == 0, result.stderr
    findings = {f["rule"]: f for f in json.loads(result.stdout)["results"][0]["findings"]}
    assert findings["R5.2"]["outcome"] == "missing_data"


def test_a_part_equal_to_its_whole_is_fine(tmp_path):
    profile = variant(tmp_path, MIDDLING, ("  resolved: 29 ", "  resolved: 31 "))
    assert run(profile, "--backend", "reference").exit_code == 0


RELATION_PACK = """\
pack:
  id: terms
  version: 1.0.0
  title: 任期
  subject: unit
  edition: test
dimensions:
  - {id: D1, title: 一, weight: 100}
scoring:
  grades:
    - {id: pass, title: 合格, at_least: 60}
    - {id: fail, title: 不合格, below: 60}
inputs:
  members.total: {type: integer, min: 0}
  members.men: {type: integer, min: 0}
  members.women: {type: integer, min: 0}
  members.trained: {type: integer, min: 0}
  rate: {type: percent}
  opened: {type: date}
  closed: {type: date}
  terms:
    type: list
    label: name
    items:
      type: object
      fields:
        name: {type: string, required: true}
        start: {type: date}
        end: {type: date}
        sessions.held: {type: integer, min: 0}
        sessions.attended: {type: integer, min: 0}
relations:
  - {part: members.trained, whole: members.total}
  - {parts: [members.men, members.women], total: members.total}
  - {start: opened, end: closed}
  - {start: terms.start, end: terms.end}
  - {part: terms.sessions.attended, whole: terms.sessions.held}
rules:
  - {id: R1, title: 培训, dimension: D1, points: 10, require: members.trained >= 1}
"""


def relation_pack(tmp_path: Path, text: str = RELATION_PACK) -> Path:
    pack = tmp_path / "terms"
    pack.mkdir()
    (pack / "pack.yaml").write_text(text, encoding="utf-8")
    return pack


def profile_file(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "unit.yaml"
    path.write_text("profile: {subject: unit, year: 2024}\n" + textwrap.dedent(body), encoding="utf-8")
    return path


def test_relations_hold_per_element_of_a_list(tmp_path):
    profile = profile_file(tmp_path, """\
        terms:
          - {name: 甲, start: 2024-01-01, end: 2024-06-30}
          - {name: 乙, start: 2024-07-01, end: 2024-03-31, sessions: {held: 4, attended: 5}}
        """)
    result = run(profile, "--pack", relation_pack(tmp_path), "--backend", "reference")
    assert result.exit_code == 2
    assert ("unit.yaml:4:39: error[relation]: terms[1].end is 2024-03-31, before terms[1].start (2024-07-01, "
            "line 4)") in result.stderr
    assert ("unit.yaml:4:81: error[relation]: terms[1].sessions.attended is 5, more than terms[1].sessions.held "
            "(4, line 4)") in result.stderr


def test_a_range_and_a_sum_of_parts(tmp_path):
    profile = profile_file(tmp_path, """\
        members: {total: 10, men: 4, women: 5, trained: 3}
        opened: 2024-05-01
        closed: 2024-04-30
        """)
    result = run(profile, "--pack", relation_pack(tmp_path), "--backend", "reference")
    assert result.exit_code == 2
    assert ("unit.yaml:2:18: error[relation]: members.total is 10, but its parts add up to 9: members.men (4, "
            "line 2) + members.women (5, line 2)") in result.stderr
    assert "unit.yaml:4:9: error[relation]: closed is 2024-04-30, before opened (2024-05-01, line 3)" in result.stderr


def test_a_sum_with_a_part_absent_is_not_checked(tmp_path):
    profile = profile_file(tmp_path, "members: {total: 10, men: 4, trained: 3}\n")
    assert run(profile, "--pack", relation_pack(tmp_path), "--backend", "reference").exit_code == 0


@pytest.mark.parametrize("relation, message", [
    ("{part: members.trianed, whole: members.total}", "error[relation-input]: unknown input 'members.trianed'\n"
     "  hint: did you mean 'members.trained'?"),
    ("{part: members.trained, whole: params.cap}", "error[relation-input]: 'params.cap' is a parameter: a relation "
     "compares the inputs of a profile"),
    ("{part: rate, whole: members.total}", "error[relation-type]: 'rate' is a percent and 'members.total' an "
     "integer: a relation compares values of one kind"),
    ("{start: opened, end: members.total}", "error[relation-type]: 'opened' is a date and 'members.total' an "
     "integer: a relation compares values of one kind"),
    ("{part: opened, whole: closed}", "error[relation-type]: 'opened' is a date: a part and its whole are "
     "numbers"),
    ("{part: terms.sessions.attended, whole: members.total}", "error[relation-input]: 'terms.sessions.attended' "
     "is a field of each element of 'terms' and 'members.total' is not: a relation compares values of the "
     "profile, or fields of one element"),
    ("{part: terms.sesions.attended, whole: terms.sessions.held}", "error[relation-input]: unknown input "
     "'terms.sesions.attended'\n  hint: did you mean 'terms.sessions.attended'?"),
    ("{part: members.trained}", "error[pack-schema]: relations.5: a relation is {part, whole}"),
    ("{part: members.trained, whole: members.total, end: closed}", "error[pack-schema]: relations.5: a relation "
     "is {part, whole}"),
])
def test_the_pack_checker_checks_relations(tmp_path, relation, message):
    text = RELATION_PACK.replace("rules:\n", f"  - {relation}\nrules:\n")
    result = run("pack", "check", relation_pack(tmp_path, text))
    assert result.exit_code == 2, result.stdout
    assert message in result.stdout
    assert re.search(r"pack\.yaml:3[0-9]:\d+: error", result.stdout)


def test_an_overlay_adds_relations(tmp_path):
    base = relation_pack(tmp_path)
    overlay = tmp_path / "overlay"
    overlay.mkdir()
    (overlay / "pack.yaml").write_text(textwrap.dedent("""\
        pack: {id: terms-local, version: 1.0.0, title: 本地, subject: unit, edition: test, extends: ../terms}
        inputs:
          members.retired: {type: integer, min: 0}
        relations:
          - {part: members.retired, whole: members.total}
        """), encoding="utf-8")
    profile = profile_file(tmp_path, "members: {total: 10, retired: 11}\n")
    result = run(profile, "--pack", overlay, "--backend", "reference")
    assert result.exit_code == 2
    assert "unit.yaml:2:31: error[relation]: members.retired is 11, more than members.total (10, line 2)" \
        in result.stderr
    assert run(profile, "--pack", base, "--backend", "reference").exit_code == 2  # the base has no such input


def test_relations_are_in_the_pack_schema():
    result = run("schema", "pack")
    assert result.exit_code == 0
    schema = json.loads(result.stdout)
    relation = schema["$defs"]["Relation"]
    assert {"part", "whole", "start", "end", "parts", "total"} <= set(relation["properties"])


# -- the subject -----------------------------------------------------------------------------------

def test_a_mistyped_subject_is_an_error_with_did_you_mean(tmp_path):
    profile = variant(tmp_path, MIDDLING, ("  subject: community\n", "  subject: comunity\n"))
    result = run(profile, "--backend", "reference")
    assert result.exit_code == 2 and result.stdout == ""
    line = line_of(profile, "subject: comunity")
    assert f"p.yaml:{line}:12: error[profile-subject]: no pack assesses the subject 'comunity'" in result.stderr
    assert "hint: did you mean 'community'?" in result.stderr


def test_a_missing_subject_is_an_error(tmp_path):
    profile = variant(tmp_path, MIDDLING, ("  subject: community\n", ""))
    result = run(profile, "--backend", "reference")
    assert result.exit_code == 2 and result.stdout == ""
    line = line_of(profile, "profile:\n")
    assert f"p.yaml:{line}:1: error[profile-subject]: profile.subject is missing" in result.stderr
    assert "community" in result.stderr and "co-building-unit" in result.stderr  # the subjects to choose from


def test_a_profile_without_its_profile_block_is_an_error(tmp_path):
    text = MIDDLING.read_text(encoding="utf-8")
    start, end = text.index("profile:\n"), text.index("community:\n")
    path = tmp_path / "p.yaml"
    path.write_text(text[:start] + text[end:], encoding="utf-8")
    result = run(path, "--backend", "reference")
    assert result.exit_code == 2 and result.stdout == ""
    assert "p.yaml:1:1: error[profile-subject]: the profile has no 'profile:' block" in result.stderr
    assert "hint: add 'profile: {subject: co-building-unit, year: 2024}' at the top; subjects: co-building-unit, " \
        "community" in result.stderr


@pytest.mark.parametrize("text", ["", "# only a comment\n# and another\n", "---\n...\n"])
def test_an_empty_profile_is_an_error(tmp_path, text):
    path = tmp_path / "p.yaml"
    path.write_text(text, encoding="utf-8")
    for args in ([], ["--pack", str(COMMUNITY)]):
        result = run(path, "--backend", "reference", *args)
        assert result.exit_code == 2 and result.stdout == ""
        assert "p.yaml:1:1: error[profile-empty]: the profile is empty" in result.stderr


def test_with_pack_a_subject_the_packs_do_not_assess_is_an_error(tmp_path):
    profile = variant(tmp_path, MIDDLING, ("  subject: community\n", "  subject: co-building-unit\n"))
    result = run(profile, "--pack", COMMUNITY, "--backend", "reference")
    assert result.exit_code == 2 and result.stdout == ""
    line = line_of(profile, "subject: co-building-unit")
    assert (f"p.yaml:{line}:12: error[profile-subject]: the packs given assess 'community', not "
            "'co-building-unit'") in result.stderr


def test_with_pack_a_profile_without_a_subject_is_a_warning_with_a_hint(tmp_path):
    # the packs given assess the profile, whose inputs are checked against theirs: it cannot be assessed by
    # the wrong packs, but it should say what it is
    profile = variant(tmp_path, MIDDLING, ("  subject: community\n", ""))
    result = run(profile, "--pack", COMMUNITY, "--backend", "reference", "--format", "json")
    assert result.exit_code == 0
    warning = json.loads(result.stdout)["warnings"][0]
    assert (warning["line"], warning["severity"], warning["code"]) == (line_of(profile, "profile:\n"), "warning",
                                                                     "profile-subject")
    assert warning["message"].startswith("profile.subject is missing")
    assert warning["hint"] == "add 'subject: community' under 'profile:'"


def test_profile_packs_naming_no_shipped_pack_is_an_error(tmp_path):
    profile = variant(tmp_path, MIDDLING, ("  subject: community\n", "  packs: [comunity]\n"))
    result = run(profile, "--backend", "reference")
    assert result.exit_code == 2
    line = line_of(profile, "packs: [comunity]")
    assert f"p.yaml:{line}:11: error[profile-packs]: no shipped pack 'comunity'" in result.stderr
    assert "did you mean 'community'?" in result.stderr


def test_a_batch_reports_a_mistyped_subject_and_goes_on(tmp_path):
    good = variant(tmp_path, MIDDLING, name="good.yaml")
    bad = variant(tmp_path, MIDDLING, ("  subject: community\n", "  subject: comunity\n"), name="bad.yaml")
    result = run(good, bad, "--backend", "reference", "--jobs", "1")
    assert result.exit_code == 2
    assert "comunity" in result.stdout + result.stderr and "和平里社区" in result.stdout


# -- the period and its dates ------------------------------------------------------------------------

def test_dates_outside_the_period_are_a_located_warning(tmp_path):
    profile = variant(tmp_path, MIDDLING, ("  year: 2024\n", "  year: 2042\n"))
    result = run(profile, "--backend", "reference", "--format", "json")
    assert result.exit_code == 0
    warnings = json.loads(result.stdout)["warnings"]
    events = next(w for w in warnings if "events" in w["message"])
    assert events["code"] == "date-outside-period" and events["severity"] == "warning"
    assert events["line"] == line_of(profile, "{date: 2024-01-11") and events["col"] > 1
    assert events["message"].startswith("31 of the 31 dates of events are outside the assessment period "
                                        "2042-01-01 – 2042-12-31: events[0].date 2024-01-11 (line ")
    assert "profile.year" in events["hint"]
    assert any("honours" in w["message"] for w in warnings) and any("visits" in w["message"] for w in warnings)
    text = run(profile, "--backend", "reference")
    assert "warning[date-outside-period]" in text.stderr or "date-outside-period" in text.stdout


def test_dates_inside_the_period_give_no_warning():
    result = run(MIDDLING, "--backend", "reference", "--format", "json")
    assert json.loads(result.stdout)["warnings"] == []


def test_a_date_that_does_not_exist_is_an_error_that_says_why(tmp_path):
    profile = variant(tmp_path, MIDDLING, ("{date: 2024-03-14, type: 组织生活}", "{date: 2024-02-30, type: 组织生活}"))
    result = run(profile, "--backend", "reference")
    assert result.exit_code == 2 and result.stdout == ""
    line = line_of(profile, "2024-02-30")
    assert f"p.yaml:{line}:12: error[date]: events[2].date: there is no 2024-02-30: February 2024 has 29 days" \
        in result.stderr


@pytest.mark.parametrize("written, why", [
    ("2023-02-29", "February 2023 has 28 days"),
    ("2024-04-31", "April 2024 has 30 days"),
    ("2024-13-01", "there is no month 13"),
    ("2024-00-10", "there is no month 0"),
    ("2024-05-00", "days start at 1"),
])
def test_impossible_dates_are_explained(tmp_path, written, why):
    edit = ("{date: 2024-03-14, type: 组织生活}", f"{{date: {written}, type: 组织生活}}")
    result = run(variant(tmp_path, MIDDLING, edit), "--backend", "reference")
    assert result.exit_code == 2 and f"there is no {written}: {why}" in result.stderr


def test_an_impossible_period_date_is_explained(tmp_path):
    profile = variant(tmp_path, MIDDLING, ("  year: 2024\n", "  period: {start: 2024-01-01, end: 2024-06-31}\n"))
    result = run(profile, "--backend", "reference")
    assert result.exit_code == 2
    assert "profile.period.end: there is no 2024-06-31: June 2024 has 30 days" in result.stderr


# -- vetoes that missing data leaves undecided --------------------------------------------------------

TOP = (("  petition_bypass: 1 ", "  petition_bypass: 0 "),)  # strong-community without its petition: excellent


@pytest.mark.parametrize("backend", ["reference", "durable"])
def test_an_undecided_veto_withholds_the_grade(tmp_path, backend):
    if backend == "durable":
        pytest.importorskip("durable")
    top = variant(tmp_path, STRONG, *TOP, name="top.yaml")
    report = json.loads(run(top, "--backend", backend, "--format", "json").stdout)["results"][0]
    assert report["grade"]["id"] == "excellent" and not report["grade"]["withheld"]

    open_veto = variant(tmp_path, STRONG, *TOP, ("  vice: 0\n", "  vice: 1\n"), ("  vice_serious: 0\n", ""))
    result = run(open_veto, "--backend", backend, "--format", "json")
    assert result.exit_code == 0
    report = json.loads(result.stdout)["results"][0]
    assert report["grade"]["withheld"] is True
    assert report["grade"]["undecided_vetoes"] == ["V5.4"]
    assert report["coverage"] >= 0.9  # the grade waits for the veto, not for coverage
    text = run(open_veto, "--backend", backend).stdout
    assert "暂不评定（一票否决V5.4「发生严重黄赌毒案件」因缺少数据无法判定，需补充：incidents.vice_serious" in text
    english = run(open_veto, "--backend", backend, "--lang", "en").stdout
    assert "not given (the veto V5.4" in english and "incidents.vice_serious" in english
    markdown = run(open_veto, "--backend", backend, "--format", "markdown").stdout
    assert "等次：**暂不评定（一票否决V5.4" in markdown


def test_an_undecided_veto_comes_first_in_the_recommendations(tmp_path):
    open_veto = variant(tmp_path, STRONG, *TOP, ("  vice: 0\n", "  vice: 1\n"), ("  vice_serious: 0\n", ""))
    report = json.loads(run(open_veto, "--backend", "reference", "--format", "json").stdout)["results"][0]
    first = report["recommendations"][0]
    assert first["rule"] == "V5.4" and "incidents.vice_serious" in first["text"]["en"]


def test_an_undecided_veto_withholds_only_a_grade_it_could_change(tmp_path):
    # middling-community is graded pass: a 'no_award' veto left open could only bar the top grade, which it
    # does not reach, but a 'fail' veto left open could still make it fail
    no_award = variant(tmp_path, MIDDLING, ("  petition_bypass: 0\n", ""), name="a.yaml")
    report = json.loads(run(no_award, "--backend", "reference", "--format", "json").stdout)["results"][0]
    assert report["grade"]["id"] == "pass" and not report["grade"]["withheld"]
    assert report["grade"]["undecided_vetoes"] == []

    fail = variant(tmp_path, MIDDLING, ("  cult: 0\n", ""), name="b.yaml")
    report = json.loads(run(fail, "--backend", "reference", "--format", "json").stdout)["results"][0]
    assert report["grade"]["id"] == "pass" and report["grade"]["withheld"]
    assert report["grade"]["undecided_vetoes"] == ["V5.1"]


def test_a_no_award_veto_left_open_withholds_the_top_grade(tmp_path):
    profile = variant(tmp_path, STRONG, ("  petition_bypass: 1 ", "  # petition_bypass unknown "))
    report = json.loads(run(profile, "--backend", "reference", "--format", "json").stdout)["results"][0]
    assert report["grade"]["id"] == "excellent" and report["grade"]["withheld"]
    assert report["grade"]["undecided_vetoes"] == ["V5.3"]


def test_fuxing_keeps_its_grade_text_when_the_lowest_grade_cannot_fall():
    report = json.loads(run(ROOT / "profiles" / "fuxing-2009.yaml", "--backend", "reference", "--format",
                            "json").stdout)["results"][0]
    assert report["grade"]["id"] == "fail" and report["grade"]["undecided_vetoes"] == []
