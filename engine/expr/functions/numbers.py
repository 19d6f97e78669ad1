"""Number functions: ratio, abs, floor, ceil, round, clamp."""

from __future__ import annotations

from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal

from engine.expr import ast
from engine.expr import types as T
from engine.expr import values as V
from engine.expr.errors import ExprError
from engine.expr.functions.registry import (
    TypeChecker,
    _arity,
    _expect,
    _literal_value,
    function,
)
from engine.expr.runtime import Env, Thunk
from engine.expr.values import Value

# -- numbers ----------------------------------------------------------------------

def _check_ratio(checker: TypeChecker, call: ast.Call, scope: T.Scope) -> T.Type:
    _arity(call, 2)
    _expect(checker, call.args[0], scope, T.NUMBER, "the numerator of ratio()")
    _expect(checker, call.args[1], scope, T.NUMBER, "the denominator of ratio()")
    return T.NUMBER


def _build_ratio(call: ast.Call, args: list[Thunk]) -> Thunk:
    num, den = args

    def run(env: Env) -> Value:
        b = den(env)
        if b == 0 and not V.is_unknown(b):
            env.na = True  # nothing to divide by: the ratio does not apply, whatever the part is
            return V.NA
        a = num(env)
        unknown = V.unknown_of(a, b)
        if unknown is not None:
            return unknown
        return V.div(a, b)

    return run


function("ratio", "(part, whole)", "part / whole as a fraction; not applicable when whole is 0")(
    (_check_ratio, _build_ratio))


def _check_unary_number(checker: TypeChecker, call: ast.Call, scope: T.Scope) -> T.Type:
    _arity(call, 1)
    actual = _expect(checker, call.args[0], scope, T.NUMBER, f"the argument of {call.name}()")
    return T.INTEGER if call.name in ("floor", "ceil") else actual


def _build_unary_number(call: ast.Call, args: list[Thunk]) -> Thunk:
    (arg,) = args
    name = call.name

    def run(env: Env) -> Value:
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


def _check_round(checker: TypeChecker, call: ast.Call, scope: T.Scope) -> T.Type:
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


def _build_round(call: ast.Call, args: list[Thunk]) -> Thunk:
    value_fn = args[0]
    places: int = _literal_value(call.args[1]) if len(call.args) == 2 else 0
    quantum = Decimal(1).scaleb(-places)

    def run(env: Env) -> Value:
        value = value_fn(env)
        if V.is_unknown(value):
            return value
        return V.normalize(Decimal(value).quantize(quantum, rounding=ROUND_HALF_UP))

    return run


function("round", "(number[, places])", "rounded half up (四舍五入) to 0..6 places")((_check_round, _build_round))


def _check_clamp(checker: TypeChecker, call: ast.Call, scope: T.Scope) -> T.Type:
    _arity(call, 3)
    for arg, what in zip(call.args, ("value", "lower bound", "upper bound"), strict=True):
        _expect(checker, arg, scope, T.NUMBER, f"the {what} of clamp()")
    return T.NUMBER


def _build_clamp(call: ast.Call, args: list[Thunk]) -> Thunk:
    value_fn, low_fn, high_fn = args

    def run(env: Env) -> Value:
        value, low, high = value_fn(env), low_fn(env), high_fn(env)
        unknown = V.unknown_of(value, low, high)
        return unknown if unknown is not None else max(low, min(high, value))

    return run


function("clamp", "(value, low, high)", "value limited to low..high")((_check_clamp, _build_clamp))
