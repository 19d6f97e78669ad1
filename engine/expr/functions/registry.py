"""The registry of expression functions and the helpers their type rules share."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from engine.expr import ast
from engine.expr import types as T
from engine.expr.errors import ExprError

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


def _item_scope(call, list_type: T.ListType, scope):
    """The scope a per-element argument of `call` (over its first argument) is checked in;
    records the element type on the call for the evaluator."""
    item = list_type.item
    if not isinstance(item, T.ObjectType):
        list_node = call.args[0]
        path = list_node.dotted if isinstance(list_node, ast.Path) else "list"
        item = T.ObjectType("object", (("it", item),), path)
    call.item_type = item
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
