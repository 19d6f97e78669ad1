"""Unknown values and choice: coalesce, exists, if."""

from __future__ import annotations

from engine.expr import ast
from engine.expr import types as T
from engine.expr import values as V
from engine.expr.errors import ExprError
from engine.expr.functions.registry import (
    TypeChecker,
    _arity,
    _expect,
    function,
)
from engine.expr.runtime import Env, Thunk
from engine.expr.values import Value

# -- unknowns and choice -------------------------------------------------------------

def _check_coalesce(checker: TypeChecker, call: ast.Call, scope: T.Scope) -> T.Type:
    _arity(call, 2)
    first = checker.check(call.args[0], scope)
    second = checker.check(call.args[1], scope)
    result = T.unify(first, second)
    if result is None:
        raise ExprError("expr-type", f"coalesce() needs two values of one type, got {first} and {second}",
                        call.start, call.end)
    return result


def _build_coalesce(call: ast.Call, args: list[Thunk]) -> Thunk:
    first, fallback = args

    def run(env: Env) -> Value:
        saved_missing, saved_na = env.missing, env.na
        env.missing = set()
        value = first(env)
        env.missing, env.na = saved_missing, saved_na
        return fallback(env) if V.is_unknown(value) else value

    return run


function("coalesce", "(value, fallback)", "the value, or the fallback when the value is missing or not applicable",
         guard=True)((_check_coalesce, _build_coalesce))


def _check_exists(checker: TypeChecker, call: ast.Call, scope: T.Scope) -> T.Type:
    _arity(call, 1)
    checker.check(call.args[0], scope)
    return T.BOOLEAN


def _build_exists(call: ast.Call, args: list[Thunk]) -> Thunk:
    (arg,) = args

    def run(env: Env) -> Value:
        saved_missing, saved_na = env.missing, env.na
        env.missing = set()
        value = arg(env)
        env.missing, env.na = saved_missing, saved_na
        return not V.is_unknown(value)

    return run


function("exists", "(value)", "whether the profile gives the value (and it applies)", guard=True)(
    (_check_exists, _build_exists))


def _check_if(checker: TypeChecker, call: ast.Call, scope: T.Scope) -> T.Type:
    _arity(call, 3)
    _expect(checker, call.args[0], scope, T.BOOLEAN, "the condition of if()")
    then_type = checker.check(call.args[1], scope)
    else_type = checker.check(call.args[2], scope)
    result = T.unify(then_type, else_type)
    if result is None:
        raise ExprError("expr-type", f"the two branches of if() differ: {then_type} and {else_type}",
                        call.start, call.end)
    return result


def _build_if(call: ast.Call, args: list[Thunk]) -> Thunk:
    cond, then, otherwise = args

    def run(env: Env) -> Value:
        test = cond(env)
        if V.is_unknown(test):
            return test
        return then(env) if test else otherwise(env)

    return run


function("if", "(condition, then, else)", "then if the condition holds, else otherwise")((_check_if, _build_if))
