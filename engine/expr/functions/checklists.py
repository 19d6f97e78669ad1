"""Checklist functions: missing, present, completeness."""

from __future__ import annotations

from engine.errors import did_you_mean
from engine.expr import ast
from engine.expr import types as T
from engine.expr import values as V
from engine.expr.errors import ExprError
from engine.expr.functions.registry import (
    TypeChecker,
    _arity,
    _expect_list,
    function,
)
from engine.expr.runtime import Env, Thunk
from engine.expr.values import Value

# -- checklists -------------------------------------------------------------------

def _check_checklist(checker: TypeChecker, call: ast.Call, scope: T.Scope) -> T.Type:
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


def _check_enum_literals(node: ast.Node, item_type: T.Type) -> None:
    """Catch typos in a required list written as a literal against an enum input."""
    if isinstance(item_type, T.EnumType) and isinstance(node, ast.ListExpr):
        for element in node.items:
            if isinstance(element, ast.Literal) and isinstance(element.value, str) \
                    and element.value not in item_type.values:
                raise ExprError("expr-enum", f"{element.value!r} is not one of the allowed values",
                                element.start, element.end, hint=did_you_mean(element.value, item_type.values))


def _build_checklist(call: ast.Call, args: list[Thunk]) -> Thunk:
    have_fn, required_fn = args
    name = call.name

    def run(env: Env) -> Value:
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
