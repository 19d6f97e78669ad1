"""Dates and dated events: date, year, month, days_between, years_between, months_between, add_years,
add_months, in_period, periods, per_period, periods_meeting, shortfall."""

from __future__ import annotations

import calendar
import datetime as dt
import functools

from engine.errors import did_you_mean
from engine.expr import ast
from engine.expr import types as T
from engine.expr import values as V
from engine.expr.errors import ExprError
from engine.expr.functions.registry import (
    UNITS,
    TypeChecker,
    _arity,
    _expect,
    _expect_list,
    _literal_string,
    _literal_value,
    _string_literal,
    function,
)
from engine.expr.runtime import Env, Period, Thunk
from engine.expr.values import Value

# -- dates and events ------------------------------------------------------------------

def _check_date(checker: TypeChecker, call: ast.Call, scope: T.Scope) -> T.Type:
    _arity(call, 1)
    argument = _string_literal(call.args[0], "the argument of date()")
    try:
        argument.parsed_date = dt.date.fromisoformat(argument.value)
    except ValueError:
        raise ExprError("expr-type", f"{argument.value!r} is not a date written as YYYY-MM-DD", argument.start,
                        argument.end) from None
    return T.DATE


def _build_date(call: ast.Call, args: list[Thunk]) -> Thunk:
    value = _string_literal(call.args[0], "the argument of date()").parsed_date
    return lambda env: value


function("date", "('YYYY-MM-DD')", "a date")((_check_date, _build_date))


def _check_date_part(checker: TypeChecker, call: ast.Call, scope: T.Scope) -> T.Type:
    _arity(call, 1)
    _expect(checker, call.args[0], scope, T.DATE, f"the argument of {call.name}()")
    return T.INTEGER


def _build_date_part(call: ast.Call, args: list[Thunk]) -> Thunk:
    (arg,) = args
    attr = call.name

    def run(env: Env) -> Value:
        value = arg(env)
        return value if V.is_unknown(value) else getattr(value, attr)

    return run


function("year", "(date)", "the year of a date")((_check_date_part, _build_date_part))
function("month", "(date)", "the month (1..12) of a date")((_check_date_part, _build_date_part))


def _check_days_between(checker: TypeChecker, call: ast.Call, scope: T.Scope) -> T.Type:
    _arity(call, 2)
    _expect(checker, call.args[0], scope, T.DATE, "the first argument of days_between()")
    _expect(checker, call.args[1], scope, T.DATE, "the second argument of days_between()")
    return T.INTEGER


def _build_days_between(call: ast.Call, args: list[Thunk]) -> Thunk:
    first, second = args

    def run(env: Env) -> Value:
        a, b = first(env), second(env)
        unknown = V.unknown_of(a, b)
        return unknown if unknown is not None else (b - a).days

    return run


function("days_between", "(from, to)", "number of days from the first date to the second")(
    (_check_days_between, _build_days_between))


# -- calendar arithmetic -------------------------------------------------------------------
# Years and months are counted on the calendar, not as 365 or 30 days, the way 民法典 arts. 200–202 count
# periods: n months after a day is the day with the same number n months later, and where that month is
# too short (31 January + 1 month, 29 February + 1 year) the last day of that month. The whole months from one
# day to another are the most months that can be added to the first without passing the second (an age),
# so a span and a shifted date always agree: months_between(a, b) >= n exactly when add_months(a, n) <= b.

class _DateOutOfRange(ArithmeticError):
    """A shifted date before year 1 or after year 9999 (a Python date's range)."""


def add_months(day: dt.date, months: int) -> dt.date:
    """The day `months` calendar months later (earlier when negative), clamped to the end of a shorter month."""
    year, month_index = divmod(day.year * 12 + day.month - 1 + months, 12)
    if not dt.MINYEAR <= year <= dt.MAXYEAR:
        raise _DateOutOfRange(f"{day} + {months} months")
    month = month_index + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def whole_months(start: dt.date, end: dt.date) -> int:
    """The most months n with add_months(start, n) <= end: the months completed from start to end, like an
    age; negative as soon as end is before start (-1 for up to a month before)."""
    months = (end.year - start.year) * 12 + end.month - start.month  # lands in end's month: always a date
    return months - 1 if add_months(start, months) > end else months


