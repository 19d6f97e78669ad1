"""Dates and dated events: date, year, month, days_between, in_period, periods, per_period, periods_meeting, shortfall."""

from __future__ import annotations

import calendar
import datetime as dt
import functools

from engine.expr import ast
from engine.expr import types as T
from engine.expr import values as V
from engine.expr.errors import ExprError
from engine.expr.functions.registry import (
    UNITS,
    _arity,
    _expect,
    _expect_list,
    _literal_string,
    function,
)

# -- dates and events ------------------------------------------------------------------

def _check_date(checker, call, scope):
    _arity(call, 1)
    text = _literal_string(call.args[0], "the argument of date()")
    try:
        call.args[0].parsed_date = dt.date.fromisoformat(text)  # type: ignore[attr-defined]
    except ValueError:
        raise ExprError("expr-type", f"{text!r} is not a date written as YYYY-MM-DD", call.args[0].start,
                        call.args[0].end) from None
    return T.DATE


def _build_date(call, args):
    value = call.args[0].parsed_date
    return lambda env: value


function("date", "('YYYY-MM-DD')", "a date")((_check_date, _build_date))


def _check_date_part(checker, call, scope):
    _arity(call, 1)
    _expect(checker, call.args[0], scope, T.DATE, f"the argument of {call.name}()")
    return T.INTEGER


def _build_date_part(call, args):
    (arg,) = args
    attr = call.name

    def run(env):
        value = arg(env)
        return value if V.is_unknown(value) else getattr(value, attr)

    return run


function("year", "(date)", "the year of a date")((_check_date_part, _build_date_part))
function("month", "(date)", "the month (1..12) of a date")((_check_date_part, _build_date_part))


def _check_days_between(checker, call, scope):
    _arity(call, 2)
    _expect(checker, call.args[0], scope, T.DATE, "the first argument of days_between()")
    _expect(checker, call.args[1], scope, T.DATE, "the second argument of days_between()")
    return T.INTEGER


def _build_days_between(call, args):
    first, second = args

    def run(env):
        a, b = first(env), second(env)
        unknown = V.unknown_of(a, b)
        return unknown if unknown is not None else (b - a).days

    return run


function("days_between", "(from, to)", "number of days from the first date to the second")(
    (_check_days_between, _build_days_between))


def _event_list(checker, call, scope) -> T.ListType:
    list_type = _expect_list(checker, call.args[0], scope, f"the first argument of {call.name}()")
    item = list_type.item
    if item == T.DATE:
        return list_type
    if isinstance(item, T.ObjectType) and item.field("date") == T.DATE:
        return list_type
    raise ExprError("expr-type", f"{call.name}() needs a list of dated events (objects with a 'date' field) or of dates",
                    call.args[0].start, call.args[0].end)


def _unit_arg(node: ast.Node) -> str:
    unit = _literal_string(node, "the period unit")
    if unit not in UNITS:
        from engine.errors import did_you_mean
        raise ExprError("expr-type", f"unknown period unit {unit!r}; use one of {', '.join(UNITS)}",
                        node.start, node.end, hint=did_you_mean(unit, UNITS))
    return unit


def _check_events(checker, call, scope):
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


def _event_dates(items) -> list:
    dates = []
    for item in items:
        value = item.get("date", V.MISSING) if isinstance(item, dict) else item
        if isinstance(value, dt.date):
            dates.append(value)
    return dates


def _period(env):
    """The assessment period, or None (recorded as missing: the profile gives no year or period)."""
    if env.period is None:
        env.missing.add("period.start")
    return env.period


def _counts(env, items, unit) -> list[int]:
    start, end = env.period
    buckets = period_buckets(start, end, unit)
    counts = [0] * len(buckets)
    for day in _event_dates(items):
        if start <= day <= end:
            for index, (first, last) in enumerate(buckets):
                if first <= day <= last:
                    counts[index] += 1
                    break
    return counts


def _build_events(call, args):
    name = call.name
    if name == "periods":
        unit = call.args[0].value

        def run_periods(env):
            period = _period(env)
            return V.MISSING if period is None else len(period_buckets(period[0], period[1], unit))

        return run_periods
    lst = args[0]
    if name == "in_period":
        def run_in_period(env):
            items = lst(env)
            period = _period(env)
            if V.is_unknown(items) or period is None:
                return V.MISSING if period is None else items
            start, end = period
            return [item for item in items
                    if (lambda d: isinstance(d, dt.date) and start <= d <= end)(
                        item.get("date") if isinstance(item, dict) else item)]
        return run_in_period
    unit = call.args[1].value
    need_fn = args[2] if len(args) == 3 else None

    def run(env):
        items = lst(env)
        need = need_fn(env) if need_fn else None
        unknown = V.unknown_of(items, need) if need_fn else (items if V.is_unknown(items) else None)
        if _period(env) is None:
            return V.MISSING
        if unknown is not None:
            return unknown
        counts = _counts(env, items, unit)
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
