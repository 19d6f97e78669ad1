"""The default backend gives the reference backend's answers, through the CLI where a user meets them.

Each group here was once a wrong answer or a crash of the durable backend:
numbers that reached durable in two forms (1 and 1.0 are different to its
joins), a value compared with itself, conditions computed in Python before the
rules they read with met() were scored, and packs refused for a durable limit
that crashed `assess` instead of pointing at the rule.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from minimal_pack import manifest
from typer.testing import CliRunner

from engine.backends import durable_available
from engine.cli import app

ROOT = Path(__file__).resolve().parent.parent
runner = CliRunner()
pytestmark = pytest.mark.skipif(not durable_available()[0], reason="durable-rules is not installed here")

MANIFEST = manifest("parameters:\n  two: {type: number, default: 2.0, title: 二}\n"
                    "  on: {type: boolean, default: true, title: 开}\n"
                    "  day: {type: date, default: 2024-03-01, title: 日}\n",
                    grades="    - {id: good, title: 好, at_least: 60, requires: {no_veto: true}}\n"
                           "    - {id: bad, title: 差, below: 60}\n")


INPUTS = """\
inputs:
  n: {type: integer}
  m: {type: integer}
  x: {type: number}
  p: {type: percent}
  b: {type: boolean}
  d: {type: date}
  staff:
    type: list
    label: name
    items:
      type: object
      fields:
        name: {type: string, required: true}
        k: {type: integer}
        ok: {type: boolean}
        when: {type: date}
