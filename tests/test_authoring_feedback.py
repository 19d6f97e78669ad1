"""What an author meets while writing a pack, its cases and its profiles (issue 14, "Authoring around it"):
`pack check` reports every problem in one run and the inputs no rule reads, `profile init` marks those, case
files carry reviewer adjustments, and every message is in the project's words, never pydantic's."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from typer.testing import CliRunner

from engine.backends import durable_available
from engine.cli import app
from tests.minimal_pack import manifest

runner = CliRunner()

INPUTS = """\
inputs:
  members.total: {type: integer, min: 0, title: 党员数}
  members.trained: {type: integer, min: 0, title: 参训党员数}
  members.retired: {type: integer, min: 0, title: 离退休党员数}
  community.area_km2: {type: number, min: 0, title: {zh: 辖区面积, en: Area}, unit: {zh: 平方公里, en: km²}}
  community.households: {type: integer, min: 0, title: {zh: 居民户数, en: Households}}
relations:
  - {part: members.retired, whole: members.total}
derived:
  households_per_km2: {expr: "community.households / community.area_km2", title: 户数密度}
"""
RULES = """\
rules:
  - id: R1
    dimension: D1
    title: 党员参训
    points: 100
    applies_when: members.total > 0
    require: ratio(members.trained, members.total) >= 0.9
"""
CASES = """\
cases:
  - name: all trained
    profile: {members: {total: 10, trained: 10}}
    expect: {R1: met}
  - name: half trained
    profile: {members: {total: 10, trained: 5}}
    expect: {R1: not_met}
"""


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    return root


@pytest.fixture
def pack(tmp_path: Path) -> Path:
    return write(tmp_path / "pack", {"pack.yaml": manifest(), "inputs.yaml": INPUTS, "rules.yaml": RULES,
                                     "tests/cases.yaml": CASES})


def run(*args: str | Path):
    return runner.invoke(app, [str(arg) for arg in args])


def lines_with(output: str, code: str) -> list[str]:
    return [line for line in output.splitlines() if f"[{code}]" in line]


# -- inputs no rule reads -------------------------------------------------------------------------------

def test_pack_check_says_who_reads_an_input_no_rule_reads(pack):
    result = run("pack", "check", pack)
    unread = lines_with(result.output, "input-unread")
    assert [line.split(": ", 1)[1] for line in unread] == [
        "warning[input-unread]: input 'members.retired' is read by no rule (only a relation checks it; it "
        "changes no score)",
        "warning[input-unread]: input 'community.area_km2' is read by no rule (only derived value "
        "'households_per_km2' reads it, and no rule reads that)",
        "warning[input-unread]: input 'community.households' is read by no rule (only derived value "
        "'households_per_km2' reads it, and no rule reads that)"]
    assert "profile templates mark it as for information only" in result.output


def test_profile_init_marks_the_inputs_no_rule_reads(pack):
    zh = run("profile", "init", "--pack", pack, "--no-schema").output
    assert "# 辖区面积（平方公里）（仅供参考，不计分）；数字，≥ 0" in zh
    assert "# 离退休党员数（仅供参考，不计分）；整数，≥ 0" in zh
    assert "# 党员数；整数，≥ 0" in zh  # read by R1: asked for without a mark
    en = run("profile", "init", "--pack", pack, "--lang", "en", "--no-schema").output
    assert "# Area (km²) (for information only: no rule reads it); a number ≥ 0" in en


def test_an_input_another_selected_pack_reads_is_not_marked(pack, tmp_path):
    other = write(tmp_path / "other", {
        "pack.yaml": manifest().replace("id: t", "id: other"),
        "inputs.yaml": "inputs:\n  members.retired: {type: integer, min: 0, title: 离退休党员数}\n",
        "rules.yaml": "rules:\n  - {id: X1, dimension: D1, title: 有离退休党员, points: 100, "
                      "require: members.retired > 0}\n"})
    zh = run("profile", "init", "--pack", pack, "--pack", other, "--no-schema").output
    assert "# 离退休党员数；整数，≥ 0" in zh and "# 辖区面积（平方公里）（仅供参考，不计分）" in zh


# -- every problem in one run ----------------------------------------------------------------------------

BROKEN_RULES = """\
rules:
  - id: R1
    dimension: D1
    title: 党员参训
    points: 60
    require: ratio(members.trained, members.total) >= 0.9
  - id: R2
    dimension: D1
    title: 有台账
    points: 10
    titel: 台账
    require: members.total > 0
  - id: R3
    dimension: D1
    title: 参训过半
    points: 10
    require: rati(members.trained, members.total) > 0.5 and met('R2')
  - id: R4
    dimension: D9
    title: 读取有误的输入
    points: 10
    require: members.broken > 1
  - id: R5
    dimension: D1
    title: 拼错的输入
    points: 10
    require: members.totl > 1
