"""Ranking the communities assessed by one pack, and grade quotas (优秀 ≤ x %) applied after ranking.

Rank order: by grade (the better grade first), then by total (higher first).
A vetoed or demoted community therefore ranks below every community of a
better grade, whatever its total — as Chinese assessments place them.

Ungraded rows — the grade withheld (暂不评定) because too little could be
assessed or a veto cannot be decided for missing data — have no rank: they
are listed after every graded row (in the same order among themselves, by
the grade the data given would earn), and their note says why.

Ties: rows with the same grade and the same total (as shown, rounded as the
pack rounds) share a rank, and the next rank skips (1, 2, 2, 4). Within a
tie, rows are listed by profile id, then file, so the order never depends on
the order the profiles were assessed in.

Quotas: `excellent=30%` allows at most floor(30 % × the number of rows of
the table) rows in that grade (`excellent=3`: at most 3). Options after a
comma change what the share is of (`base=`: all rows, the graded ones, those
that passed, those at a grade or better — counted on the grades as assessed,
before any quota), how it is rounded (`round=floor|ceil|half_up`) and where
it is counted (`per=INPUT`: in each group of rows with the same value of a
declared input, such as a street). Quotas apply after ranking, best grade
first; the graded rows beyond the quota, in rank order, move down one grade
(and count against that grade's quota, if it has one). A tie at the boundary
moves down as a whole — a quota says *at most* — so a quota may admit fewer
rows than it allows. Ranks do not change; every moved row says which quota
moved it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from engine.errors import Diagnostic, UsageError
from engine.evaluation.quotas import ROUNDINGS, Limit, kept, pack_limit
from engine.expr.parser import is_ascii_digit
from engine.pack.model import Pack
from engine.pack.schema import quota_parameter
from engine.report.model import Text
from engine.report.summary.model import QuotaMove, QuotaOut, QuotaScope, SummaryGroup, SummaryRow

BASES = ("all", "graded", "passed")  # a base that is none of these names a grade
OPTIONS = ("base", "round", "per")
OPTIONS_HINT = "options: base=all|graded|passed|GRADE, round=floor|ceil|half_up, per=INPUT (e.g. per=community.type)"
SEPARATORS = re.compile("[,，]")  # a full-width comma is what a Chinese keyboard types


@dataclass(frozen=True)
class Quota:
    grade: str  # a grade id or title, as given
    limit: str  # as given: '30%' or '3'
    percent: Decimal | None = None
    count: int | None = None
    base: str = "all"  # all | graded | passed | a grade id or title
    rounding: str = "floor"
    per: str | None = None  # a declared input: the rows are grouped by its value
    text: str = ""  # the option as given, for messages
    origin: str = "--quota"  # where it is declared, for messages: the run, or a pack's scoring.grade_quotas

    def allowed(self, population: int) -> int:
        return Limit(self.limit, self.percent, self.count, self.rounding).allowed(population)

    @property
    def shown(self) -> str:
        return self.text or f"{self.grade}={self.limit}"


def _usage(problem: str, hint: str | None = "e.g. --quota excellent=30%") -> UsageError:
    return UsageError([Diagnostic("--quota", 0, 0, "error", "usage", problem, hint=hint)])


def parse_quota(text: str) -> Quota:
    """GRADE=N% or GRADE=COUNT, then options: `excellent=30%`, `优秀=20%,base=passed,round=ceil,per=community.type`."""
    head, *options = SEPARATORS.split(text)
    grade, limit, percent, count = _grade_and_limit(text, head)
    settings = _options(text, options)
    rounding = settings.get("round", "floor")
    if rounding not in ROUNDINGS:
        raise _usage(f"--quota {text!r}: round={rounding} is not a rounding",
                     hint="did you mean round=half_up (四舍五入)?" if rounding.strip().lower() == "round" else
                     "round=floor (the default), round=ceil or round=half_up (四舍五入)")
    if "round" in settings and count is not None:
        raise _usage(f"--quota {text!r}: round= applies to a percentage, and {limit} is a count", hint=None)
    return Quota(grade, limit, percent=percent, count=count, base=settings.get("base", "all"), rounding=rounding,
                 per=settings.get("per"), text=text.strip())


def _grade_and_limit(text: str, head: str) -> tuple[str, str, Decimal | None, int | None]:
    """GRADE=N% → (grade, '30%', 30, None); GRADE=COUNT → (grade, '3', None, 3)."""
    grade, sep, limit = head.partition("=")
    grade, limit = grade.strip(), limit.strip()
    if not sep or not grade or not limit:
        raise _usage(f"--quota expects GRADE=PERCENT% or GRADE=COUNT, got {text!r}")
    try:
        if not all(is_ascii_digit(c) or c in ".% " for c in limit):
            raise InvalidOperation  # Decimal() would read full-width digits; a quota is written 0-9
        if limit.endswith("%"):
            percent = Decimal(limit[:-1].strip())
            if 0 <= percent <= 100:
                return grade, limit, percent, None
            raise _usage(f"--quota {text!r}: a percentage between 0% and 100%")
        if all(is_ascii_digit(c) for c in limit):
            return grade, limit, None, int(limit)
        raise _usage(f"--quota {text!r}: the limit is a percentage (30%) or a whole number (3)")
    except InvalidOperation:
        raise _usage(f"--quota {text!r}: {limit!r} is not a number written with the digits 0-9") from None


def _options(text: str, options: list[str]) -> dict[str, str]:
    """`base=passed`, `round=ceil`, `per=community.type`: each once, each with a value."""
    settings: dict[str, str] = {}
    for option in options:
        name, sep, value = option.partition("=")
        name, value = name.strip(), value.strip()
        if name not in OPTIONS:
            raise _usage(f"--quota {text!r}: unknown option {option.strip()!r}", hint=OPTIONS_HINT)
        if not sep or not value:
            raise _usage(f"--quota {text!r}: {name}= needs a value", hint=OPTIONS_HINT)
        if name in settings:
            raise _usage(f"--quota {text!r}: {name}= is given twice", hint=None)
        settings[name] = value
    return settings


def grade_index(group: SummaryGroup, name: str) -> int | None:
    """A grade of the group by id or by title (either language)."""
    for index, grade in enumerate(group.grades):
        if name in (grade.id, grade.title.zh, grade.title.en):
            return index
    return None


# -- checks before any row moves ------------------------------------------------------------------

def check_quotas(groups: list[SummaryGroup], quotas: list[Quota]) -> None:
    """Every quota names a grade, other than the lowest, of at least one ranked pack; its base grade and the
    input it groups by are those of every such pack, and every row of those packs has a value to group by."""
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
        for group, _ in found:
            problems += _base_problems(group, quota) + _group_problems(group, quota)
    if problems:
        raise UsageError(problems)


def _base_problems(group: SummaryGroup, quota: Quota) -> list[Diagnostic]:
    if quota.base in BASES or grade_index(group, quota.base) is not None:
        return []
    names = ", ".join(x for grade in group.grades for x in (grade.id, grade.title.zh))
    return [Diagnostic("--quota", 0, 0, "error", "unknown-grade",
                       f"base={quota.base}: pack '{group.pack}' has no grade '{quota.base}'",
                       hint=f"base=all, graded, passed or a grade: {names}")]


def _group_problems(group: SummaryGroup, quota: Quota) -> list[Diagnostic]:
    """The input `per=` names is one the pack declares (a single value), and every row gives it."""
    if quota.per is None or not group.rows:
        return []
    if not any(quota.per in row.groups for row in group.rows):
        return [Diagnostic("--quota", 0, 0, "error", "quota-group",
                           f"per={quota.per}: pack '{group.pack}' has no input '{quota.per}' to group by",
                           hint="per= names an input that every ranked pack with the grade declares, holding "
                                "one value (e.g. community.type); rank other packs' profiles apart (--pack)")]
    return [Diagnostic(row.file, 0, 0, "error", "quota-group",
                       f"no value for '{quota.per}', which {quota.origin} {quota.shown} groups by",
                       hint=f"give '{quota.per}' in the profile; a quota is not counted in a group of unknowns")
            for row in group.rows if row.groups.get(quota.per) is None]


# -- a pack's own grade quotas ----------------------------------------------------------------------

def pack_quotas(pack: Pack) -> tuple[list[Quota], list[Text]]:
    """The pack's grade quotas (`scoring.grade_quotas`) as the batch applies them, and what it says of those
    whose limit is a parameter left unset (null): they move no one."""
    quotas: list[Quota] = []
    unset: list[Text] = []
    titles = {grade.id: grade.title for grade in pack.grades}
    for declared in pack.scoring.grade_quotas or []:
        limit = pack_limit(pack, declared.at_most, declared.round)
        if limit is None:
            param = pack.params[quota_parameter(declared.at_most) or ""].decl.title
            title = titles[declared.grade]
            unset.append(Text(zh=f"{title.zh}的比例限制（{param.zh}）未设定，未作调整",
                              en=f"the quota on {title.get('en')} ({param.get('en')}) is not set: nothing moved"))
            continue
        options = [f"base={declared.base}"] if declared.base != "all" else []
        options += [f"round={declared.round}"] if declared.round != "floor" else []
        options += [f"per={declared.per}"] if declared.per is not None else []
        quotas.append(Quota(declared.grade, limit.text, percent=limit.percent, count=limit.count,
                            base=declared.base, rounding=declared.round, per=declared.per,
                            text=",".join([f"{declared.grade}={limit.text}", *options]),
                            origin=f"pack '{pack.id}' quota"))
    return quotas, unset


def replaced(group: SummaryGroup, declared: list[Quota], run: list[Quota]) -> list[Quota]:
    """The pack's quotas that apply: a run's `--quota` on a grade replaces the pack's on that grade."""
    named = {grade_index(group, quota.grade) for quota in run}
    return [quota for quota in declared if grade_index(group, quota.grade) not in named]