"""


def write_pack(root: Path, rules: str, derived: str = "") -> Path:
    pack = root / "pack"
    pack.mkdir(parents=True)
    (pack / "pack.yaml").write_text(MANIFEST, encoding="utf-8")
    body = INPUTS + textwrap.dedent(derived) + "rules:\n" + textwrap.indent(textwrap.dedent(rules), "  ")
    (pack / "body.yaml").write_text(body, encoding="utf-8")
    return pack


def write_profile(root: Path, name: str, values: str) -> Path:
    path = root / f"{name}.yaml"
    path.write_text(f"profile: {{id: {name}, name: {name}, subject: community, year: 2024}}\n"
                    + textwrap.dedent(values), encoding="utf-8")
    return path


def assess(profile: Path, pack: Path, backend: str, *extra: str):
    return runner.invoke(app, [str(profile), "--pack", str(pack), "--backend", backend, *extra])


def outcomes(profile: Path, pack: Path, backend: str) -> dict[str, object]:
    result = assess(profile, pack, backend, "--format", "json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)["results"][0]
    found: dict[str, object] = {f["rule"]: f["outcome"] for f in data["findings"]}
    found["grade"] = data["grade"]["id"]
    return found


def both(profile: Path, pack: Path) -> dict[str, object]:
    """The outcomes (and the grade), the same on both backends."""
    reference, durable = outcomes(profile, pack, "reference"), outcomes(profile, pack, "durable")
    assert durable == reference
    return reference


# ---- numbers reach durable in one form --------------------------------------------------------------

def test_an_integer_valued_decimal_from_if_equals_an_integer_input(tmp_path):
    pack = write_pack(tmp_path, """\
        - {id: R1, title: 一, dimension: D1, points: 10, require: "n == if(m > 2, 1.0, 7)"}
        - {id: V1, title: 否决, kind: veto, trigger: "if(b, 1.0, m) == n", severity: fail}
    """)
    profile = write_profile(tmp_path, "p", "n: 1\nm: 5\nb: true\n")
    assert both(profile, pack) == {"R1": "met", "V1": "not_met", "grade": "bad"}  # not_met: the veto applies
    assert assess(profile, pack, "durable", "--fail-on-veto").exit_code == 1


@pytest.mark.parametrize("condition", [
    "if(b, 1.0, 0) == n",  # two profile values: a join
    "n - 0 == if(b, 1.0, 0)",  # two values computed in Python
    "p == if(b, 1.0, 0)",  # a percent input of 100 %
    "dx == n",  # a derived value holding 1.0
    "m - 3 == if(b, params.two, 0)",  # a parameter written 2.0
    "2 in collect(staff, if(ok, 2.0, k))",  # list elements
    "if(b, d, params.day) == d",  # dates
])
def test_numbers_from_any_expression_compare_alike(tmp_path, condition):
    rule = f"- {{id: R1, title: 一, dimension: D1, points: 10, require: {json.dumps(condition)}}}\n"
    pack = write_pack(tmp_path, rule, derived="derived:\n  dx: {expr: 'max(x, 1.0)'}\n")
    profile = write_profile(tmp_path, "p", """\
        n: 1
        m: 5
        x: 0.5
        p: 100%
        b: true
        d: 2024-05-01
        staff: [{name: 甲, k: 1, ok: true}]
    """)
    assert both(profile, pack)["R1"] == "met"


def test_an_element_field_equals_a_decimal_computed_for_the_profile(tmp_path):
    pack = write_pack(tmp_path, """\
        - {id: R1, title: 一, dimension: D1, points: 10, for_each: staff, require: "k == if(b, 2.0, 0)"}
    """)
    profile = write_profile(tmp_path, "p", "b: true\nstaff: [{name: 甲, k: 2}, {name: 乙, k: 3}]\n")
    result = assess(profile, pack, "durable", "--format", "json")
    subjects = json.loads(result.stdout)["results"][0]["findings"][0]["subjects"]
    assert [s["outcome"] for s in subjects] == ["met", "not_met"]
    assert both(profile, pack)["R1"] == "not_met"


def test_a_boolean_parameter_inside_any_is_a_constant_not_a_refused_pack(tmp_path):
    pack = write_pack(tmp_path, """\
        - {id: R1, title: 一, dimension: D1, points: 1, require: "any(staff, params.on and k > 1)"}
        - {id: R2, title: 二, dimension: D1, points: 1, require: "any(staff, not params.on or ok)"}
    """)
    checked = runner.invoke(app, ["pack", "check", str(pack)])
    assert checked.exit_code == 0, checked.stdout
    profile = write_profile(tmp_path, "p", "staff: [{name: 甲, k: 2, ok: false}]\n")
    assert both(profile, pack) == {"R1": "met", "R2": "not_met", "grade": "bad"}


def test_a_bonus_per_element_counts_the_qualifying_elements(tmp_path):
    """`award: {per, cap}` on a for_each bonus (no `require`): each element that qualifies (`where`) counts."""
    pack = write_pack(tmp_path, """\
        - {id: R1, title: 一, dimension: D1, points: 1, require: "b"}
        - {id: B1, title: 奖, kind: bonus, for_each: staff, where: "k > 1", award: {per: 1, cap: 3}}
    """)
    profile = write_profile(tmp_path, "p", "b: true\nstaff: [{name: 甲, k: 2}, {name: 乙, k: 0}, {name: 丙, k: 5}]\n")
    assert both(profile, pack)["B1"] == "met"
    result = assess(profile, pack, "durable", "--format", "json")
    bonus = json.loads(result.stdout)["results"][0]["findings"][1]
    assert (bonus["earned"], bonus["occurrences"]) == (2.0, 2)


# ---- a value compared with itself ------------------------------------------------------------------

SELF = """\
- {id: EQ, title: 等, dimension: D1, points: 1, require: "m == m"}
- {id: NE, title: 不等, dimension: D1, points: 1, require: "m != m"}
- {id: LT, title: 小, dimension: D1, points: 1, require: "m < m"}
- {id: LE, title: 不大, dimension: D1, points: 1, require: "m <= m"}
- {id: DD, title: 日, dimension: D1, points: 1, require: "d >= d"}
- {id: FE, title: 每人, dimension: D1, points: 1, for_each: staff, require: "k == k"}
- {id: FN, title: 每人不等, dimension: D1, points: 1, for_each: staff, require: "when > when"}
- {id: SY, title: 算式, dimension: D1, points: 1, require: "(m + 1) == (m + 1)"}
"""


def test_pack_check_and_compile_accept_a_value_compared_with_itself(tmp_path):
    pack = write_pack(tmp_path, SELF)
    checked = runner.invoke(app, ["pack", "check", str(pack)])
    assert checked.exit_code == 0, checked.stdout + checked.stderr
    compiled = runner.invoke(app, ["pack", "compile", str(pack)])
    assert compiled.exit_code == 0, compiled.stderr
    assert "EQ require: m == m" in compiled.stdout


def test_a_value_compared_with_itself_is_true_or_false_when_given(tmp_path):
    pack = write_pack(tmp_path, SELF)
    profile = write_profile(tmp_path, "given", "m: 3\nd: 2024-01-01\nstaff: [{name: 甲, k: 1, when: 2024-02-01}]\n")
    assert both(profile, pack) == {"EQ": "met", "NE": "not_met", "LT": "not_met", "LE": "met", "DD": "met",
                                   "FE": "met", "FN": "not_met", "SY": "met", "grade": "good"}


def test_a_missing_value_compared_with_itself_is_missing_data_not_true(tmp_path):
    pack = write_pack(tmp_path, SELF)
    profile = write_profile(tmp_path, "missing", "staff: [{name: 甲}]\n")
    found = both(profile, pack)
    assert set(found.values()) == {"missing_data", "bad"}
    result = assess(profile, pack, "durable", "--format", "json")
    missing = {f["rule"]: f["missing_inputs"] for f in json.loads(result.stdout)["results"][0]["findings"]}
    assert missing["EQ"] == ["m"] and missing["FE"] == ["staff[].k"]


# ---- values computed from met() ------------------------------------------------------------------------

MET = """\
- {id: R0, title: 先, dimension: D1, points: 1, require: "n > 0"}
- {id: V1, title: 否决, kind: veto, trigger: "met('R0') == b", severity: fail}
- {id: R2, title: 读, dimension: D1, points: 1, require: "if(met('R0'), n, m) > 0"}
- {id: R3, title: 每人, dimension: D1, points: 1, for_each: staff, require: "if(met('R0'), k, 0) > 0"}
- {id: R4, title: 缺, dimension: D1, points: 1, require: "if(met('R0'), m, n) > 0"}
- id: R5
  title: 档
  dimension: D1
  points: 2
  tiers: [{when: "(not met('R0')) == b", points: 2}, {when: "b", credit: 50%}]
