"""The registry of expression functions and the helpers their type rules share."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Protocol, TypeAlias

from engine.expr import ast
from engine.expr import types as T
from engine.expr.errors import ExprError
from engine.expr.runtime import Env, Thunk
from engine.expr.values import Value

UNITS = ("month", "quarter", "half", "year")


class TypeChecker(Protocol):
    """What a function's type rule may ask of the checker (engine.expr.checker.Checker)."""

    def check(self, node: ast.Node, scope: T.Scope = ()) -> T.Type: ...

    def check_rule_reference(self, rule_id: str, node: ast.Node) -> None: ...


# check(checker, call, scope): validates the arguments (types, arity, literal-only arguments) and gives the
# result type; build(call, args): given the compiled arguments, the compiled call.
CheckFn: TypeAlias = Callable[[TypeChecker, ast.Call, T.Scope], T.Type]
BuildFn: TypeAlias = Callable[[ast.Call, list[Thunk]], Thunk]


@dataclass(frozen=True)
class Function:
    name: str
    signature: str
    summary: str
    check: CheckFn
    build: BuildFn
    iterates: bool = False  # second argument is evaluated per list element
    guard: bool = False  # reads inside the first argument are not 'missing data'


REGISTRY: dict[str, Function] = {}


def function(name: str, signature: str, summary: str, *, iterates: bool = False,
             guard: bool = False) -> Callable[[tuple[CheckFn, BuildFn]], tuple[CheckFn, BuildFn]]:
    def register(pair: tuple[CheckFn, BuildFn]) -> tuple[CheckFn, BuildFn]:
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


def _expect(checker: TypeChecker, node: ast.Node, scope: T.Scope, expected: T.Type, what: str) -> T.Type:
    actual = checker.check(node, scope)
    if not T.accepts(expected, actual):
        raise ExprError("expr-type", f"{what} must be {expected}, got {actual}", node.start, node.end)
    return actual


def _expect_list(checker: TypeChecker, node: ast.Node, scope: T.Scope, what: str) -> T.ListType:
    actual = checker.check(node, scope)
    if not isinstance(actual, T.ListType):
        raise ExprError("expr-type", f"{what} must be a list, got {actual}", node.start, node.end)
    return actual


def _string_literal(node: ast.Node, what: str) -> ast.Literal:
    """An argument that must be a text written in the expression (a pattern, a period unit)."""
    if not (isinstance(node, ast.Literal) and isinstance(node.value, str)):
        raise ExprError("expr-type", f"{what} must be a quoted text written in the expression", node.start, node.end)
    return node


def _literal_string(node: ast.Node, what: str) -> str:
    text: str = _string_literal(node, what).value
    return text


def _literal_value(node: ast.Node) -> Value:
    """The value of an argument the type rule has checked is written in the expression."""
    if not isinstance(node, ast.Literal):
        raise TypeError(f"expected a literal, got {type(node).__name__}")  # the type rule prevents this
    return node.value


def _item_scope(call: ast.Call, list_type: T.ListType, scope: T.Scope) -> T.Scope:
    """The scope a per-element argument of `call` (over its first argument) is checked in;
    records the element type on the call for the evaluator."""
    item = list_type.item
    if not isinstance(item, T.ObjectType):
        list_node = call.args[0]
        path = list_node.dotted if isinstance(list_node, ast.Path) else "list"
        item = T.ObjectType("object", (("it", item),), path)
    call.item_type = item
    return scope + (item,)


def _item_type(call: ast.Call) -> T.ObjectType:
    """The element type `_item_scope` recorded on a call that iterates a list."""
    if call.item_type is None:
        raise TypeError(f"{call.name}() was not checked")  # the checker runs before anything is compiled
    return call.item_type


def _is_object_list(list_type: T.ListType) -> bool:
    return isinstance(list_type.item, T.ObjectType)


def _elements(env: Env, items: Iterable[Value], list_path: str, object_items: bool) -> Iterator[Value]:
    """Yield after pushing each element as the current item; pops afterwards."""
    for element in items:
        env.push(list_path, element if object_items else {"it": element})
        try:
            yield element
        finally:
            env.pop()
