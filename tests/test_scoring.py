"""Scores, grades and the path to the next grade."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from engine.api.engine import Engine
from engine.pack.build import load_pack

PACK = """\
pack: {id: s, version: 1, title: 计分, subject: community, edition: test}
dimensions:
  - {id: A, title: 甲, weight: 60}
  - {id: B, title: 乙, weight: 40}
scoring:
  not_applicable: {policy}
  bonus_cap: 3
  grades:
    - {id: top, title: 优, above: 90, requires: {min_dimension_share: 90%}}
    - {id: mid, title: 良, at_least: 60, at_most: 90}
    - {id: low, title: 差, below: 60}
inputs:
  a1: {type: boolean}
  a2: {type: boolean}
  a3: {type: integer, min: 0}
  b1: {type: boolean}
  b2: {type: boolean}
  n: {type: integer, min: 0}
  p: {type: integer, min: 0}
  x: {type: integer, min: 0}
  fail: {type: boolean}
  noaward: {type: boolean}
  fraction: {type: ratio}
rules:
  - {id: A1, dimension: A, title: a1, points: 10, require: a1}
  - {id: A2, dimension: A, title: a2, points: 10, applies_when: a3 > 0, require: a2}
  - {id: A3, dimension: A, title: a3, points: 10, partial: fraction}
  - {id: B1, dimension: B, title: b1, points: 5, require: b1}
  - {id: B2, dimension: B, title: b2, points: 5, applies_when: n > 0, require: b2}
  - {id: P, kind: penalty, dimension: B, title: p, deduct: {count: p, per: 3}}
  - {id: X, kind: bonus, title: x, award: {count: x, per: 1}}
  - {id: V1, kind: veto, severity: fail, title: v1, trigger: fail}
  - {id: V2, kind: veto, severity: no_award, title: v2, trigger: noaward}