"""


def test_an_unknown_key_in_one_rule_does_not_hide_the_other_rules_problems(pack):
    write(pack, {"rules.yaml": BROKEN_RULES})
    result = run("pack", "check", pack)
    assert result.exit_code == 2
    found = [(line.split(": ", 1)[1].split("]")[0], line.split(":")[1]) for line in result.output.splitlines()
             if "error[" in line]
    assert found == [("error[pack-unknown-key", "11"),         # R2's own shape
                     ("error[expr-unknown-function", "17"),    # R3: checked, and met('R2') is not an error
                     ("error[rule-dimension", "19"),           # R4's dimension
                     ("error[expr-unknown-name", "22"),        # R4's input, declared nowhere
                     ("error[expr-unknown-name", "27")]        # R5's misspelt input
    assert "unknown function 'rati'" in result.output and "did you mean 'ratio'?" in result.output


def test_what_reads_an_entry_in_error_is_not_reported_again(pack):
    """An input declared with an error: its error is reported, and neither the rule, the derived value nor the
    relation that read it is reported again; the other problems of those rules are."""
    write(pack, {"rules.yaml": BROKEN_RULES.replace("    titel: 台账\n", "")
                 .replace("require: members.totl > 1", "require: broken_share > 0"),
                 "extra.yaml": """\
                     inputs:
                       members.broken: {type: integr, title: 有误}
                     derived:
                       broken_share: {expr: members.broken / members.total}
                     relations:
                       - {part: members.broken, whole: members.total}
                     """})
    result = run("pack", "check", pack)
    errors = [line.split(": ", 1)[1] for line in result.output.splitlines() if "error[" in line]
    assert [error.split("]")[0] for error in errors] == [
        "error[pack-schema", "error[expr-unknown-function", "error[rule-dimension"], result.output
    assert "inputs.members.broken.type must be one of" in errors[0]


# -- test cases -----------------------------------------------------------------------------------------

def test_a_case_applies_reviewer_adjustments_and_parameters(pack):
    """A case sets parameters as --set does and applies adjustments as --adjustments does, on both backends."""
    write(pack, {"pack.yaml": manifest("parameters:\n  training_min: {type: ratio, default: 0.9, title: 参训率}\n"),
                 "rules.yaml": RULES.replace(">= 0.9", ">= params.training_min"),
                 "tests/cases.yaml": CASES + """\
  - name: reviewer takes two off
    profile: {members: {total: 10, trained: 10}}
    adjustments:
      - {rule: R1, points: -2, reason: 签到表缺失}
    expect: {R1: {outcome: partly_met, points: 98}}
    total: 98
  - name: a district asks for half, and a reviewer takes one off
    profile: {members: {total: 10, trained: 5}}
    params: {training_min: 50%}
    adjustments: [{rule: R1, points: -1, reviewer: 区委组织部}]
    expect: {R1: {outcome: partly_met, points: 99}}
"""})
    result = run("pack", "test", pack)
    assert result.exit_code == 0, result.output
    assert ("4 case(s) on durable, reference: 8 passed, 0 failed" if durable_available()[0] else
            "4 case(s) on reference: 4 passed") in result.output, result.output


def test_an_adjustment_of_a_rule_the_pack_lacks_is_an_error_of_pack_check(pack):
    write(pack, {"tests/cases.yaml": CASES + """\
  - name: unknown rule
    profile: {members: {total: 10, trained: 10}}
    adjustments: [{rule: R9, points: -2}]
