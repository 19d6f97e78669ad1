"""The function library: each function's type rule and implementation.

A function entry has
- `check(checker, call, scope) -> Type`: validates the arguments (types,
  arity, literal-only arguments) and returns the result type;
- `build(call, args) -> thunk`: given the compiled argument thunks, returns a
  thunk `env -> value`. Unknown values (MISSING/NA) propagate.

Functions that iterate a list (count, any, sum, ...) evaluate their second
argument once per element, with the element pushed on `env.items`.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal
from typing import Callable

from . import ast
from . import types as T
from . import values as V
from .errors import ExprError

UNITS = ("month", "quarter", "half", "year")


@dataclass(frozen=True)
class Function:
    name: str
    signature: str
    summary: str
    check: Callable
    build: Callable
    iterates: bool = False  # second argument is evaluated per list element
    guard: bool = False  # reads inside the first argument are not 'missing data'


REGISTRY: dict[str, Function] = {}


def function(name: str, signature: str, summary: str, *, iterates: bool = False, guard: bool = False):
    def register(pair):
        check, build = pair
        REGISTRY[name] = Function(name, signature, summary, check, build, iterates, guard)
        return pair

    return register


# -- argument helpers -----------------------------------------------------------

def _arity(call: ast.Call, low: int, high: int | None = None) -> None:
    high = low if high is None else high
    n = len(call.args)
    if not low <= n <= high:
        want = str(low) if low == high else f"{low} to {high}"
        raise ExprError("expr-arity", f"{call.name}() takes {want} argument{'s' if high != 1 else ''}, got {n}",
                        call.start, call.end, hint=f"{call.name}{REGISTRY[call.name].signature}")


def _expect(checker, node: ast.Node, scope, expected: T.Type, what: str) -> T.Type:
    actual = checker.check(node, scope)
    if not T.accepts(expected, actual):
        raise ExprError("expr-type", f"{what} must be {expected}, got {actual}", node.start, node.end)
    return actual


def _expect_list(checker, node, scope, what: str) -> T.ListType:
    actual = checker.check(node, scope)
    if not isinstance(actual, T.ListType):
        raise ExprError("expr-type", f"{what} must be a list, got {actual}", node.start, node.end)
    return actual


def _literal_string(node: ast.Node, what: str) -> str:
    if not (isinstance(node, ast.Literal) and isinstance(node.value, str)):
        raise ExprError("expr-type", f"{what} must be a quoted text written in the expression", node.start, node.end)
    return node.value


def _item_scope(list_type: T.ListType, scope, list_node: ast.Node):
    """The scope a per-element argument is checked in."""
    item = list_type.item
    if not isinstance(item, T.ObjectType):
        path = list_node.dotted if isinstance(list_node, ast.Path) else "list"
        item = T.ObjectType("object", (("it", item),), path)
    return scope + (item,)


def _is_object_list(list_type: T.ListType) -> bool:
    return isinstance(list_type.item, T.ObjectType)


def _elements(env, items, list_path: str, object_items: bool):
    """Yield after pushing each element as the current item; pops afterwards."""
    for element in items:
        env.push(list_path, element if object_items else {"it": element})
        try:
            yield element
        finally:
            env.pop()


# -- lists --------------------------------------------------------------------

def _check_len(checker, call, scope):
    _arity(call, 1)
    _expect_list(checker, call.args[0], scope, "the argument of len()")
    return T.INTEGER


def _build_len(call, args):
    (lst,) = args

    def run(env):
        value = lst(env)
        return value if V.is_unknown(value) else len(value)

    return run


function("len", "(list)", "number of elements of a list")((_check_len, _build_len))


def _check_count(checker, call, scope):
    _arity(call, 1, 2)
    list_type = _expect_list(checker, call.args[0], scope, "the first argument of count()")
    if len(call.args) == 2:
        inner = _item_scope(list_type, scope, call.args[0])
        call.item_type = inner[-1]
        _expect(checker, call.args[1], inner, T.BOOLEAN, "the condition of count()")
    return T.INTEGER


def _build_count(call, args):
    if len(args) == 1:
        return _build_len(call, args)
    lst, pred = args
    list_path, objects = call.item_type.list_path, _is_object_list_call(call)

    def run(env):
        items = lst(env)
        if V.is_unknown(items):
            return items
        return sum(1 for _ in _elements(env, items, list_path, objects) if pred(env) is True)

    return run


def _is_object_list_call(call) -> bool:
    fields = call.item_type.fields
    return not (len(fields) == 1 and fields[0][0] == "it")


function("count", "(list[, condition])",
         "number of elements, or of elements for which the condition holds", iterates=True)(
    (_check_count, _build_count))


def _check_filter(checker, call, scope):
    _arity(call, 2)
    list_type = _expect_list(checker, call.args[0], scope, "the first argument of filter()")
    inner = _item_scope(list_type, scope, call.args[0])
    call.item_type = inner[-1]
    _expect(checker, call.args[1], inner, T.BOOLEAN, "the condition of filter()")
    return list_type


def _build_filter(call, args):
    lst, pred = args
    list_path, objects = call.item_type.list_path, _is_object_list_call(call)

    def run(env):
        items = lst(env)
        if V.is_unknown(items):
            return items
        return [item for item in _elements(env, items, list_path, objects) if pred(env) is True]

    return run


function("filter", "(list, condition)", "the elements for which the condition holds", iterates=True)(
    (_check_filter, _build_filter))


def _check_collect(checker, call, scope):
    _arity(call, 2)
    list_type = _expect_list(checker, call.args[0], scope, "the first argument of collect()")
    inner = _item_scope(list_type, scope, call.args[0])
    call.item_type = inner[-1]
    item_type = checker.check(call.args[1], inner)
    if isinstance(item_type, (T.ListType, T.ObjectType)):
        raise ExprError("expr-type", "collect() gathers single values", call.args[1].start, call.args[1].end)
    return T.list_of(item_type)


def _build_collect(call, args):
    lst, expr = args
    list_path, objects = call.item_type.list_path, _is_object_list_call(call)

    def run(env):
        items = lst(env)
        if V.is_unknown(items):
            return items
        out = []
        for _ in _elements(env, items, list_path, objects):
            value = expr(env)
            if not V.is_unknown(value):
                out.append(value)
        return out

    return run


function("collect", "(list, value)", "the value computed for each element (elements without one are skipped)",
         iterates=True)((_check_collect, _build_collect))


def _check_any_all(checker, call, scope):
    _arity(call, 1, 2)
    list_type = _expect_list(checker, call.args[0], scope, f"the first argument of {call.name}()")
    if len(call.args) == 1:
        if not T.accepts(T.BOOLEAN, list_type.item):
            raise ExprError("expr-type", f"{call.name}(list) needs a list of booleans; add a condition",
                            call.start, call.end, hint=f"{call.name}(list, condition)")
        call.item_type = _item_scope(list_type, scope, call.args[0])[-1]
        return T.BOOLEAN
    inner = _item_scope(list_type, scope, call.args[0])
    call.item_type = inner[-1]
    _expect(checker, call.args[1], inner, T.BOOLEAN, f"the condition of {call.name}()")
    return T.BOOLEAN


def _build_any_all(want_all: bool):
    def build(call, args):
        lst = args[0]
        pred = args[1] if len(args) == 2 else (lambda env: env.items[-1]["it"])
        list_path, objects = call.item_type.list_path, _is_object_list_call(call)

        def run(env):
            items = lst(env)
            if V.is_unknown(items):
                return items
            unknown = None
            for _ in _elements(env, items, list_path, objects):
                value = pred(env)
                if value is True and not want_all:
                    return True
                if value is False and want_all:
                    return False
                if V.is_unknown(value):
                    unknown = V.unknown_of(unknown, value) if unknown is not None else value
            return unknown if unknown is not None else want_all

        return run

    return build


function("any", "(list[, condition])", "whether the condition holds for at least one element", iterates=True)(
    (_check_any_all, _build_any_all(False)))
function("all", "(list[, condition])", "whether the condition holds for every element (true for an empty list)",
         iterates=True)((_check_any_all, _build_any_all(True)))


def _check_aggregate(checker, call, scope):
    """sum/avg/min/max over a list of numbers, or over a value per element; min/max also of 2+ scalars."""
    name = call.name
    if name in ("min", "max") and len(call.args) >= 2:
        first = checker.check(call.args[0], scope)
        if not isinstance(first, T.ListType):
            result = first
            for arg in call.args:
                arg_type = checker.check(arg, scope)
                if not T.orderable(arg_type, arg_type) or not T.orderable(result, arg_type):
                    raise ExprError("expr-type", f"{name}() compares numbers or dates, got {arg_type}", arg.start, arg.end)
                result = T.unify(result, arg_type) or result
            call.item_type = None
            return result
    _arity(call, 1, 2)
    list_type = _expect_list(checker, call.args[0], scope, f"the first argument of {name}()")
    if len(call.args) == 2:
        inner = _item_scope(list_type, scope, call.args[0])
        call.item_type = inner[-1]
        element = checker.check(call.args[1], inner)
    else:
        call.item_type = _item_scope(list_type, scope, call.args[0])[-1]
        element = list_type.item
    allowed = T.is_numeric(element) or (name in ("min", "max") and element == T.DATE) or element == T.ANY
    if not allowed:
        raise ExprError("expr-type", f"{name}() needs numbers, got {element}", call.start, call.end,
                        hint=f"{name}(list, value) computes a value per element")
    if name == "avg":
        return T.NUMBER
    return element if element != T.ANY else T.NUMBER


def _build_aggregate(call, args):
    name = call.name
    if call.item_type is None:  # min/max of scalars
        pick = min if name == "min" else max

        def run_scalars(env):
            values = [arg(env) for arg in args]
            unknown = V.unknown_of(*values)
            return unknown if unknown is not None else pick(values)

        return run_scalars
    lst = args[0]
    per_item = args[1] if len(args) == 2 else None
    list_path, objects = call.item_type.list_path, _is_object_list_call(call)

    def run(env):
        items = lst(env)
        if V.is_unknown(items):
            return items
        if per_item is None:
            numbers = list(items)
        else:
            numbers = []
            for _ in _elements(env, items, list_path, objects):
                value = per_item(env)
                if V.is_unknown(value):
                    return value  # one unknown element makes the aggregate unknown
                numbers.append(value)
        return _aggregate(name, numbers, env)

    return run


def _aggregate(name: str, numbers: list, env):
    if name == "sum":
        total = 0
        for value in numbers:
            total = V.add(total, value)
        return total
    if not numbers:
        env.na = True
        return V.NA  # no elements: the minimum/maximum/average does not apply
    if name == "avg":
        total = 0
        for value in numbers:
            total = V.add(total, value)
        return V.div(total, len(numbers))
    return min(numbers) if name == "min" else max(numbers)


for _name, _summary in (("sum", "total of the numbers (0 for an empty list)"),
                        ("avg", "average of the numbers (not applicable for an empty list)"),
                        ("min", "smallest value (of a list, or of two or more values)"),
                        ("max", "largest value (of a list, or of two or more values)")):
    function(_name, "(list[, value])", _summary, iterates=True)((_check_aggregate, _build_aggregate))


# -- checklists -------------------------------------------------------------------

def _check_checklist(checker, call, scope):
    _arity(call, 2)
    have = _expect_list(checker, call.args[0], scope, f"the first argument of {call.name}()")
    required = _expect_list(checker, call.args[1], scope, f"the second argument of {call.name}()")
    if not T.comparable(have.item, required.item):
        raise ExprError("expr-type", f"{call.name}() compares a list of {have.item} with a list of {required.item}",
                        call.start, call.end)
    _check_enum_literals(call.args[1], have.item)
    if call.name == "missing":
        return required
    return T.INTEGER if call.name == "present" else T.NUMBER


def _check_enum_literals(node, item_type) -> None:
    """Catch typos in a required list written as a literal against an enum input."""
    if isinstance(item_type, T.EnumType) and isinstance(node, ast.ListExpr):
        for element in node.items:
            if isinstance(element, ast.Literal) and isinstance(element.value, str) \
                    and element.value not in item_type.values:
                from ..errors import did_you_mean
                raise ExprError("expr-enum", f"{element.value!r} is not one of the allowed values",
                                element.start, element.end, hint=did_you_mean(element.value, item_type.values))


def _build_checklist(call, args):
    have_fn, required_fn = args
    name = call.name

    def run(env):
        have, required = have_fn(env), required_fn(env)
        unknown = V.unknown_of(have, required)
        if unknown is not None:
            return unknown
        present = set(have)
        if name == "missing":
            return [item for item in required if item not in present]
        found = sum(1 for item in dict.fromkeys(required) if item in present)
        if name == "present":
            return found
        return V.div(found, len(dict.fromkeys(required)))

    return run


function("missing", "(have, required)", "the required elements not in `have`, in the order of `required`")(
    (_check_checklist, _build_checklist))
function("present", "(have, required)", "how many of the required elements are in `have`")(
    (_check_checklist, _build_checklist))
function("completeness", "(have, required)",
         "share of the required elements that are in `have` (0..1; not applicable if nothing is required)")(
    (_check_checklist, _build_checklist))


# -- numbers ----------------------------------------------------------------------

def _check_ratio(checker, call, scope):
    _arity(call, 2)
    _expect(checker, call.args[0], scope, T.NUMBER, "the numerator of ratio()")
    _expect(checker, call.args[1], scope, T.NUMBER, "the denominator of ratio()")
    return T.NUMBER


def _build_ratio(call, args):
    num, den = args

    def run(env):
        a, b = num(env), den(env)
        unknown = V.unknown_of(a, b)
        if unknown is not None:
            return unknown
        result = V.div(a, b)
        if result is V.NA:
            env.na = True
        return result

    return run


function("ratio", "(part, whole)", "part / whole as a fraction; not applicable when whole is 0")(
    (_check_ratio, _build_ratio))


def _check_unary_number(checker, call, scope):
    _arity(call, 1)
    actual = _expect(checker, call.args[0], scope, T.NUMBER, f"the argument of {call.name}()")
    return T.INTEGER if call.name in ("floor", "ceil") else actual


def _build_unary_number(call, args):
    (arg,) = args
    name = call.name

    def run(env):
        value = arg(env)
        if V.is_unknown(value):
            return value
        if name == "abs":
            return abs(value)
        mode = ROUND_FLOOR if name == "floor" else ROUND_CEILING
        return int(Decimal(value).to_integral_value(rounding=mode))

    return run


for _name, _summary in (("abs", "absolute value"), ("floor", "largest integer not above"),
                        ("ceil", "smallest integer not below")):
    function(_name, "(number)", _summary)((_check_unary_number, _build_unary_number))


def _check_round(checker, call, scope):
    _arity(call, 1, 2)
    _expect(checker, call.args[0], scope, T.NUMBER, "the value of round()")
    if len(call.args) == 2:
        node = call.args[1]
        if not (isinstance(node, ast.Literal) and isinstance(node.value, int) and not isinstance(node.value, bool)
                and 0 <= node.value <= 6):
            raise ExprError("expr-type", "the places of round() must be a whole number 0..6 written in the expression",
                            node.start, node.end)
        return T.NUMBER if node.value else T.INTEGER
    return T.INTEGER


def _build_round(call, args):
    value_fn = args[0]
    places = call.args[1].value if len(call.args) == 2 else 0
    quantum = Decimal(1).scaleb(-places)

    def run(env):
        value = value_fn(env)
        if V.is_unknown(value):
            return value
        return V.normalize(Decimal(value).quantize(quantum, rounding=ROUND_HALF_UP))

    return run


function("round", "(number[, places])", "rounded half up (四舍五入) to 0..6 places")((_check_round, _build_round))


def _check_clamp(checker, call, scope):
    _arity(call, 3)
    for arg, what in zip(call.args, ("value", "lower bound", "upper bound")):
        _expect(checker, arg, scope, T.NUMBER, f"the {what} of clamp()")
    return T.NUMBER


def _build_clamp(call, args):
    value_fn, low_fn, high_fn = args

    def run(env):
        value, low, high = value_fn(env), low_fn(env), high_fn(env)
        unknown = V.unknown_of(value, low, high)
        return unknown if unknown is not None else max(low, min(high, value))

    return run


function("clamp", "(value, low, high)", "value limited to low..high")((_check_clamp, _build_clamp))


# -- unknowns and choice -------------------------------------------------------------

def _check_coalesce(checker, call, scope):
    _arity(call, 2)
    first = checker.check(call.args[0], scope)
    second = checker.check(call.args[1], scope)
    result = T.unify(first, second)
    if result is None:
        raise ExprError("expr-type", f"coalesce() needs two values of one type, got {first} and {second}",
                        call.start, call.end)
    return result


def _build_coalesce(call, args):
    first, fallback = args

    def run(env):
        saved_missing, saved_na = env.missing, env.na
        env.missing = set()
        value = first(env)
        env.missing, env.na = saved_missing, saved_na
        return fallback(env) if V.is_unknown(value) else value

    return run


function("coalesce", "(value, fallback)", "the value, or the fallback when the value is missing or not applicable",
         guard=True)((_check_coalesce, _build_coalesce))


def _check_exists(checker, call, scope):
    _arity(call, 1)
    checker.check(call.args[0], scope)
    return T.BOOLEAN


def _build_exists(call, args):
    (arg,) = args

    def run(env):
        saved_missing, saved_na = env.missing, env.na
        env.missing = set()
        value = arg(env)
        env.missing, env.na = saved_missing, saved_na
        return not V.is_unknown(value)

    return run


function("exists", "(value)", "whether the profile gives the value (and it applies)", guard=True)(
    (_check_exists, _build_exists))


def _check_if(checker, call, scope):
    _arity(call, 3)
    _expect(checker, call.args[0], scope, T.BOOLEAN, "the condition of if()")
    then_type = checker.check(call.args[1], scope)
    else_type = checker.check(call.args[2], scope)
    result = T.unify(then_type, else_type)
    if result is None:
        raise ExprError("expr-type", f"the two branches of if() differ: {then_type} and {else_type}",
                        call.start, call.end)
    return result


def _build_if(call, args):
    cond, then, otherwise = args

    def run(env):
        test = cond(env)
        if V.is_unknown(test):
            return test
        return then(env) if test else otherwise(env)

    return run


function("if", "(condition, then, else)", "then if the condition holds, else otherwise")((_check_if, _build_if))


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
        from ..errors import did_you_mean
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


def period_buckets(start: dt.date, end: dt.date, unit: str) -> list[tuple[dt.date, dt.date]]:
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
    return buckets


def _event_dates(items) -> list:
    dates = []
    for item in items:
        value = item.get("date", V.MISSING) if isinstance(item, dict) else item
        if isinstance(value, dt.date):
            dates.append(value)
    return dates


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
        return lambda env: len(period_buckets(env.period[0], env.period[1], unit))
    lst = args[0]
    if name == "in_period":
        def run_in_period(env):
            items = lst(env)
            if V.is_unknown(items):
                return items
            start, end = env.period
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


# -- text and chaining ---------------------------------------------------------------------

def _check_matches(checker, call, scope):
    _arity(call, 2)
    _expect(checker, call.args[0], scope, T.STRING, "the text of matches()")
    pattern = _literal_string(call.args[1], "the pattern of matches()")
    from ..backends import safe_regex

    try:
        call.args[1].regex = safe_regex.parse(pattern)  # type: ignore[attr-defined]
    except safe_regex.RegexError as exc:
        offset = call.args[1].start + 1 + exc.offset
        raise ExprError("expr-regex", f"pattern not allowed: {exc}", offset, offset + 1,
                        hint="patterns use a small safe dialect; see docs/expressions.md") from None
    return T.BOOLEAN


def _build_matches(call, args):
    text_fn = args[0]
    regex = call.args[1].regex.python

    def run(env):
        text = text_fn(env)
        return text if V.is_unknown(text) else regex.fullmatch(text) is not None

    return run


function("matches", "(text, 'pattern')", "whether the whole text matches the pattern")(
    (_check_matches, _build_matches))


def _check_contains(checker, call, scope):
    _arity(call, 2)
    _expect(checker, call.args[0], scope, T.STRING, "the text of contains()")
    _expect(checker, call.args[1], scope, T.STRING, "the part looked for by contains()")
    return T.BOOLEAN


def _build_contains(call, args):
    text_fn, part_fn = args

    def run(env):
        text, part = text_fn(env), part_fn(env)
        unknown = V.unknown_of(text, part)
        return unknown if unknown is not None else part in text

    return run


function("contains", "(text, part)", "whether the text contains the part")((_check_contains, _build_contains))


def _check_met(checker, call, scope):
    _arity(call, 1)
    rule_id = _literal_string(call.args[0], "the rule id given to met()")
    checker.check_rule_reference(rule_id, call.args[0])
    return T.BOOLEAN


def _build_met(call, args):
    rule_id = call.args[0].value
    return lambda env: env.outcomes.get(rule_id) == "met"


function("met", "('rule id')", "whether another rule of the pack is met (rules are evaluated in dependency order)")(
    (_check_met, _build_met))