# -- ranking -----------------------------------------------------------------------------------------

def _tie_key(row: SummaryRow) -> tuple[int, float]:
    return (row.grade_index, -row.total)


def rank(rows: list[SummaryRow]) -> list[SummaryRow]:
    """The rows in rank order with `rank` set (competition ranking: 1, 2, 2, 4); ungraded rows last, unranked."""
    ordered = sorted(rows, key=lambda r: (not r.graded, _tie_key(r), r.profile_id or "", r.file))
    previous = None
    for position, row in enumerate(ordered, 1):
        if not row.graded:
            row.rank = None
            continue
        key = _tie_key(row)
        row.rank = previous[1] if previous is not None and previous[0] == key else position
        previous = (key, row.rank)
    return ordered


# -- quotas ----------------------------------------------------------------------------------------

def apply_quotas(group: SummaryGroup, quotas: list[Quota]) -> None:
    """Move rows beyond each quota down a grade, best grade first (rows already ranked)."""
    chosen = sorted(((grade_index(group, q.grade), q) for q in quotas), key=lambda pair: -1 if pair[0] is None
                    else pair[0])
    for index, quota in chosen:
        if index is None or index >= len(group.grades) - 1:
            continue
        for value, rows in _partitions(group.rows, quota.per):
            _apply(group, quota, index, _scope(group, quota, value), rows)