"""})
    result = run("pack", "check", pack)
    assert result.exit_code == 2
    assert "tests/cases.yaml:10:26: error[unknown-rule]: adjustment for unknown rule 'R9'" in result.output


def test_an_empty_case_file_gets_the_projects_words(pack):
    write(pack, {"tests/empty.yaml": "cases: []\n"})
    result = run("pack", "check", pack)
    assert "tests/empty.yaml:1:8: error[case-schema]: cases must not be empty" in result.output
    assert "List should have" not in result.output


def test_a_wrong_outcome_is_one_error_without_pydantics_types(pack):
    write(pack, {"tests/cases.yaml": CASES.replace("{R1: met}", "{R1: mett}")
                 .replace("{R1: not_met}", "{R1: {outcome: not_mett, points: lots}}")})
    result = run("pack", "check", pack)
    errors = lines_with(result.output, "case-schema")
    assert len(errors) == 3, result.output
    assert "cases.0.expect.R1.outcome must be one of 'met', 'partly_met'" in errors[0]
    assert "got 'mett'" in errors[0] and "did you mean 'met'?" in result.output
    assert "cases.1.expect.R1.points must be a number, got 'lots'" in result.output
    assert "CaseExpectation" not in result.output and "literal[" not in result.output


def test_no_rule_is_untested_while_a_case_file_does_not_load(pack):
    write(pack, {"tests/cases.yaml": CASES.replace("name: all trained", "nam: all trained")})
    result = run("pack", "check", pack)
    assert lines_with(result.output, "case-missing-key") and not lines_with(result.output, "rule-untested")


def test_pack_test_reports_the_problems_of_every_case_file(pack):
    write(pack, {"tests/a.yaml": "cases: []\n", "tests/b.yaml": "cases: [{name: x, profile: {}, total: many}]\n"})
    result = run("pack", "test", pack, "--backend", "reference")
    assert result.exit_code == 2
    assert "tests/a.yaml:1:8: error[case-schema]" in result.output
    assert "tests/b.yaml:1:39: error[case-schema]: cases.0.total must be a number, got 'many'" in result.output


# -- messages in the project's words -------------------------------------------------------------------

def test_a_comma_in_a_flow_style_citation_gets_the_hint(pack):
    write(pack, {"rules.yaml": RULES + "    cite: {source: s, quote: 达到90%以上, 按时完成}\n"})
    result = run("pack", "check", pack)
    assert "error[pack-unknown-key]: unknown key '按时完成'" in result.output
    assert ("hint: a comma inside {quote: ..., ...} ends the text there; quote texts that contain commas: "
            "quote: \"达到90%以上, 按时完成\"") in result.output


def test_a_comma_in_a_flow_style_text_gets_the_same_hint(pack):
    write(pack, {"rules.yaml": RULES.replace("title: 党员参训", "title: {zh: 党员参训, 按时, en: Training}")})
    result = run("pack", "check", pack)
    assert ("a comma inside {zh: ..., ...} ends the text there; quote texts that contain commas: "
            "zh: \"党员参训, 按时\"") in result.output


def test_a_number_that_is_not_one(pack):
    write(pack, {"rules.yaml": RULES.replace("points: 100", "points: 一百")})
    result = run("pack", "check", pack)
    assert "error[pack-schema]: rules.0.points must be a number, got '一百'" in result.output
    assert "Input should" not in result.output


def test_a_bad_date_in_a_waiver_file(pack, tmp_path):
    waivers = write(tmp_path, {"waivers.yaml": """\
        waivers:
          - {rule: R1, profile: c1, reason: 试点, approver: 区委组织部, expires: 2025-6}
        """}) / "waivers.yaml"
    profile = write(tmp_path, {"p.yaml": "profile: {id: c1, year: 2024}\nmembers: {total: 1, trained: 1}\n"})
    result = run(profile / "p.yaml", "--pack", pack, "--waivers", waivers)
    assert "waivers.0.expires must be a date (YYYY-MM-DD), got '2025-6'" in result.output
    assert "datetime" not in result.output


@pytest.mark.parametrize(("meta", "said"), [
    ("{year: 2200}", "profile.year must be at most 2100, got 2200"),
    ("abc", "profile must be a mapping, got 'abc'"),
    ("{id: 'a b'}", "profile.id 'a b' is not a valid identifier"),
    ("{period: {start: 2024-1, end: 2024-12-31}}", "profile.period.start must be a date (YYYY-MM-DD), got '2024-1'"),
])
def test_the_profile_block_in_the_projects_words(pack, tmp_path, meta, said):
    profile = write(tmp_path, {"p.yaml": f"profile: {meta}\nmembers: {{total: 1, trained: 1}}\n"}) / "p.yaml"
    result = run(profile, "--pack", pack)
    assert result.exit_code == 2 and f"error[profile-meta]: {said}" in result.output
    assert "Input should" not in result.output and "String should" not in result.output \
        and "ProfileMeta" not in result.output


def test_a_profile_key_in_the_wrong_place_says_where_it_goes(pack, tmp_path):
    profile = write(tmp_path, {"p.yaml": "year: 2024\nmembers: {total: 1, trained: 1, trainde: 1}\nxyz: 1\n"})
    result = run(profile / "p.yaml", "--pack", pack)
    assert ("hint: 'year' belongs in the 'profile:' block: profile: {year: …} (keys of profile: id, name, "
            "subject, year, period, packs, description, data_source)") in result.output
    assert "hint: did you mean 'trained'?" in result.output
    assert "hint: keys at the top of a profile: community, members, profile" in result.output


# -- format 2 constructs read inputs too -------------------------------------------------------------------

FORMAT_2_MANIFEST = manifest().replace("  edition: \"2024\"\n", "  edition: \"2024\"\n  format: 2\n") \
    .replace("scoring:\n", "scoring:\n  not_applicable: exclude\n")
FORMAT_2_INPUTS = """\
inputs:
  ledger.exists: {type: boolean, title: 已建立台账}
  meetings.missed: {type: integer, min: 0, title: 缺少记录的会议}
  training.rate: {type: percent, title: 党员培训率}
  training.top: {type: percent, title: 优秀培训率}
  honours: {type: integer, min: 0, title: 获表彰数}
  bonus.cap: {type: number, min: 0, title: 加分上限}
  survey.satisfaction: {type: percent, title: 群众满意度}
  survey.target: {type: percent, title: 满意度目标}
  venue.area: {type: number, min: 0, title: 活动场所面积}
  community.population: {type: integer, min: 0, title: 居民人数}
