"""Functions over lists: len, count, filter, collect, any, all, sum, avg, min, max."""

from __future__ import annotations

from engine.expr import ast
from engine.expr import types as T
from engine.expr import values as V
from engine.expr.errors import ExprError
from engine.expr.functions.registry import (
    BuildFn,
    TypeChecker,
    _arity,
    _elements,
    _expect,
    _expect_list,
    _item_scope,
    _item_type,
    function,
)
from engine.expr.runtime import Env, Thunk
from engine.expr.values import Number, Value

# -- lists --------------------------------------------------------------------

def _check_len(checker: TypeChecker, call: ast.Call, scope: T.Scope) -> T.Type:
    _arity(call, 1)
    _expect_list(checker, call.args[0], scope, "the argument of len()")
    return T.INTEGER


def _build_len(call: ast.Call, args: list[Thunk]) -> Thunk:
    (lst,) = args

    def run(env: Env) -> Value:
        value = lst(env)
        return value if V.is_unknown(value) else len(value)

    return run


function("len", "(list)", "number of elements of a list")((_check_len, _build_len))


def _check_count(checker: TypeChecker, call: ast.Call, scope: T.Scope) -> T.Type:
    _arity(call, 1, 2)
    list_type = _expect_list(checker, call.args[0], scope, "the first argument of count()")
    if len(call.args) == 2:
        inner = _item_scope(call, list_type, scope)
        _expect(checker, call.args[1], inner, T.BOOLEAN, "the condition of count()")
    return T.INTEGER


def _build_count(call: ast.Call, args: list[Thunk]) -> Thunk:
    if len(args) == 1:
        return _build_len(call, args)
    lst, pred = args
    list_path, objects = _item_type(call).list_path, _is_object_list_call(call)

    def run(env: Env) -> Value:
        items = lst(env)
        if V.is_unknown(items):
            return items
        return sum(1 for _ in _elements(env, items, list_path, objects) if pred(env) is True)

    return run


def _is_object_list_call(call: ast.Call) -> bool:
    fields = _item_type(call).fields
    return not (len(fields) == 1 and fields[0][0] == "it")


function("count", "(list[, condition])",
         "number of elements, or of elements for which the condition holds", iterates=True)(
    (_check_count, _build_count))


def _check_filter(checker: TypeChecker, call: ast.Call, scope: T.Scope) -> T.Type:
    _arity(call, 2)
    list_type = _expect_list(checker, call.args[0], scope, "the first argument of filter()")
    inner = _item_scope(call, list_type, scope)
    _expect(checker, call.args[1], inner, T.BOOLEAN, "the condition of filter()")
    return list_type


def _build_filter(call: ast.Call, args: list[Thunk]) -> Thunk:
    lst, pred = args
    list_path, objects = _item_type(call).list_path, _is_object_list_call(call)

    def run(env: Env) -> Value:
        items = lst(env)
        if V.is_unknown(items):
            return items
        return [item for item in _elements(env, items, list_path, objects) if pred(env) is True]

    return run


function("filter", "(list, condition)", "the elements for which the condition holds", iterates=True)(
    (_check_filter, _build_filter))


def _check_collect(checker: TypeChecker, call: ast.Call, scope: T.Scope) -> T.Type:
    _arity(call, 2)
    list_type = _expect_list(checker, call.args[0], scope, "the first argument of collect()")
    inner = _item_scope(call, list_type, scope)
    item_type = checker.check(call.args[1], inner)
    if isinstance(item_type, (T.ListType, T.ObjectType)):
        raise ExprError("expr-type", "collect() gathers single values", call.args[1].start, call.args[1].end)
    return T.list_of(item_type)


def _build_collect(call: ast.Call, args: list[Thunk]) -> Thunk:
    lst, expr = args
    list_path, objects = _item_type(call).list_path, _is_object_list_call(call)

    def run(env: Env) -> Value:
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


