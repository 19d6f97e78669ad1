"""Type checking and name resolution, done when a pack loads.

The checker resolves every dotted name against, in order: the elements of
the lists being iterated (innermost first), `params.*`, and the pack's
declared inputs, derived values and `period.*`. Each Path node gets a `ref`
and every node a `type`; an unknown name raises ExprError with a
did-you-mean hint.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from engine.errors import did_you_mean
from engine.expr import ast
from engine.expr import types as T
from engine.expr.errors import MAX_ITERATION_NESTING, MAX_NUMBER, ExprError
from engine.expr.functions import REGISTRY


@dataclass(frozen=True)
class Symbol:
    """A name an expression can read outside any list element."""

    kind: str  # 'input' | 'derived' | 'param' | 'period'
    name: str
    type: T.Type
    value: Any = None  # params: the resolved value (None = not set)


@dataclass(frozen=True)
class Ref:
    kind: str  # 'input' | 'derived' | 'param' | 'period' | 'field'
    name: str
    type: T.Type
    depth: int = -1  # fields: index of the element in the iteration stack
    list_path: str = ""  # fields: the list the element belongs to
    value: Any = None  # params


class Checker:
    def __init__(self, symbols: Mapping[str, Symbol], rule_ids: Iterable[str] | None = None, *,
                 met_refused: str | None = None):
        self.symbols = symbols
        self.rule_ids = set(rule_ids) if rule_ids is not None else None
        self.met_refused = met_refused  # why met() cannot be read here (a derived value), or None
        self.params_used: set[str] = set()
        self.rules_used: set[str] = set()

    # -- entry points ----------------------------------------------------------
    def check(self, node: ast.Node, scope: T.Scope = ()) -> T.Type:
        if len(scope) > MAX_ITERATION_NESTING + 1:
            raise ExprError("expr-limit", f"lists nested more than {MAX_ITERATION_NESTING} deep", node.start, node.end)
        result = self._type_of(node, scope)
        node.type = result
        return result

    def check_rule_reference(self, rule_id: str, node: ast.Node) -> None:
        if self.met_refused is not None:
            raise ExprError("expr-met", f"met() cannot be used here: {self.met_refused}", node.start, node.end,
                            hint="write met() in the conditions of the rules that read this value")
        if self.rule_ids is not None and rule_id not in self.rule_ids:
            raise ExprError("expr-unknown-rule", f"no rule {rule_id!r} in this pack", node.start, node.end,
                            hint=did_you_mean(rule_id, self.rule_ids))
        self.rules_used.add(rule_id)

    # -- nodes -------------------------------------------------------------
    def _type_of(self, node: ast.Node, scope: T.Scope) -> T.Type:
        match node:
            case ast.Literal():
                return _literal_type(node)
            case ast.ListExpr():
                return self._list_type(node, scope)
            case ast.Path():
                node.ref = self.resolve(node, scope)
                return node.ref.type
            case ast.Unary():
                return self._unary_type(node, scope)
            case ast.Binary():
                return self._binary_type(node, scope)
            case ast.Call():
                return self._call_type(node, scope)
        raise ExprError("expr-syntax", f"unknown expression {type(node).__name__}", node.start, node.end)

    def _list_type(self, node: ast.ListExpr, scope: T.Scope) -> T.Type:
        item: T.Type = T.ANY
        for element in node.items:
            element_type = self.check(element, scope)
            if isinstance(element_type, (T.ListType, T.ObjectType)):
                raise ExprError("expr-type", "list literals hold single values", element.start, element.end)
            unified = T.unify(item, element_type)
            if unified is None:
                raise ExprError("expr-type", f"list mixes {item} and {element_type}", element.start, element.end)
            item = unified
        return T.list_of(item)

    def _unary_type(self, node: ast.Unary, scope: T.Scope) -> T.Type:
        operand = self.check(node.operand, scope)
        if node.op == "not":
            self._require(node.operand, operand, T.BOOLEAN, "'not' applies to a condition")
            return T.BOOLEAN
        if not T.is_numeric(operand):
            raise ExprError("expr-type", f"'-' applies to numbers, got {operand}", node.start, node.end)
        return operand

    def _binary_type(self, node: ast.Binary, scope: T.Scope) -> T.Type:
        op = node.op
        left = self.check(node.left, scope)
        right = self.check(node.right, scope)
        if op in ("and", "or"):
            self._require(node.left, left, T.BOOLEAN, f"'{op}' joins conditions")
            self._require(node.right, right, T.BOOLEAN, f"'{op}' joins conditions")
            return T.BOOLEAN
        if op in ("+", "-", "*", "/"):
            return _arithmetic_type(node, left, right)
        if op in ("==", "!="):
            self._check_equality(node, left, right)
        elif op in ("<", "<=", ">", ">="):
            _check_order(node, left, right)
        elif op in ("in", "not in"):
            self._check_membership(node, left, right)
        else:
            raise ExprError("expr-syntax", f"unknown operator {op!r}", node.start, node.end)
        return T.BOOLEAN

    def _check_equality(self, node: ast.Binary, left: T.Type, right: T.Type) -> None:
        if not T.comparable(left, right):
            raise ExprError("expr-type", f"cannot compare {left} with {right}", node.start, node.end,
                            hint=_conversion_hint(left, right))
        self._check_enum_value(left, node.right)
        self._check_enum_value(right, node.left)

    def _check_membership(self, node: ast.Binary, left: T.Type, right: T.Type) -> None:
        op = node.op
        if not isinstance(right, T.ListType):
            hint = "use contains(text, part) to look for text" if T.is_stringlike(right) else None
            raise ExprError("expr-type", f"'{op}' needs a list on its right, got {right}",
                            node.right.start, node.right.end, hint=hint)
        if isinstance(left, (T.ListType, T.ObjectType)):
            raise ExprError("expr-type", f"'{op}' tests one value, got {left}", node.left.start, node.left.end,
                            hint="use missing(have, required) to compare two lists")
        if not T.comparable(left, right.item):
            raise ExprError("expr-type", f"cannot look for {left} in a list of {right.item}", node.start, node.end)
        self._check_enum_value(right.item, node.left)
        if isinstance(node.right, ast.ListExpr):
            for element in node.right.items:
                self._check_enum_value(left, element)

    def _call_type(self, node: ast.Call, scope: T.Scope) -> T.Type:
        function = REGISTRY.get(node.name)
        if function is None:
            raise ExprError("expr-unknown-function", f"unknown function '{node.name}'", node.start, node.name_end,
                            hint=did_you_mean(node.name, REGISTRY))
        node.function = function
        return function.check(self, node, scope)

    # -- helpers -------------------------------------------------------------
    def _require(self, node: ast.Node, actual: T.Type, expected: T.Type, what: str) -> None:
        if not T.accepts(expected, actual) or actual == T.NULL:
            raise ExprError("expr-type", f"{what}; got {actual}", node.start, node.end,
                            hint="compare the value, e.g. 'x > 0' or 'x == true'" if actual != T.BOOLEAN else None)

    def _check_enum_value(self, enum_type: T.Type, node: ast.Node) -> None:
        if isinstance(enum_type, T.EnumType) and isinstance(node, ast.Literal) and isinstance(node.value, str) \
                and node.value not in enum_type.values:
            raise ExprError("expr-enum", f"{node.value!r} is not one of the allowed values {list(enum_type.values)}",
                            node.start, node.end, hint=did_you_mean(node.value, enum_type.values))

    def resolve(self, node: ast.Path, scope: T.Scope) -> Ref:
        dotted = node.dotted
        if node.parts[0] == "params":
            name = ".".join(node.parts[1:])
            symbol = self.symbols.get("params." + name)
            if symbol is None or len(node.parts) < 2:
                params = [key[len("params."):] for key in self.symbols if key.startswith("params.")]
                hint = did_you_mean(name, params)
                raise ExprError("expr-unknown-param", f"unknown parameter '{name}'", node.start, node.end,
                                hint=hint.replace("'", "'params.", 1) if hint else
                                ("declared parameters: " + ", ".join(sorted(params)) if params else
                                 "declare it under 'parameters:' in pack.yaml"))
            self.params_used.add(name)
            return Ref("param", name, symbol.type, value=symbol.value)
        for depth in range(len(scope) - 1, -1, -1):
            field_type = scope[depth].field(dotted)
            if field_type is not None:
                return Ref("field", dotted, field_type, depth=depth, list_path=scope[depth].list_path)
        symbol = self.symbols.get(dotted)
        if symbol is not None and symbol.kind != "param":
            return Ref(symbol.kind, dotted, symbol.type)
        raise self._unknown_name(node, scope)

    def _unknown_name(self, node: ast.Path, scope: T.Scope) -> ExprError:
        dotted = node.dotted
        candidates = [key for key, sym in self.symbols.items() if sym.kind != "param"]
        candidates += ["params." + key[len("params."):] for key in self.symbols if key.startswith("params.")]
        for element in scope:
            candidates += element.field_names
        prefix = dotted + "."
        below = sorted(key for key in candidates if key.startswith(prefix))
        if below:
            shown = ", ".join(below[:5]) + (", ..." if len(below) > 5 else "")
            return ExprError("expr-unknown-name", f"'{dotted}' is a group of inputs, not a value",
                             node.start, node.end, hint=f"use one of: {shown}")
        where = "input, derived value or field" if scope else "input or derived value"
        hint = did_you_mean(dotted, candidates)
        if hint is None and scope:
            fields = ", ".join(scope[-1].field_names[:8])
            hint = f"fields of each element of {scope[-1].list_path}: {fields}"
        return ExprError("expr-unknown-name", f"unknown {where} '{dotted}'", node.start, node.end, hint=hint)


def _literal_type(node: ast.Literal) -> T.Type:
    value = node.value
    if isinstance(value, bool):
        return T.BOOLEAN
    if value is None:
        return T.NULL
    if isinstance(value, (int, Decimal)):
        if abs(Decimal(value)) >= MAX_NUMBER:
            raise ExprError("expr-limit", "numbers must stay below 1,000,000,000", node.start, node.end)
        if isinstance(value, Decimal) and value != value.quantize(Decimal("0.000001")):
            raise ExprError("expr-limit", "numbers have at most six digits after the point", node.start, node.end)
        return T.INTEGER if isinstance(value, int) else T.NUMBER
    return T.STRING


DATE_ARITHMETIC_HINT = ("between two dates use days_between(a, b), months_between(a, b) or years_between(a, b); "
                        "for a date n months or years later, add_months(date, n) or add_years(date, n)")


def _arithmetic_type(node: ast.Binary, left: T.Type, right: T.Type) -> T.Type:
    for side, side_type in ((node.left, left), (node.right, right)):
        if not T.is_numeric(side_type):
            hint = DATE_ARITHMETIC_HINT if side_type == T.DATE else None
            raise ExprError("expr-type", f"'{node.op}' applies to numbers, got {side_type}",
                            side.start, side.end, hint=hint)
    if node.op == "/" or T.NUMBER in (left, right):
        return T.NUMBER
    return T.INTEGER


def _check_order(node: ast.Binary, left: T.Type, right: T.Type) -> None:
    op = node.op
    if T.NULL in (left, right):
        raise ExprError("expr-type", f"'{op}' cannot compare with null", node.start, node.end,
                        hint="use exists(x) to test whether a value is given")
    if not T.orderable(left, right):
        raise ExprError("expr-type", f"cannot order {left} and {right} with '{op}'", node.start, node.end,
                        hint=_conversion_hint(left, right))


def _conversion_hint(left: T.Type, right: T.Type) -> str | None:
    types = {str(left), str(right)}
    if T.DATE in (left, right) and (T.STRING in (left, right)):
        return "write dates as date('2024-01-01')"
    if T.is_numeric(left) and T.is_stringlike(right) or T.is_numeric(right) and T.is_stringlike(left):
        return "numbers are written without quotes"
    if "boolean" in types:
        return "booleans are true or false, without quotes"
    return None