"""


def test_conditions_computed_from_met_read_the_outcome_of_the_rule(tmp_path):
    pack = write_pack(tmp_path, MET)
    profile = write_profile(tmp_path, "p", "n: 1\nb: true\nstaff: [{name: 甲, k: 1}]\n")
    assert both(profile, pack) == {"R0": "met", "V1": "not_met", "R2": "met", "R3": "met", "R4": "missing_data",
                                   "R5": "partly_met", "grade": "bad"}
    result = assess(profile, pack, "durable", "--format", "json")
    missing = {f["rule"]: f["missing_inputs"] for f in json.loads(result.stdout)["results"][0]["findings"]}
    assert missing["R4"] == ["m"]  # the branch taken, not n
    assert assess(profile, pack, "durable", "--fail-on-veto").exit_code == 1


# ---- conditions too big for one durable rule --------------------------------------------------------------

def test_a_condition_reading_more_inputs_than_a_durable_rule_takes_is_matched_as_one_value(tmp_path):
    """durable_rules takes 16 patterns (one per input read) in a rule: 18 checklist items are not a pack error."""
    names = [f"c{i}" for i in range(18)]
    pack = tmp_path / "pack"
    pack.mkdir()
    (pack / "pack.yaml").write_text(MANIFEST, encoding="utf-8")
    condition = " and ".join(names)
    rules = (f"  - {{id: ALL, title: 全, dimension: D1, points: 1, require: {condition}}}\n"
             f"  - {{id: ANY, title: 任, dimension: D1, points: 1, require: not ({condition})}}\n")
    inputs = "".join(f"  {n}: {{type: boolean}}\n" for n in names)
    (pack / "body.yaml").write_text(f"inputs:\n{inputs}rules:\n{rules}", encoding="utf-8")
    checked = runner.invoke(app, ["pack", "check", str(pack)])
    assert checked.exit_code == 0, checked.stdout
    all_true = write_profile(tmp_path, "all", "".join(f"{n}: true\n" for n in names))
    assert both(all_true, pack) == {"ALL": "met", "ANY": "not_met", "grade": "bad"}
    one_missing = write_profile(tmp_path, "one", "".join(f"{n}: true\n" for n in names[1:]))
    assert both(one_missing, pack) == {"ALL": "missing_data", "ANY": "missing_data", "grade": "bad"}
    result = assess(one_missing, pack, "durable", "--format", "json")
    assert json.loads(result.stdout)["results"][0]["findings"][0]["missing_inputs"] == ["c0"]


# ---- packs refused for a limit of durable_rules ------------------------------------------------------

def limit_pack(root: Path) -> Path:
    """600 rules testing one input against 600 constants: more children of one network node than durable holds."""
    rules = "".join(f"- {{id: R{i}, title: t{i}, dimension: D1, points: 1, require: 'n == {i}'}}\n"
                    for i in range(600))
    return write_pack(root, rules)


def first_rule(pack: Path, rule: str = "R0") -> str:
    """The diagnostic's head, positioned at the rule (where `pack check` puts it)."""
    lines = (pack / "body.yaml").read_text(encoding="utf-8").splitlines()
    line = next(i for i, text in enumerate(lines, 1) if f"{{id: {rule}," in text)
    return f"body.yaml:{line}:{lines[line - 1].index(f'{{id: {rule},') + 1}: error[pack-limit]: rule '{rule}'"