def _check_any_all(checker: TypeChecker, call: ast.Call, scope: T.Scope) -> T.Type:
    _arity(call, 1, 2)
    list_type = _expect_list(checker, call.args[0], scope, f"the first argument of {call.name}()")
    if len(call.args) == 1:
        if not T.accepts(T.BOOLEAN, list_type.item):
            raise ExprError("expr-type", f"{call.name}(list) needs a list of booleans; add a condition",
                            call.start, call.end, hint=f"{call.name}(list, condition)")
        _item_scope(call, list_type, scope)
        return T.BOOLEAN
    inner = _item_scope(call, list_type, scope)
    _expect(checker, call.args[1], inner, T.BOOLEAN, f"the condition of {call.name}()")
    return T.BOOLEAN


def _build_any_all(want_all: bool) -> BuildFn:
    def build(call: ast.Call, args: list[Thunk]) -> Thunk:
        lst = args[0]
        pred = args[1] if len(args) == 2 else (lambda env: env.items[-1]["it"])
        list_path, objects = _item_type(call).list_path, _is_object_list_call(call)

        def run(env: Env) -> Value:
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


def _check_aggregate(checker: TypeChecker, call: ast.Call, scope: T.Scope) -> T.Type:
    """sum/avg/min/max over a list of numbers, or over a value per element; min/max also of 2+ scalars."""
    name = call.name
    if name in ("min", "max") and len(call.args) >= 2:
        first = checker.check(call.args[0], scope)
        if not isinstance(first, T.ListType):
            return _scalars_type(checker, call, scope, first)
    _arity(call, 1, 2)
    list_type = _expect_list(checker, call.args[0], scope, f"the first argument of {name}()")
    if len(call.args) == 2:
        inner = _item_scope(call, list_type, scope)
        element = checker.check(call.args[1], inner)
    else:
        _item_scope(call, list_type, scope)
        element = list_type.item
    allowed = T.is_numeric(element) or (name in ("min", "max") and element == T.DATE) or element == T.ANY
    if not allowed:
        raise ExprError("expr-type", f"{name}() needs numbers, got {element}", call.start, call.end,
                        hint=f"{name}(list, value) computes a value per element")
    if name == "avg":
        return T.NUMBER
    return element if element != T.ANY else T.NUMBER


def _scalars_type(checker: TypeChecker, call: ast.Call, scope: T.Scope, first: T.Type) -> T.Type:
    """min/max of two or more values: numbers or dates."""
    result = first
    for arg in call.args:
        arg_type = checker.check(arg, scope)
        if not T.orderable(arg_type, arg_type) or not T.orderable(result, arg_type):
            raise ExprError("expr-type", f"{call.name}() compares numbers or dates, got {arg_type}",
                            arg.start, arg.end)
        result = T.unify(result, arg_type) or result
    call.item_type = None
    return result


def _build_aggregate(call: ast.Call, args: list[Thunk]) -> Thunk:
    name = call.name
    if call.item_type is None:  # min/max of scalars
        pick = min if name == "min" else max

        def run_scalars(env: Env) -> Value:
            values = [arg(env) for arg in args]
            unknown = V.unknown_of(*values)
            return unknown if unknown is not None else pick(values)

        return run_scalars
    lst = args[0]
    per_item = args[1] if len(args) == 2 else None
    list_path, objects = _item_type(call).list_path, _is_object_list_call(call)

    def run(env: Env) -> Value:
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


def _aggregate(name: str, numbers: list[Value], env: Env) -> Value:
    if name == "sum":
        return _total(numbers)
    if not numbers:
        env.na = True
        return V.NA  # no elements: the minimum/maximum/average does not apply
    if name == "avg":
        return V.div(_total(numbers), len(numbers))
    return min(numbers) if name == "min" else max(numbers)


def _total(numbers: list[Value]) -> Number:
    total: Number = 0
    for value in numbers:
        total = V.add(total, value)
    return total


for _name, _summary in (("sum", "total of the numbers (0 for an empty list)"),
                        ("avg", "average of the numbers (not applicable for an empty list)"),
                        ("min", "smallest value (of a list, or of two or more values)"),
                        ("max", "largest value (of a list, or of two or more values)")):
    function(_name, "(list[, value])", _summary, iterates=True)((_check_aggregate, _build_aggregate))
