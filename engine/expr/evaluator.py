"""Compile a checked expression tree into a Python closure `env -> value`.

Semantics are Kleene's three-valued logic over MISSING/NA (see values.py):
an unknown operand makes comparisons and arithmetic unknown; `and` is false
if either side is false, `or` true if either side is true. Both sides of
`and`/`or` are always evaluated, so the reads recorded in `env.missing` and
`env.na` do not depend on evaluation order — the durable backend, which
evaluates the parts of a condition separately, records exactly the same.

Nothing here calls eval/exec: each node becomes a small nested function.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import TypeAlias

from engine.expr import ast
from engine.expr import values as V
from engine.expr.runtime import Env, Thunk
from engine.expr.values import Value

Compare: TypeAlias = Callable[[Value, Value], bool]

_ORDER: dict[str, Compare] = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge}
_ARITHMETIC = {"+": V.add, "-": V.sub, "*": V.mul, "/": V.div}


def compile_expr(node: ast.Node) -> Thunk:
    match node:
        case ast.Literal():
            return _literal(node)
        case ast.ListExpr():
            return _list(node)
        case ast.Path():
            return _path(node)
        case ast.Unary():
            return _unary(node)
        case ast.Binary():
            return _binary(node)
        case ast.Call():
            return _call(node)
    raise TypeError(f"cannot compile {type(node).__name__}")


def _literal(node: ast.Literal) -> Thunk:
    value = node.value
    if value is None:
        value = V.MISSING
    return lambda env: value


def _list(node: ast.ListExpr) -> Thunk:
    parts = [compile_expr(item) for item in node.items]

    def run(env: Env) -> Value:
        values = [part(env) for part in parts]
        unknown = V.unknown_of(*values)
        return unknown if unknown is not None else values

    return run


def _path(node: ast.Path) -> Thunk:
    ref = node.ref
    if ref is None:
        raise TypeError(f"'{node.dotted}' was not checked")  # the checker runs before anything is compiled
    if ref.kind == "param":
        value = ref.value if ref.value is not None else V.MISSING
        return lambda env: value
    if ref.kind == "field":
        depth, name = ref.depth, ref.name
        return lambda env: env.read_field(depth, name)
    path = ref.name
    return lambda env: env.read(path)


def _unary(node: ast.Unary) -> Thunk:
    operand = compile_expr(node.operand)
    if node.op == "not":
        def run_not(env: Env) -> Value:
            value = operand(env)
            return value if V.is_unknown(value) else not value
        return run_not

    def run_negate(env: Env) -> Value:
        value = operand(env)
        return value if V.is_unknown(value) else -value

    return run_negate


def _binary(node: ast.Binary) -> Thunk:
    op = node.op
    left = compile_expr(node.left)
    right = compile_expr(node.right)
    if op == "and":
        return _and(left, right)
    if op == "or":
        return _or(left, right)
    if op in ("==", "!="):
        null_test = _null_side(node)
        if null_test is not None:
            return _null_compare(compile_expr(null_test), op == "==")
        return _equality(left, right, op == "!=")
    if op in _ORDER:
        return _order(left, right, _ORDER[op])
    if op in ("in", "not in"):
        return _membership(left, right, op == "not in")
    if op == "/":
        return _division(left, right)
    return _arithmetic(left, right, _ARITHMETIC[op])


def _and(left: Thunk, right: Thunk) -> Thunk:
    def run(env: Env) -> Value:
        a, b = left(env), right(env)
        if a is False or b is False:
            return False
        if a is True and b is True:
            return True
        return V.unknown_of(a, b)

    return run


def _or(left: Thunk, right: Thunk) -> Thunk:
    def run(env: Env) -> Value:
        a, b = left(env), right(env)
        if a is True or b is True:
            return True
        if a is False and b is False:
            return False
        return V.unknown_of(a, b)

    return run


def _null_side(node: ast.Binary) -> ast.Node | None:
    """For `x == null` / `null != x`, the x side; else None."""
    if isinstance(node.right, ast.Literal) and node.right.value is None:
        return node.left
    if isinstance(node.left, ast.Literal) and node.left.value is None:
        return node.right
    return None


def _null_compare(operand: Thunk, want_null: bool) -> Thunk:
    # Testing for null is a definite question: a missing input is not 'missing data' here.
    def run(env: Env) -> Value:
        saved_missing, saved_na = env.missing, env.na
        env.missing = set()
        value = operand(env)
        env.missing, env.na = saved_missing, saved_na
        return V.is_unknown(value) is want_null

    return run


def _equality(left: Thunk, right: Thunk, negate: bool) -> Thunk:
    def run(env: Env) -> Value:
        a, b = left(env), right(env)
        unknown = V.unknown_of(a, b)
        if unknown is not None:
            return unknown
        return (a != b) if negate else (a == b)

    return run


def _order(left: Thunk, right: Thunk, compare: Compare) -> Thunk:
    def run(env: Env) -> Value:
        a, b = left(env), right(env)
        unknown = V.unknown_of(a, b)
        return unknown if unknown is not None else compare(a, b)

    return run


def _membership(left: Thunk, right: Thunk, negate: bool) -> Thunk:
    def run(env: Env) -> Value:
        a, b = left(env), right(env)
        unknown = V.unknown_of(a, b)
        if unknown is not None:
            return unknown
        return (a not in b) if negate else (a in b)

    return run


def _arithmetic(left: Thunk, right: Thunk, apply: Callable[[V.Number, V.Number], Value]) -> Thunk:
    def run(env: Env) -> Value:
        a, b = left(env), right(env)
        unknown = V.unknown_of(a, b)
        if unknown is not None:
            return unknown
        try:
            result = apply(a, b)
        except V.NumberOutOfRange:
            result = V.NA
        if result is V.NA:
            env.na = True
        return result

    return run


def _division(left: Thunk, right: Thunk) -> Thunk:
    """a / b: not applicable when b is 0, whatever a is (then a is not read)."""
    def run(env: Env) -> Value:
        b = right(env)
        if b == 0 and not V.is_unknown(b):
            env.na = True
            return V.NA
        a = left(env)
        unknown = V.unknown_of(a, b)
        if unknown is not None:
            return unknown
        try:
            return V.div(a, b)
        except V.NumberOutOfRange:
            env.na = True
            return V.NA

    return run


def _call(node: ast.Call) -> Thunk:
    if node.function is None:
        raise TypeError(f"{node.name}() was not checked")  # the checker runs before anything is compiled
    args = [compile_expr(arg) for arg in node.args]
    return node.function.build(node, args)