def test_pack_check_refuses_a_pack_over_a_durable_limit_at_the_rule(tmp_path):
    pack = limit_pack(tmp_path)
    result = runner.invoke(app, ["pack", "check", str(pack)])
    assert result.exit_code == 2
    assert first_rule(pack) in result.stdout + result.stderr


def test_assess_refuses_it_with_the_same_positioned_error(tmp_path):
    pack = limit_pack(tmp_path)
    profile = write_profile(tmp_path, "p", "n: 3\n")
    result = assess(profile, pack, "durable")
    assert result.exit_code == 2, result.stderr
    assert first_rule(pack) in result.stderr and "internal error" not in result.stderr
    assert assess(profile, pack, "reference").exit_code == 0  # the reference backend has no such limit


def test_a_batch_is_refused_up_front_without_a_traceback(tmp_path):
    pack = limit_pack(tmp_path)
    profiles = [write_profile(tmp_path, name, f"n: {n}\n") for name, n in (("p", 3), ("q", 4))]
    done = subprocess.run([sys.executable, "-m", "engine", *map(str, profiles), "--pack", str(pack),
                           "--backend", "durable", "-j", "1"], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr and "internal error" not in done.stderr
    assert first_rule(pack) in done.stderr


def test_too_many_rules_are_refused_at_the_first_rule_past_the_limit(tmp_path):
    rules = "".join(f"- {{id: R{i}, title: t{i}, dimension: D1, points: 1, require: 'n > {i % 7}'}}\n"
                    for i in range(5000))
    pack = write_pack(tmp_path, rules)
    checked = runner.invoke(app, ["pack", "check", str(pack)])
    assert checked.exit_code == 2 and first_rule(pack, "R4000") in checked.stdout
    result = assess(write_profile(tmp_path, "p", "n: 3\n"), pack, "durable")
    assert result.exit_code == 2 and first_rule(pack, "R4000") in result.stderr
    assert "5000 durable rules" in result.stderr and "--backend reference" in result.stderr