"""
FORMAT_2_RULES = """\
rules:
  - id: L1
    dimension: D1
    title: 党建工作台账
    points: 50
    deductions:
      - {when: not ledger.exists, points: 2, text: 未建立台账}
      - {count: meetings.missed, per: 0.5, cap: 2, text: 会议无记录}
  - id: T1
    dimension: D1
    title: 党员培训
    points: 50
    require: "true"
    bonus:
      - {when: training.rate >= training.top, points: 1, text: 培训率高}
      - {count: honours, per: 0.5, text: 获表彰}
    bonus_cap: bonus.cap
  - id: G1
    kind: check
    title: 满意度等级
    levels:
      - {id: A, label: 好, when: survey.satisfaction >= 90%}
      - {id: C, label: 一般, when: "true"}
  - id: M1
    kind: check
    title: 满意度（指标）
    measure: {value: survey.satisfaction, at_least: survey.target, format: percent}
  - id: V1
    kind: check
    title: 有活动场所
    require: venue.area > 0
"""


@pytest.fixture
def format_2_pack(tmp_path: Path) -> Path:
    return write(tmp_path / "pack2", {"pack.yaml": FORMAT_2_MANIFEST, "inputs.yaml": FORMAT_2_INPUTS,
                                      "rules.yaml": FORMAT_2_RULES})


def test_an_input_read_only_by_a_format_2_construct_is_read(format_2_pack):
    """Inputs read only in a deduction or bonus clause (its condition, its count), an item's bonus cap, a
    check's levels, a measure's value or target, or a check nothing else reads: none is reported."""
    result = run("pack", "check", format_2_pack)
    assert result.exit_code == 0, result.output
    assert [line.split(": ", 1)[1] for line in lines_with(result.output, "input-unread")] == [
        "warning[input-unread]: input 'community.population' is read by no rule"]


def test_profile_init_marks_only_what_no_format_2_construct_reads(format_2_pack):
    zh = run("profile", "init", "--pack", format_2_pack, "--no-schema").output
    assert zh.count("（仅供参考，不计分）") == 1 and "# 居民人数（仅供参考，不计分）" in zh


def test_a_key_the_format_does_not_allow_is_reported_with_the_other_problems(pack):
    """A format 2 key in a format 1 pack does not hide a misspelt function in another rule, nor an entry in
    error: every problem in one run, at its place in the file."""
    write(pack, {"rules.yaml": BROKEN_RULES + """\
  - id: R6
    dimension: D1
    title: 台账
    points: 10
    deductions:
      - {when: members.total > 0, points: 2, text: 未建立台账}