def _partitions(rows: list[SummaryRow], per: str | None) -> Iterator[tuple[str | None, list[SummaryRow]]]:
    """The rows (in rank order) of each group a quota is counted in: all of them, or by the value of `per`."""
    if per is None:
        yield None, rows
        return
    values = sorted({row.groups[per] or "" for row in rows})  # check_quotas made sure each row has one
    for value in values:
        yield value, [row for row in rows if (row.groups[per] or "") == value]


def _scope(group: SummaryGroup, quota: Quota, value: str | None) -> QuotaScope:
    base, title = quota.base, None
    if base == "passed":
        title = group.grades[-2].title  # the lowest grade but one: the quota names a grade above the lowest
    elif base not in BASES:
        index = grade_index(group, base)
        assert index is not None  # check_quotas
        base, title = group.grades[index].id, group.grades[index].title
    return QuotaScope(base=base, base_title=title, rounding=quota.rounding, per=quota.per, group=value)


def _assessed_index(group: SummaryGroup, row: SummaryRow) -> int:
    """The row's grade before any quota moved it."""
    if row.computed_grade is None:
        return row.grade_index
    return next(i for i, grade in enumerate(group.grades) if grade.id == row.computed_grade)


def _population(group: SummaryGroup, scope: QuotaScope, rows: list[SummaryRow]) -> int:
    """The base a percentage is of, counted on the grades as assessed."""
    if scope.base == "all":
        return len(rows)
    graded = [_assessed_index(group, row) for row in rows if row.graded]
    if scope.base == "graded":
        return len(graded)
    best_counted = len(group.grades) - 2 if scope.base == "passed" else grade_index(group, scope.base)
    assert best_counted is not None  # _scope resolved the grade
    return sum(1 for index in graded if index <= best_counted)


def _apply(group: SummaryGroup, quota: Quota, index: int, scope: QuotaScope, rows: list[SummaryRow]) -> None:
    grade, lower = group.grades[index], group.grades[index + 1]
    population = _population(group, scope, rows)
    allowed = quota.allowed(population)
    report = QuotaOut(grade=grade.id, grade_title=grade.title, limit=quota.limit, allowed=allowed,
                      population=population, **scope.model_dump())
    group.quotas.append(report)
    holders = [row for row in rows if row.graded and row.grade_index == index]
    keep = kept([row.rank for row in holders], allowed)
    for row in holders[keep:]:
        row.computed_grade = row.computed_grade or row.grade
        row.quota = QuotaMove(grade_from=grade.id, grade_from_title=grade.title, grade_to=lower.id,
                              grade_to_title=lower.title, limit=quota.limit, allowed=allowed,
                              population=population, tie=keep < allowed and row.rank == holders[allowed].rank,
                              **scope.model_dump())
        row.grade, row.grade_title, row.grade_index = lower.id, lower.title, index + 1
        report.moved.append(row.file)
