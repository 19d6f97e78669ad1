"""Ranking the communities assessed by one pack, and grade quotas (优秀 ≤ x %) applied after ranking.

Rank order: by grade (the better grade first), then by total (higher first).
A vetoed or demoted community therefore ranks below every community of a
better grade, whatever its total — as Chinese assessments place them.

Ties: rows with the same grade and the same total (as shown, rounded as the
pack rounds) share a rank, and the next rank skips (1, 2, 2, 4). Within a
tie, rows are listed by profile id, then file, so the order never depends on
the order the profiles were assessed in.

Quotas: `excellent=30%` allows at most floor(30 % × the number of ranked
rows) rows in that grade (`excellent=3`: at most 3). Quotas apply after
ranking, best grade first; the rows beyond the quota, in rank order, move
down one grade (and count against that grade's quota, if it has one). A tie
at the boundary moves down as a whole — a quota says *at most* — so a quota
may admit fewer rows than it allows. Ranks do not change; every moved row
says which quota moved it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from engine.errors import Diagnostic, UsageError
from engine.expr.parser import is_ascii_digit
from engine.report.summary.model import QuotaMove, QuotaOut, SummaryGroup, SummaryRow


@dataclass(frozen=True)
class Quota:
    grade: str  # a grade id or title, as given
    limit: str  # as given: '30%' or '3'
    percent: Decimal | None = None
    count: int | None = None

    def allowed(self, population: int) -> int:
        if self.count is not None:
            return self.count
        if self.percent is None:
            raise ValueError(f"quota {self.grade!r} has neither a count nor a percent")
        return math.floor(Decimal(population) * self.percent / 100)


def parse_quota(text: str) -> Quota:
    """GRADE=N% or GRADE=COUNT, e.g. `excellent=30%`, `优秀=30%`, `excellent=3`."""
    grade, sep, limit = text.partition("=")
    grade, limit = grade.strip(), limit.strip()
    problem = None
    if not sep or not grade or not limit:
        problem = f"--quota expects GRADE=PERCENT% or GRADE=COUNT, got {text!r}"
    else:
        try:
            if not all(is_ascii_digit(c) or c in ".% " for c in limit):
                raise InvalidOperation  # Decimal() would read full-width digits; a quota is written 0-9
            if limit.endswith("%"):
                percent = Decimal(limit[:-1].strip())
                if 0 <= percent <= 100:
                    return Quota(grade, limit, percent=percent)
                problem = f"--quota {text!r}: a percentage between 0% and 100%"
            elif all(is_ascii_digit(c) for c in limit):
                return Quota(grade, limit, count=int(limit))
            else:
                problem = f"--quota {text!r}: the limit is a percentage (30%) or a whole number (3)"
        except InvalidOperation:
            problem = f"--quota {text!r}: {limit!r} is not a number written with the digits 0-9"
    raise UsageError([Diagnostic("--quota", 0, 0, "error", "usage", problem, hint="e.g. --quota excellent=30%")])


def grade_index(group: SummaryGroup, name: str) -> int | None:
    """A grade of the group by id or by title (either language)."""
    for index, grade in enumerate(group.grades):
        if name in (grade.id, grade.title.zh, grade.title.en):
            return index
    return None


def check_quotas(groups: list[SummaryGroup], quotas: list[Quota]) -> None:
    """Every quota names a grade, other than the lowest, of at least one ranked pack."""
    problems = []
    for quota in quotas:
        found = [(g, grade_index(g, quota.grade)) for g in groups]
        found = [(g, i) for g, i in found if i is not None]
        if groups and not found:
            names = sorted({x for g in groups for grade in g.grades for x in (grade.id, grade.title.zh)})
            problems.append(Diagnostic("--quota", 0, 0, "error", "unknown-grade",
                                       f"no ranked pack has a grade '{quota.grade}'",
                                       hint="grades: " + ", ".join(names)))
        elif any(i == len(g.grades) - 1 for g, i in found):
            problems.append(Diagnostic("--quota", 0, 0, "error", "usage",
                                       f"'{quota.grade}' is the lowest grade: there is no grade to move down to"))
    if problems:
        raise UsageError(problems)


def _tie_key(row: SummaryRow) -> tuple[int, float]:
    return (row.grade_index, -row.total)


def rank(rows: list[SummaryRow]) -> list[SummaryRow]:
    """The rows in rank order with `rank` set (competition ranking: 1, 2, 2, 4)."""
    ordered = sorted(rows, key=lambda r: (_tie_key(r), r.profile_id or "", r.file))
    previous = None
    for position, row in enumerate(ordered, 1):
        key = _tie_key(row)
        row.rank = previous[1] if previous is not None and previous[0] == key else position
        previous = (key, row.rank)
    return ordered


def apply_quotas(group: SummaryGroup, quotas: list[Quota]) -> None:
    """Move rows beyond each quota down a grade, best grade first (rows already ranked)."""
    population = len(group.rows)
    chosen = sorted(((grade_index(group, q.grade), q) for q in quotas), key=lambda pair: -1 if pair[0] is None
                    else pair[0])
    for index, quota in chosen:
        if index is None or index >= len(group.grades) - 1:
            continue
        grade, lower = group.grades[index], group.grades[index + 1]
        holders = [row for row in group.rows if row.grade_index == index]
        allowed = quota.allowed(population)
        report = QuotaOut(grade=grade.id, grade_title=grade.title, limit=quota.limit, allowed=allowed,
                          population=population)
        group.quotas.append(report)
        if len(holders) <= allowed:
            continue
        keep = allowed
        tied_rank = holders[allowed].rank
        if allowed > 0 and holders[allowed - 1].rank == tied_rank:
            while keep > 0 and holders[keep - 1].rank == tied_rank:
                keep -= 1  # the tie straddles the boundary: it moves down whole
        for row in holders[keep:]:
            row.computed_grade = row.computed_grade or row.grade
            row.quota = QuotaMove(grade_from=grade.id, grade_from_title=grade.title, grade_to=lower.id,
                                  grade_to_title=lower.title, limit=quota.limit, allowed=allowed,
                                  population=population, tie=row.rank == tied_rank and keep < allowed)
            row.grade, row.grade_title, row.grade_index = lower.id, lower.title, index + 1
            report.moved.append(row.file)
