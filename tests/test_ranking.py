"""Ranking: grade then total, ties share a rank, quotas applied after ranking (at most x %)."""

from __future__ import annotations

import pytest

from engine.batch.ranking import Quota, apply_quotas, check_quotas, parse_quota, rank
from engine.errors import UsageError
from engine.report.model import Text
from engine.report.summary.model import GroupGrade, SummaryGroup, SummaryRow

GRADES = [("excellent", "优秀"), ("good", "良好"), ("pass", "合格"), ("fail", "不合格")]


def group(rows) -> SummaryGroup:
    return SummaryGroup(pack="p", title=Text(zh="包", en="pack"),
                        grades=[GroupGrade(id=i, title=Text(zh=z, en=i)) for i, z in GRADES], dimensions=[],
                        rows=rank(rows))


def row(pid: str, total: float, grade: int) -> SummaryRow:
    gid, zh = GRADES[grade]
    return SummaryRow(file=f"{pid}.yaml", profile_id=pid, pack_version="1", total=total, max_total=100, grade=gid,
                      grade_title=Text(zh=zh, en=gid), grade_index=grade)


def test_grade_first_then_total_and_ties_share_a_rank():
    rows = rank([row("c", 85, 1), row("a", 95, 0), row("vetoed", 97, 3), row("b", 85, 1), row("d", 70, 2)])
    assert [(r.profile_id, r.rank) for r in rows] == [("a", 1), ("b", 2), ("c", 2), ("d", 4), ("vetoed", 5)]


def test_ties_are_listed_by_id_whatever_the_input_order():
    forward = rank([row("x", 80, 1), row("y", 80, 1), row("z", 80, 1)])
    backward = rank([row("z", 80, 1), row("y", 80, 1), row("x", 80, 1)])
    assert [r.profile_id for r in forward] == [r.profile_id for r in backward] == ["x", "y", "z"]
    assert {r.rank for r in forward} == {1}


@pytest.mark.parametrize("text, percent, count", [("excellent=30%", 30, None), ("优秀 = 12.5%", 12.5, None),
                                                  ("excellent=3", None, 3)])
def test_parse_quota(text, percent, count):
    quota = parse_quota(text)
    assert (float(quota.percent) if quota.percent is not None else None, quota.count) == (percent, count)


@pytest.mark.parametrize("text", ["excellent", "excellent=", "excellent=lots", "excellent=120%", "=3"])
def test_bad_quota_is_a_usage_error(text):
    with pytest.raises(UsageError) as info:
        parse_quota(text)
    assert info.value.diagnostics[0].file == "--quota"


def test_quota_moves_the_lowest_ranked_down_and_says_why():
    g = group([row(f"e{i}", 99 - i, 0) for i in range(5)] + [row(f"g{i}", 85 - i, 1) for i in range(5)])
    apply_quotas(g, [parse_quota("excellent=30%")])  # 30 % of 10 = 3
    excellent = [r.profile_id for r in g.rows if r.grade == "excellent"]
    moved = [r for r in g.rows if r.quota is not None]
    assert excellent == ["e0", "e1", "e2"]
    assert [r.profile_id for r in moved] == ["e3", "e4"]
    assert all(r.computed_grade == "excellent" and r.grade == "good" and r.grade_index == 1 for r in moved)
    assert moved[0].quota.allowed == 3 and moved[0].quota.population == 10 and moved[0].quota.limit == "30%"
    assert g.quotas[0].moved == ["e3.yaml", "e4.yaml"]
    assert [r.rank for r in g.rows] == list(range(1, 11))  # ranks do not change


def test_quota_rounds_down_and_a_tie_at_the_boundary_moves_whole():
    g = group([row("a", 95, 0), row("b", 92, 0), row("c", 92, 0), row("d", 80, 1), row("e", 70, 2),
               row("f", 60, 2), row("g", 50, 3)])
    apply_quotas(g, [parse_quota("优秀=30%")])  # floor(2.1) = 2, but b and c tie at the boundary
    assert [r.profile_id for r in g.rows if r.grade == "excellent"] == ["a"]
    tied = [r for r in g.rows if r.quota is not None]
    assert [r.profile_id for r in tied] == ["b", "c"] and all(r.quota.tie for r in tied)


def test_quotas_cascade_best_grade_first():
    g = group([row("a", 95, 0), row("b", 94, 0), row("c", 85, 1), row("d", 84, 1)])
    apply_quotas(g, [parse_quota("good=1"), parse_quota("excellent=1")])
    assert [(r.profile_id, r.grade) for r in g.rows] == [("a", "excellent"), ("b", "good"), ("c", "pass"),
                                                         ("d", "pass")]
    assert g.rows[2].quota.grade_from == "good" and g.rows[1].computed_grade == "excellent"


def test_quota_within_the_limit_moves_nobody():
    g = group([row("a", 95, 0), row("b", 85, 1)])
    apply_quotas(g, [Quota("excellent", "50%", percent=50)])
    assert all(r.quota is None for r in g.rows) and g.quotas[0].moved == []


def test_check_quotas_names_the_grades():
    g = group([row("a", 95, 0)])
    with pytest.raises(UsageError) as info:
        check_quotas([g], [parse_quota("outstanding=10%")])
    assert "unknown-grade" in str(info.value) and "excellent" in info.value.diagnostics[0].hint
    with pytest.raises(UsageError):
        check_quotas([g], [parse_quota("fail=10%")])  # nothing below the lowest grade