def _check_span(checker: TypeChecker, call: ast.Call, scope: T.Scope) -> T.Type:
    _arity(call, 2)
    _expect(checker, call.args[0], scope, T.DATE, f"the first argument of {call.name}()")
    _expect(checker, call.args[1], scope, T.DATE, f"the second argument of {call.name}()")
    return T.INTEGER


def _build_span(call: ast.Call, args: list[Thunk]) -> Thunk:
    first, second = args
    months_per_unit = 12 if call.name == "years_between" else 1

    def run(env: Env) -> Value:
        a, b = first(env), second(env)
        unknown = V.unknown_of(a, b)
        # whole years: the most n with add_months(a, 12 n) <= b, so the whole months floored to twelves
        return unknown if unknown is not None else whole_months(a, b) // months_per_unit

    return run


function("years_between", "(from, to)", "whole years from the first date to the second, counted like an age "
         "(negative when the second is earlier: -1 for up to a year)")((_check_span, _build_span))
function("months_between", "(from, to)", "whole months from the first date to the second, counted like an "
         "age (negative when the second is earlier: -1 for up to a month)")((_check_span, _build_span))


def _check_shift(checker: TypeChecker, call: ast.Call, scope: T.Scope) -> T.Type:
    _arity(call, 2)
    _expect(checker, call.args[0], scope, T.DATE, f"the first argument of {call.name}()")
    _expect(checker, call.args[1], scope, T.INTEGER, f"the number of {call.name[4:]} of {call.name}()")
    return T.DATE


def _build_shift(call: ast.Call, args: list[Thunk]) -> Thunk:
    date_fn, count_fn = args
    months_per_unit = 12 if call.name == "add_years" else 1

    def run(env: Env) -> Value:
        day, count = date_fn(env), count_fn(env)
        unknown = V.unknown_of(day, count)
        if unknown is not None:
            return unknown
        try:
            return add_months(day, count * months_per_unit)
        except _DateOutOfRange:
            env.na = True  # no such date: like a number out of range, the value does not apply
            return V.NA

    return run


function("add_years", "(date, n)", "the date n years later (earlier when n is negative); 29 February gives "
         "28 February in a common year")((_check_shift, _build_shift))
function("add_months", "(date, n)", "the date n months later (earlier when n is negative); a day the month "
         "lacks gives its last day (31 January + 1 month = 28 or 29 February)")((_check_shift, _build_shift))


def _event_list(checker: TypeChecker, call: ast.Call, scope: T.Scope) -> T.ListType:
    list_type = _expect_list(checker, call.args[0], scope, f"the first argument of {call.name}()")
    item = list_type.item
    if item == T.DATE:
        return list_type
    if isinstance(item, T.ObjectType) and item.field("date") == T.DATE:
        return list_type
    raise ExprError("expr-type", f"{call.name}() needs a list of dated events (objects with a 'date' field) or "
                    "of dates", call.args[0].start, call.args[0].end)


def _unit_arg(node: ast.Node) -> str:
    unit = _literal_string(node, "the period unit")
    if unit not in UNITS:
        raise ExprError("expr-type", f"unknown period unit {unit!r}; use one of {', '.join(UNITS)}",
                        node.start, node.end, hint=did_you_mean(unit, UNITS))
    return unit


def _check_events(checker: TypeChecker, call: ast.Call, scope: T.Scope) -> T.Type:
    name = call.name
    if name == "in_period":
        _arity(call, 1)
        return _event_list(checker, call, scope)
    if name == "periods":
        _arity(call, 1)
        _unit_arg(call.args[0])
        return T.INTEGER
    if name == "per_period":
        _arity(call, 2)
        _event_list(checker, call, scope)
        _unit_arg(call.args[1])
        return T.list_of(T.INTEGER)
    _arity(call, 3)  # periods_meeting / shortfall
    _event_list(checker, call, scope)
    _unit_arg(call.args[1])
    _expect(checker, call.args[2], scope, T.INTEGER, f"the number per period of {name}()")
    return T.INTEGER