"""})
    result = run("pack", "check", pack)
    assert result.exit_code == 2
    found = [(line.split(": ", 1)[1].split("]")[0], line.split(":")[1]) for line in result.output.splitlines()
             if "error[" in line]
    assert ("error[pack-format-key", "32") in found
    assert ("error[pack-unknown-key", "11") in found and ("error[expr-unknown-function", "17") in found
    assert "'deductions' needs format: 2" in result.output


def test_a_derived_value_in_error_is_reported_once(pack):
    """A derived value whose expression is wrong is reported at its expression; the rules reading it are not
    reported again as reading an unknown name."""
    write(pack, {"extra.yaml": """\
        derived:
          share: {expr: "rati(members.trained, members.total)"}
          share2: {expr: "members.trained / (members.total"}
        """,
                 "rules.yaml": RULES.replace("points: 100", "points: 50") + """\
  - {id: R2, dimension: D1, title: 过半, points: 25, require: share > 0.5}
  - {id: R3, dimension: D1, title: 过半, points: 25, require: share2 > 0.5}
"""})
    result = run("pack", "check", pack)
    errors = [line.split(": ", 1)[1].split("]")[0] for line in result.output.splitlines() if "error[" in line]
    assert errors == ["error[expr-unknown-function", "error[expr-syntax"], result.output
    assert "unknown input or derived value" not in result.output


def test_a_comma_in_a_profiles_flow_style_text_gets_the_hint(pack, tmp_path):
    write(pack, {"extra.yaml": "inputs:\n  community.note: {type: string, title: 备注}\n"})
    profile = write(tmp_path, {"p.yaml": "profile: {id: c1, year: 2024}\ncommunity: {note: 达到90%以上, 按时完成}\n"
                                         "members: {total: 1, trained: 1}\n"}) / "p.yaml"
    result = run(profile, "--pack", pack)
    assert ("p.yaml:2:28: error[unknown-key]: unknown key 'community.按时完成'\n  hint: a comma inside {note: ..., "
            "...} ends the text there; quote texts that contain commas: note: \"达到90%以上, 按时完成\""
            ) in result.output


def test_a_key_without_a_value_after_a_number_is_no_cut_text(pack, tmp_path):
    profile = write(tmp_path, {"p.yaml": "profile: {id: c1, year: 2024}\nmembers: {total: 1, trainde}\n"}) / "p.yaml"
    result = run(profile, "--pack", pack)
    assert "unknown key 'members.trainde'\n  hint: did you mean 'trained'?" in result.output
    assert "a comma inside" not in result.output


def test_a_comma_in_a_case_files_flow_style_text_gets_the_hint(pack):
    write(pack, {"tests/cases.yaml": CASES + "  - {name: 全部参训, 无缺席, "
                                             "profile: {members: {total: 1, trained: 1}}}\n"})
    result = run("pack", "check", pack)
    assert ("error[case-unknown-key]: unknown key '无缺席'\n  hint: a comma inside {name: ..., ...} ends the text "
            "there; quote texts that contain commas: name: \"全部参训, 无缺席\"") in result.output


@pytest.mark.parametrize(("meta", "said"), [
    ("{id: c1, yaer: 2024}", "unknown key 'profile.yaer'\n  hint: did you mean 'year'?"),
    ("{id: c1, zzz: 1, year: 2024}", "unknown key 'profile.zzz'\n  hint: keys of profile: id, name, subject, year, "
                                     "period, packs, description, data_source"),
    ("{period: {start: 2024-01-01, ned: 2024-12-31}}", "unknown key 'profile.period.ned'\n  hint: did you mean "
                                                       "'end'?"),
    ("{period: {start: 2024-01-01}}", "error[profile-meta]: missing required key 'end' in profile.period\n  hint: "
                                      "period: {start: 2024-07-01, end: 2025-06-30}"),
])
def test_the_keys_of_the_profile_block_are_named_where_they_are_wrong(pack, tmp_path, meta, said):
    profile = write(tmp_path, {"p.yaml": f"profile: {meta}\nmembers: {{total: 1, trained: 1}}\n"}) / "p.yaml"
    result = run(profile, "--pack", pack)
    assert result.exit_code == 2 and said in result.output, result.output
    assert "for each element" not in result.output
