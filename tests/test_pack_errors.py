"""Pack loading: every problem of a pack, each at its file:line:col, all reported together."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from minimal_pack import manifest

from engine.errors import PackError, UsageError
from engine.pack.build import load_pack
from engine.pack.dependencies import dependency_order

MANIFEST = manifest("parameters:\n  mark: {type: number, default: 60, title: 合格分}\n"
                    "  unset: {type: number, default: null, title: 未设置}\n")


INPUTS = """\
inputs:
  members.total: {type: integer, min: 0}
  members.trained: {type: integer, min: 0}
  homes: {type: list, items: {type: enum, values: [党员之家, 妇女之家]}}
  staff:
    type: list
    label: name
    items:
      type: object
      fields:
        name: {type: string}
        score: {type: number}
"""


def make_pack(tmp_path: Path, rules: str, *, manifest: str = MANIFEST, inputs: str = INPUTS) -> Path:
    root = tmp_path / "pack"
    (root / "rules").mkdir(parents=True)
    (root / "pack.yaml").write_text(manifest, encoding="utf-8")
    (root / "inputs.yaml").write_text(inputs, encoding="utf-8")
    (root / "rules" / "r.yaml").write_text(textwrap.dedent(rules), encoding="utf-8")
    return root


def problems(root: Path) -> list[tuple[str, int, int, str]]:
    with pytest.raises(PackError) as error:
        load_pack(root)
    return [(Path(d.file).name, d.line, d.col, d.code) for d in error.value.diagnostics]


def test_a_good_pack_loads(tmp_path):
    root = make_pack(tmp_path, """\
        dimension: D1
        rules:
          - id: R1
            title: 培训
            points: 10
            require: ratio(members.trained, members.total) >= 90%
    """)
    pack = load_pack(root)
    assert [r.id for r in pack.rules] == ["R1"]
    assert pack.rules[0].dimension == "D1"


def test_expression_errors_point_inside_the_value(tmp_path):
    root = make_pack(tmp_path, """\
        dimension: D1
        rules:
          - id: R1
            title: 培训
            points: 10
            require: ratio(members.traind, members.total) >= 90%
    """)
    [(file, line, col, code)] = problems(root)
    # 'require: ' starts at column 5; the name starts 6 characters into the value
    assert (file, line, col, code) == ("r.yaml", 6, 20, "expr-unknown-name")


def test_expression_error_in_a_block_scalar(tmp_path):
    root = make_pack(tmp_path, """\
        dimension: D1
        rules:
          - id: R1
            title: 培训
            points: 10
            require: |
              members.total > 0
                and members.trainedd > 1
    """)
    [(file, line, col, code)] = problems(root)
    assert (line, col, code) == (8, 13, "expr-unknown-name")


def test_all_problems_are_reported_together(tmp_path):
    root = make_pack(tmp_path, """\
        rules:
          - id: R1
            title: 甲
            points: 10
            dimension: D9
            require: members.total > 0
          - id: R1
            title: 乙
            dimension: D1
            points: 5
            require: members.total > 0
          - id: R2
            title: 丙
            dimension: D1
            points: 5
            requier: members.total > 0
          - id: R3
            title: 丁
            dimension: D1
            points: 5
            require: members.total > 0
            cite: {source: nope, quote: 原文}
    """)
    found = problems(root)
    codes = {code for *_, code in found}
    assert {"pack-unknown-key"} <= codes  # structure errors stop the file: fix them first
    # a structurally valid file shows all semantic problems at once
    root = make_pack(tmp_path / "second", """\
        rules:
          - id: R1
            title: 甲
            points: 10
            dimension: D9
            require: members.total > 0
          - id: R1
            title: 乙
            dimension: D1
            points: 5
            require: members.total > 0
          - id: R3
            title: 丁
            dimension: D1
            points: 5
            require: members.total > 0
            cite: {source: nope, quote: 原文}
    """)
    found = problems(root)
    assert ("r.yaml", 5, 16, "rule-dimension") in found
    assert ("r.yaml", 7, 9, "pack-duplicate") in found
    assert ("r.yaml", 17, 20, "rule-citation") in found


def test_unknown_key_gets_did_you_mean(tmp_path):
    root = make_pack(tmp_path, """\
        dimension: D1
        rules:
          - id: R1
            title: 甲
            points: 10
            requier: members.total > 0
    """)
    with pytest.raises(PackError) as error:
        load_pack(root)
    unknown = [d for d in error.value.diagnostics if d.code == "pack-unknown-key"]
    assert unknown and unknown[0].line == 6 and unknown[0].col == 5
    assert unknown[0].hint == "did you mean 'require'?"


@pytest.mark.parametrize("rule, fragment", [
    ("{id: R1, title: a, points: 1, require: 'members.total > 0', partial: '0.5'}", "exactly one way"),
    ("{id: R1, title: a, require: 'members.total > 0'}", "needs 'points'"),
    ("{id: R1, title: a, kind: veto, trigger: 'members.total > 0'}", "needs 'trigger' and 'severity'"),
    ("{id: R1, title: a, kind: penalty, points: 1, deduct: {count: members.total, per: 1}}", "no 'points'"),
    ("{id: R1, title: a, points: 1, for_each: staf, require: 'score > 1'}", "not a list of objects"),
    ("{id: R1, title: a, points: 1, roll_up: share, require: 'members.total > 0'}", "belongs to for_each"),
    ("{id: R1, title: a, kind: bonus, dimension: D1, points: 1, require: 'members.total > 0'}", "bonus pool"),
    ("{id: R1, title: a, points: 1, require: 'members.total'}", "must be a condition"),
    ("{id: R1, title: a, points: 1, partial: 'members.total > 1'}", "must be a number"),
])
def test_rule_shapes(tmp_path, rule, fragment):
    root = make_pack(tmp_path, f"dimension: D1\nrules:\n  - {rule}\n")
    with pytest.raises(PackError) as error:
        load_pack(root)
    assert any(fragment in d.message for d in error.value.diagnostics), error.value


def test_each_kind_of_rule_has_its_own_keys(tmp_path):
    root = make_pack(tmp_path, """\
        rules:
          - id: V1
            kind: veto
            title: 否决
            severity: fail
            trigger: members.total > 0
            points: 3
    """)
    with pytest.raises(PackError) as error:
        load_pack(root)
    [found] = error.value.diagnostics
    assert (found.line, found.col, found.code) == (7, 5, "pack-unknown-key")  # at the key
    assert found.message == "a veto rule has no 'points'"
    assert found.hint == "'points' is a key of item and bonus rules"


def test_an_unknown_kind_gets_did_you_mean(tmp_path):
    root = make_pack(tmp_path, "rules:\n  - {id: R1, title: a, kind: bonsu, points: 1}\n")
    with pytest.raises(PackError) as error:
        load_pack(root)
    [found] = error.value.diagnostics
    assert (found.line, found.col) == (2, 30) and "kind must be one of 'item', 'bonus'" in found.message
    assert found.hint == "did you mean 'bonus'?"


def test_grades_must_touch_and_descend(tmp_path):
    manifest = MANIFEST.replace("    - {id: bad, title: 差, below: 60}", "    - {id: bad, title: 差, below: 50}")
    root = make_pack(tmp_path, "rules: []\n", manifest=manifest)
    assert ("pack.yaml", 17, 7, "grade-bounds") in problems(root)


def test_percent_shares_are_accepted(tmp_path):
    manifest = MANIFEST.replace("{id: good, title: 好, at_least: 60}",
                                "{id: good, title: 好, at_least: 60, requires: {min_dimension_share: 60%}}")
    root = make_pack(tmp_path, "rules: []\n", manifest=manifest)
    assert str(load_pack(root).grades[0].requires.min_dimension_share) == "0.6"


def test_cycles_in_derived_values_and_met(tmp_path):
    inputs = INPUTS + "derived:\n  a: {expr: b + 1}\n  b: {expr: a + 1}\n"
    root = make_pack(tmp_path, "rules: []\n", inputs=inputs)
    assert any(code == "pack-cycle" for *_, code in problems(root))
    root = make_pack(tmp_path / "met", """\
        dimension: D1
        rules:
          - {id: R1, title: a, points: 1, require: "met('R2')"}
          - {id: R2, title: b, points: 1, require: "met('R1')"}
    """)
    assert any(code == "pack-cycle" for *_, code in problems(root))


def test_cycles_are_named_from_where_they_start(tmp_path):
    inputs = INPUTS + "derived:\n  a: {expr: b + 1}\n  b: {expr: c + 1}\n  c: {expr: b * 2}\n  d: {expr: d}\n"
    root = make_pack(tmp_path, "rules: []\n", inputs=inputs)
    with pytest.raises(PackError) as error:
        load_pack(root)
    cycles = sorted(d.message for d in error.value.diagnostics if d.code == "pack-cycle")
    assert cycles == ["derived values depend on each other: b → c → b", "derived values depend on each other: d → d"]


def test_dependency_order_keeps_the_written_order_where_it_can():
    graph = {"a": ["c"], "b": [], "c": [], "d": ["a", "unknown"]}
    assert dependency_order(graph, lambda cycle: pytest.fail(f"no cycle: {cycle}")) == ["b", "c", "a", "d"]
    found: list[list[str]] = []
    assert dependency_order({"x": ["y"], "y": ["x"], "z": []}, found.append) == ["y", "x", "z"]
    assert found == [["x", "y", "x"]]


def test_unset_parameters_mark_rules_not_assessed(tmp_path):
    root = make_pack(tmp_path, """\
        dimension: D1
        rules:
          - {id: R1, title: a, points: 1, require: members.total > params.unset}
          - {id: R2, title: b, points: 1, require: members.total > params.mark}
    """)
    pack = load_pack(root)
    assert pack.rule("R1").unset_params == ("unset",)
    assert pack.rule("R2").unset_params == ()
    assert load_pack(root, {"unset": 3}).rule("R1").unset_params == ()


def test_overrides_are_typed(tmp_path):
    root = make_pack(tmp_path, "rules: []\n")
    with pytest.raises(UsageError) as wrong_type:
        load_pack(root, {"mark": "sixty"})
    assert wrong_type.value.diagnostics[0].code == "parameter-type"
    with pytest.raises(UsageError) as unknown:
        load_pack(root, {"mrak": 1})
    assert unknown.value.diagnostics[0].hint == "did you mean 'mark'?"


def test_template_placeholders_are_checked(tmp_path):
    root = make_pack(tmp_path, """\
        dimension: D1
        rules:
          - id: R1
            title: a
            points: 1
            require: members.total > 0
            recommend: {zh: "还差{members.totl}人", en: "short by {members.total}"}
    """)
    [(file, line, col, code)] = problems(root)
    assert code == "expr-unknown-name" and line == 7


def test_missing_manifest_and_not_a_directory(tmp_path):
    with pytest.raises(PackError) as error:
        load_pack(tmp_path / "nowhere")
    assert error.value.diagnostics[0].code == "pack-not-found"
    (tmp_path / "empty").mkdir()
    with pytest.raises(PackError) as error:
        load_pack(tmp_path / "empty")
    assert error.value.diagnostics[0].code == "pack-manifest-missing"


def test_duplicate_yaml_keys_in_a_pack(tmp_path):
    root = make_pack(tmp_path, """\
        dimension: D1
        rules:
          - id: R1
            title: a
            points: 1
            points: 2
            require: members.total > 0
    """)
    assert ("r.yaml", 6, 5, "duplicate-key") in problems(root)


def test_input_names_and_shapes(tmp_path):
    inputs = INPUTS + "  members: {type: integer}\n  params.x: {type: integer}\n"
    root = make_pack(tmp_path, "rules: []\n", inputs=inputs)
    codes = [code for *_, code in problems(root)]
    assert "pack-input-shape" in codes and "pack-name" in codes


def test_met_in_a_derived_value_is_refused(tmp_path):
    """Derived values are computed before any rule is scored: met() there would always read 'not met'."""
    from typer.testing import CliRunner

    from engine.cli import app

    root = make_pack(tmp_path, textwrap.dedent("""\
        derived:
          trained_ok: {expr: "met('R1')"}
        rules:
          - {id: R1, title: 培训, dimension: D1, points: 100, require: members.trained >= 1}
        """))
    result = CliRunner().invoke(app, ["pack", "check", str(root)])
    assert result.exit_code == 2
    assert "error[expr-met]: met() cannot be used here: a derived value is computed before any rule is scored" \
        in result.stdout