@functools.lru_cache(maxsize=256)
def period_buckets(start: dt.date, end: dt.date, unit: str) -> tuple[tuple[dt.date, dt.date], ...]:
    """Calendar periods (month, quarter, half year, year) overlapping start..end."""
    months = {"month": 1, "quarter": 3, "half": 6, "year": 12}[unit]
    buckets = []
    year, month = start.year, ((start.month - 1) // months) * months + 1
    while dt.date(year, month, 1) <= end:
        last_month = month + months - 1
        last_day = calendar.monthrange(year, last_month)[1]
        buckets.append((dt.date(year, month, 1), dt.date(year, last_month, last_day)))
        month += months
        if month > 12:
            year, month = year + 1, month - 12
    return tuple(buckets)


def _event_date(item: Value) -> Value:
    """The date of an event: an element with a 'date' field, or a date."""
    return item.get("date", V.MISSING) if isinstance(item, dict) else item


def _period(env: Env) -> Period | None:
    """The assessment period, or None (recorded as missing: the profile gives no year or period)."""
    if env.period is None:
        env.missing.add("period.start")
    return env.period


def _counts(period: Period, items: list[Value], unit: str) -> list[int]:
    start, end = period
    buckets = period_buckets(start, end, unit)
    counts = [0] * len(buckets)
    for day in map(_event_date, items):
        if isinstance(day, dt.date) and start <= day <= end:
            for index, (first, last) in enumerate(buckets):
                if first <= day <= last:
                    counts[index] += 1
                    break
    return counts


def _build_events(call: ast.Call, args: list[Thunk]) -> Thunk:
    if call.name == "periods":
        return _build_periods(_literal_value(call.args[0]))
    if call.name == "in_period":
        return _build_in_period(args[0])
    return _build_counts(call.name, args, _literal_value(call.args[1]))


def _build_periods(unit: str) -> Thunk:
    def run_periods(env: Env) -> Value:
        period = _period(env)
        return V.MISSING if period is None else len(period_buckets(period[0], period[1], unit))

    return run_periods


def _build_in_period(events: Thunk) -> Thunk:
    def run_in_period(env: Env) -> Value:
        items = events(env)
        period = _period(env)
        if period is None:
            return V.MISSING
        if V.is_unknown(items):
            return items
        start, end = period
        return [item for item in items if _within(_event_date(item), start, end)]

    return run_in_period


def _within(day: Value, start: dt.date, end: dt.date) -> bool:
    return isinstance(day, dt.date) and start <= day <= end


def _build_counts(name: str, args: list[Thunk], unit: str) -> Thunk:
    """per_period (the events of each period), periods_meeting and shortfall (how the counts meet n)."""
    events = args[0]
    need_fn = args[2] if len(args) == 3 else None

    def run(env: Env) -> Value:
        items = events(env)
        need: Value = need_fn(env) if need_fn is not None else None
        unknown = V.unknown_of(items, need)
        period = _period(env)
        if period is None:
            return V.MISSING
        if unknown is not None:
            return unknown
        counts = _counts(period, items, unit)
        if name == "per_period":
            return counts
        if name == "periods_meeting":
            return sum(1 for count in counts if count >= need)
        return sum(max(0, need - count) for count in counts)  # shortfall

    return run


for _name, _signature, _summary in (
    ("in_period", "(events)", "the events dated inside the assessment period"),
    ("periods", "(unit)", "number of months/quarters/halves/years in the assessment period"),
    ("per_period", "(events, unit)", "number of events in each period of the assessment period"),
    ("periods_meeting", "(events, unit, n)", "number of periods with at least n events"),
    ("shortfall", "(events, unit, n)", "events missing to reach n in every period (sum over periods)"),
):
    function(_name, _signature, _summary)((_check_events, _build_events))