"""


def engine(tmp_path: Path, policy: str = "exclude") -> Engine:
    root = tmp_path / policy
    root.mkdir(exist_ok=True)
    (root / "pack.yaml").write_text(PACK.replace("{policy}", policy), encoding="utf-8")
    return Engine([load_pack(root)], backend="reference")


def result(engine: Engine, **values):
    base = {"a1": True, "a2": True, "a3": 1, "b1": True, "b2": True, "n": 1, "p": 0, "x": 0, "fail": False,
            "noaward": False, "fraction": 1}
    base.update(values)
    profile = engine.schema.validate_data({k: v for k, v in base.items() if v is not None}, "p.yaml")
    return engine.assess(profile).results[0]


def dims(res) -> dict[str, float]:
    return {d.id: d.score for d in res.dimensions}


def test_full_marks(tmp_path):
    res = result(engine(tmp_path))
    assert res.total == 100 and res.grade.id == "top" and res.coverage == 1


def test_not_applicable_policies(tmp_path):
    # A2 does not apply (a3 = 0) and A1 fails
    exclude = result(engine(tmp_path, "exclude"), a3=0, a1=False)
    assert dims(exclude)["A"] == 30  # 10 of 20 applicable points -> half of 60
    zero = result(engine(tmp_path, "zero"), a3=0, a1=False)
    assert dims(zero)["A"] == 20  # 10 of 30 -> a third of 60
    full = result(engine(tmp_path, "full"), a3=0, a1=False)
    assert dims(full)["A"] == 40  # 20 of 30


def test_partial_credit(tmp_path):
    res = result(engine(tmp_path), fraction="25%")
    assert dims(res)["A"] == 45  # 10 + 10 + 2.5 of 30 -> 45 of 60


def test_penalty_floor_is_zero_per_dimension(tmp_path):
    res = result(engine(tmp_path), p=20, x=5, b1=False, b2=False)  # B earns 0, penalty 60 → floor 0
    assert dims(res)["B"] == 0
    assert res.deductions.dimensions == 60
    assert res.total == 60 + 3  # bonus capped at 3


def test_bonus_cap(tmp_path):
    res = result(engine(tmp_path), x=1)
    assert res.bonus.raw == 1 and res.bonus.awarded == 1
    res = result(engine(tmp_path), x=5)
    assert res.bonus.raw == 5 and res.bonus.awarded == 3


def test_exclusive_top_bound(tmp_path):
    # 90 exactly is not 'above 90'
    res = result(engine(tmp_path), b1=False, b2=False)
    assert res.total == 60  # B = 0
    res = result(engine(tmp_path), fraction="50%", a1=True)
    assert res.total == 90 and res.grade.id == "mid"


def test_whole_dimension_not_applicable_is_rescaled(tmp_path):
    eng = engine(tmp_path)
    root = tmp_path / "exclude"
    text = (root / "pack.yaml").read_text(encoding="utf-8").replace(
        "{id: B1, dimension: B, title: b1, points: 5, require: b1}",
        "{id: B1, dimension: B, title: b1, points: 5, applies_when: n > 0, require: b1}")
    (root / "pack.yaml").write_text(text, encoding="utf-8")
    eng = Engine([load_pack(root)], backend="reference")
    res = result(eng, n=0)
    b = next(d for d in res.dimensions if d.id == "B")
    assert not b.counted and res.total == 100  # A alone, scaled to the pack total


def test_vetoes(tmp_path):
    res = result(engine(tmp_path), fail=True)
    assert res.grade.id == "low" and res.total == 100 and [v.rule for v in res.vetoes] == ["V1"]
    assert res.next_grade.blocked_by == ["veto_fail"]
    res = result(engine(tmp_path), noaward=True)
    assert res.grade.id == "mid" and res.awards_barred
    assert [d.reason for d in res.grade.demoted_from] == ["veto_no_award"]
    assert res.next_grade.target == "top" and res.next_grade.blocked_by == ["veto_no_award"]


def test_dimension_minimum_demotes_and_the_path_fixes_it(tmp_path):
    # B at 85 % of its weight: the total 94 is above 90, but B is below the 90 % minimum
    res = result(engine(tmp_path), p=2)
    assert dims(res)["B"] == 34 and res.total == 94
    assert res.grade.id == "mid" and [d.reason for d in res.grade.demoted_from] == ["dimension_minimum"]
    assert res.next_grade.target == "top" and not res.next_grade.reachable  # deductions cannot be undone
    res = result(engine(tmp_path), b1=False)
    assert dims(res)["B"] == 20 and res.total == 80 and res.grade.id == "mid"
    path = res.next_grade
    assert path.target == "top" and path.reachable and [i.rule for i in path.items] == ["B1"]
    assert path.total_after == 100


def test_missing_data_counts_against_coverage_not_the_denominator(tmp_path):
    res = result(engine(tmp_path), a1=None)
    a1 = next(f for f in res.findings if f.rule == "A1")
    assert a1.outcome == "missing_data" and a1.missing_inputs == ["a1"]
    assert dims(res)["A"] == 40  # 20 of 30: missing data earns nothing but stays in the denominator
    assert res.coverage == pytest.approx(30 / 40)  # A1's 10 of 40 declared points cannot be assessed
    assert [m.path for m in res.missing_inputs] == ["a1"]


def test_recommendations_rank_by_recoverable_points(tmp_path):
    res = result(engine(tmp_path), a1=False, b1=False, n=0, fraction="50%")
    ranked = [(r.rule, r.recoverable) for r in res.recommendations]
    # B2 does not apply (n = 0), so B's 40 points rest on B1's 5: each of its points is worth 8
    assert ranked == [("B1", 40), ("A1", 20), ("A3", 10)]


def test_the_grade_uses_the_total_as_shown(tmp_path):
    root = tmp_path / "r"
    root.mkdir()
    (root / "pack.yaml").write_text(textwrap.dedent("""\
        pack: {id: r, version: 1, title: 取整, subject: community, edition: test}
        dimensions: [{id: A, title: 甲, weight: 100}]
        scoring:
          grades:
            - {id: top, title: 优, at_least: 90}
            - {id: low, title: 差, below: 90}
        inputs: {f: {type: ratio}}
        rules:
          - {id: A1, dimension: A, title: a, points: 100, partial: f}
    """), encoding="utf-8")
    eng = Engine([load_pack(root)], backend="reference")
    res = eng.assess(eng.schema.validate_data({"f": "89.995%"}, "p")).results[0]
    assert res.total == 90 and res.grade.id == "top"  # 89.995 shown as 90.00, graded as shown


def test_recoverable_points_respect_the_floor(tmp_path):
    # B1 fails and deductions exceed what B earns: meeting B1 (worth 20) leaves B at max(0, 40 - 60) = 0
    res = result(engine(tmp_path), b1=False, p=20)
    assert dims(res)["B"] == 0
    assert all(r.rule != "B1" for r in res.recommendations)
    # with smaller deductions the gain is what the floor allows: B from max(0, 20 - 27) = 0 to 40 - 27 = 13
    res = result(engine(tmp_path), b1=False, p=9)
    assert dims(res)["B"] == 0
    assert {r.rule: r.recoverable for r in res.recommendations}["B1"] == 13
