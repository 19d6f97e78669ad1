"""Lower a pack's conditions to what a Rete network can match.

Each condition (a rule's `require`, `applies_when`, a tier, a band ...) is put
in negation normal form and then disjunctive normal form. Its atoms are
comparisons of profile values (attributes), of fields of the element being
assessed, of constants (literals and parameters, folded in), membership in
literal lists and in list inputs, `any(list, ...)` over a list input, and
`met('rule')` facts. Everything else — function calls (patterns included),
arithmetic, absence tests — becomes a *synthetic derived value* computed in
Python before matching and compared in the network like any other value.

The result is backend-neutral data; `compile.py` turns it into durable_rules
JSON and the reference backend does not need it at all (it evaluates the
original expression). The differential tests check that both agree.
"""

from __future__ import annotations

import datetime as dt
import operator
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, cast

from engine.expr import ast
from engine.expr import types as T
from engine.expr.checker import Ref
from engine.expr.evaluator import compile_expr
from engine.expr.unparse import unparse
from engine.pack.model import Expr, Pack, RuleSpec

MAX_CONJUNCTS = 32
FLIP = {"==": "!=", "!=": "==", "<": ">=", "<=": ">", ">": "<=", ">=": "<"}
MIRROR = {"==": "==", "!=": "!=", "<": ">", "<=": ">=", ">": "<", ">=": "<="}
SCALAR_TYPES = (T.INTEGER, T.NUMBER, T.STRING, T.DATE, T.BOOLEAN)


@dataclass(frozen=True)
class Operand:
    kind: str  # 'attr' (profile value) | 'field' (of the element assessed) | 'elem' (inside any()) | 'const'
    name: str = ""
    value: Any = None

    def show(self) -> str:
        if self.kind == "const":
            return unparse(ast.Literal(0, 0, self.value))
        if self.kind == "field":
            return f"<each>.{self.name}"
        if self.kind == "elem":
            return f"<element>.{self.name}" if self.name else "<element>"
        return self.name


@dataclass(frozen=True)
class Atom:
    """One test the network performs. `op` is a comparison, or one of
    'in', 'not in' (constants), 'member', 'not member' (a constant in a list
    value), 'any', 'met', 'known' (the value is given and applies)."""

    op: str  # a comparison, 'in', 'not in', 'member', 'not member', 'any', 'met' or 'known'
    left: Operand
    right: Operand | None = None
    consts: tuple[Any, ...] = ()
    pred: tuple[tuple[Atom, ...], ...] = ()  # for 'any': DNF over 'elem' operands
    rule: str = ""
    met: bool = True
    # For 'any': the interpreter's version of the call, used to explain a
    # non-match (which elements lacked data) exactly as the reference backend does.
    thunk: Any = field(default=None, compare=False, hash=False, repr=False)

    def show(self) -> str:
        if self.op in ("in", "not in"):
            return f"{self.left.show()} {self.op} [{', '.join(Operand('const', value=c).show() for c in self.consts)}]"
        if self.op in ("member", "not member"):
            word = "in" if self.op == "member" else "not in"
            return f"{self.rhs.show()} {word} {self.left.show()}"
        if self.op == "any":
            inner = " or ".join(" and ".join(a.show() for a in conj) or "true" for conj in self.pred)
            return f"any({self.left.name}, {inner})"
        if self.op == "met":
            return f"{'' if self.met else 'not '}met('{self.rule}')"
        if self.op == "known":
            return f"exists({self.left.show()})"
        return f"{self.left.show()} {self.op} {self.rhs.show()}"

    @property
    def rhs(self) -> Operand:
        """The right operand of a comparison or a 'member' test, which always have one."""
        if self.right is None:
            raise ValueError(f"a {self.op!r} atom has no right operand")
        return self.right

    def operands(self) -> list[Operand]:
        found = [self.left] + ([self.right] if self.right is not None else [])
        return [o for o in found if o.kind in ("attr", "field")]


@dataclass(eq=False)
class SynthValue:
    """A value computed in Python before matching, then matched like an input."""

    name: str  # '_d1', '_d2', ...
    text: str  # canonical expression text (its identity)
    tree: ast.Node
    thunk: Any
    list_path: str | None  # None: once per profile; else once per element of this list
    type: T.Type
    # Written inside a per-element condition but not reading the element: its
    # field depths count that element, so it is evaluated above a placeholder.
    padded: bool = False
    # Reads met(): computed (and asserted) in the round of this stratum, once the
    # rules it reads are scored; 0 for values computed before the first round.
    stratum: int = 0


@dataclass(eq=False)
class Decision:
    rule_id: str
    name: str
    list_path: str | None
    expr: Expr
    conjuncts: list[tuple[Atom, ...]] = field(default_factory=list)
    constant: bool | None = None  # known at load time (parameters folded)
    synth: tuple[str, ...] = ()
    fallback: str | None = None  # why the whole condition became one derived value
    # Everything the condition reads, also in parts folded away as constant: the
    # reference backend reads both sides of and/or, so a non-match is explained alike.
    reads: tuple[Operand, ...] = ()
    any_atoms: tuple[Atom, ...] = ()
    # The element facts a per-element condition matches: those of its list asserted in the first
    # round, or (when it compares values computed per element from met()) a later round's copy.
    items: str | None = None

    @property
    def key(self) -> str:
        return f"{self.rule_id}|{self.name}"

    def refs(self) -> set[Operand]:
        return set(self.reads)


@dataclass(eq=False)
class Program:
    pack: Pack
    decisions: dict[str, Decision]
    synth: dict[str, SynthValue]
    met_rules: set[str]
    item_groups: dict[str, tuple[str, int]] = field(default_factory=dict)  # Decision.items -> (list, round)

    def decision(self, rule_id: str, name: str) -> Decision | None:
        return self.decisions.get(f"{rule_id}|{name}")

    def known_decision(self, rule_id: str, name: str) -> Decision:
        """The decision of a rule that was lowered (every rule the backend is asked about)."""
        return self.decisions[f"{rule_id}|{name}"]


Conjunct = tuple[Atom, ...]
# ("and" | "or", [formulas]), ("const", bool), or ("atom", an Atom or a constant formula)
Formula = tuple[str, Any]


class _TooComplex(Exception):
    pass


class _NegationNormalForm:
    """Pushes `not` down to the leaves; subclasses say what a leaf becomes."""

    def nnf(self, node: ast.Node, negate: bool) -> Formula:
        if isinstance(node, ast.Binary) and node.op in ("and", "or"):
            op = node.op if not negate else ("or" if node.op == "and" else "and")
            return (op, [self.nnf(node.left, negate), self.nnf(node.right, negate)])
        if isinstance(node, ast.Unary) and node.op == "not":
            return self.nnf(node.operand, not negate)
        if isinstance(node, ast.Literal) and isinstance(node.value, bool):
            return ("const", node.value != negate)
        return self.leaf(node, negate)

    def leaf(self, node: ast.Node, negate: bool) -> Formula:
        raise NotImplementedError


class _Lowerer(_NegationNormalForm):
    def __init__(self, pack: Pack, whole: Collection[str] = ()):
        self.pack = pack
        self.whole = whole  # keys of the decisions to match as one value computed in Python
        self.synth: dict[str, SynthValue] = {}
        self.synth_by_text: dict[tuple[str | None, str, bool], SynthValue] = {}
        self.met_rules: set[str] = set()
        self.item_groups: dict[str, tuple[str, int]] = {}
        self.strata = {rule.id: rule.stratum for rule in pack.rules}

    def lower_pack(self) -> Program:
        decisions: dict[str, Decision] = {}
        for rule in self.pack.rules:
            if rule.unset_params:
                continue  # not assessed: no condition is matched
            for name, expr in rule.decisions():
                decision = self.lower(rule, name, expr)
                decisions[decision.key] = decision
        return Program(self.pack, decisions, self.synth, self.met_rules, self.item_groups)

    def lower(self, rule: RuleSpec, name: str, expr: Expr) -> Decision:
        decision = Decision(rule.id, name, expr.list_path, expr)
        self.current_synth: list[str] = []
        self.current_reads: list[Operand] = []
        self.current_any: list[Atom] = []
        self.list_path = expr.list_path
        try:
            if decision.key in self.whole:
                raise _TooComplex("its durable rules would reach a limit of durable_rules")
            formula = self.nnf(expr.tree, False)
            conjuncts = _dnf(formula)
        except _TooComplex as exc:
            decision.fallback = str(exc)
            self.current_synth, self.current_reads, self.current_any = [], [], []
            atom = self.synth_atom(expr.tree, False)
            conjuncts = [(atom,)]
        decision.conjuncts, decision.constant = _simplify(conjuncts)
        decision.synth = tuple(dict.fromkeys(self.current_synth))
        decision.reads = tuple(dict.fromkeys(o for o in self.current_reads if not o.name.startswith("_d")))
        decision.any_atoms = tuple(dict.fromkeys(self.current_any))
        if decision.list_path is not None:
            decision.items = self.item_group(decision.list_path, decision.synth)
        return decision

    def item_group(self, list_path: str, synth: tuple[str, ...]) -> str:
        """The element facts to match: asserted in the round where the last per-element value read is known."""
        stratum = max((self.synth[name].stratum for name in synth if self.synth[name].list_path), default=0)
        group = list_path if stratum == 0 else f"{list_path}@{stratum}"
        self.item_groups[group] = (list_path, stratum)
        return group

    # -- negation normal form -------------------------------------------------------
    def leaf(self, node: ast.Node, negate: bool) -> Formula:
        return ("atom", self.atom(node, negate))

    def atom(self, node: ast.Node, negate: bool) -> Atom | Formula:
        if isinstance(node, ast.Binary):
            if node.op in FLIP:
                return self.comparison(node, negate)
            if node.op in ("in", "not in"):
                return self.membership(node, negate != (node.op == "not in"))
        if isinstance(node, ast.Path) and _checked_type(node) == T.BOOLEAN:
            operand = self.operand(node)
            if operand is not None and operand.kind != "const":
                return Atom("==", operand, Operand("const", value=not negate))
            if operand is not None:
                return ("const", bool(operand.value) != negate)
        if isinstance(node, ast.Call):
            lowered = self.call(node, negate)
            if lowered is not None:
                return lowered
        return self.synth_atom(node, negate)

    def comparison(self, node: ast.Binary, negate: bool) -> Atom | Formula:
        if _is_null(node.left) or _is_null(node.right):
            return self.synth_atom(node, negate)
        left, right = self.operand(node.left), self.operand(node.right)
        if left is None or right is None or not _scalar_node(node.left) or not _scalar_node(node.right):
            return self.synth_atom(node, negate)
        op = FLIP[node.op] if negate else node.op
        if left.kind == "const" and right.kind == "const":
            return ("const", _apply(op, left.value, right.value))
        if left == right:
            return _self_comparison(op, left)
        if left.kind == "const":
            left, right, op = right, left, MIRROR[op]
        return Atom(op, left, right)

    def membership(self, node: ast.Binary, negate: bool) -> Atom | Formula:
        left = self.operand(node.left)
        right_node = node.right
        if left is None or not _scalar_node(node.left):
            return self.synth_atom(node, negate != (node.op == "not in"))
        consts = self.const_list(right_node)
        if consts is not None:
            if left.kind == "const":
                return ("const", (left.value in consts) != negate)
            if not consts:
                return ("const", negate)
            return Atom("not in" if negate else "in", left, consts=tuple(consts))
        right = self.operand(right_node)
        right_type = _checked_type(right_node)
        if left.kind == "const" and right is not None and right.kind in ("attr", "field") \
                and isinstance(right_type, T.ListType) and _scalar(right_type.item):
            if negate and right.kind == "field":
                return self.synth_atom(node, negate != (node.op == "not in"))
            return Atom("not member" if negate else "member", right, left)
        return self.synth_atom(node, negate != (node.op == "not in"))

    def const_list(self, node: ast.Node) -> list[Any] | None:
        if isinstance(node, ast.ListExpr):
            values: list[Any] = []
            for item in node.items:
                operand = self.operand(item)
                if operand is None or operand.kind != "const":
                    return None
                values.append(operand.value)
            return values
        if isinstance(node, ast.Path) and _ref(node).kind == "param" and isinstance(_ref(node).value, list):
            return list(_ref(node).value)
        return None

    def call(self, node: ast.Call, negate: bool) -> Atom | None:
        if node.name == "met":
            rule_id = cast(ast.Literal, node.args[0]).value  # the checker allows a string literal only
            self.met_rules.add(rule_id)
            return Atom("met", Operand("const"), rule=rule_id, met=not negate)
        # matches() is not sent to durable's $mt: its regex engine gives wrong and, under load,
        # varying answers; the interpreter matches (engine/expr/safe_regex.py) and the network compares.
        if node.name == "any" and not negate and len(node.args) == 2:
            return self.any_atom(node)
        return None

    def any_atom(self, node: ast.Call) -> Atom | None:
        list_node, pred = node.args
        if not (isinstance(list_node, ast.Path) and _ref(list_node).kind == "input"):
            return None
        element_depth = 1 if self.list_path else 0
        try:
            formula = _Element(self, element_depth).nnf(pred, False)
            conjuncts, constant = _simplify(_dnf(formula))
        except (_TooComplex, _NotElementLocal):
            return None
        if constant is not None:
            return None  # trivial predicates are left to Python, which knows the list length
        atom = Atom("any", Operand("attr", _ref(list_node).name), pred=tuple(conjuncts), thunk=compile_expr(node))
        self.current_reads.append(atom.left)
        self.current_any.append(atom)
        return atom

    # -- operands -----------------------------------------------------------------
    def operand(self, node: ast.Node) -> Operand | None:
        if isinstance(node, ast.Literal):
            return Operand("const", value=node.value) if node.value is not None else None
        if isinstance(node, ast.Unary) and node.op == "-" and isinstance(node.operand, ast.Literal):
            return Operand("const", value=-node.operand.value)
        if isinstance(node, ast.Path):
            ref = _ref(node)
            if ref.kind == "param":
                return Operand("const", value=ref.value) if ref.value is not None else None
            if ref.kind == "field":
                if ref.depth == 0 and self.list_path:
                    return self.read(Operand("field", ref.name))
                return None
            return self.read(Operand("attr", ref.name))
        if isinstance(node, ast.Call) and node.name == "date":
            return Operand("const", value=_parsed_date(node))
        return self.synth_operand(node)

    def read(self, operand: Operand) -> Operand:
        self.current_reads.append(operand)
        return operand

    def synth_operand(self, node: ast.Node) -> Operand:
        value = self.make_synth(node)
        kind = "field" if value.list_path else "attr"
        return Operand(kind, value.name)

    def synth_atom(self, node: ast.Node, negate: bool) -> Atom:
        operand = self.synth_operand(node)
        return Atom("==", operand, Operand("const", value=not negate))

    def make_synth(self, node: ast.Node) -> SynthValue:
        list_path = self.list_path if _reads_subject(node) else None
        padded = list_path is None and self.list_path is not None
        text = unparse(node)
        key = (list_path, text, padded)
        existing = self.synth_by_text.get(key)
        if existing is None:
            name = f"_d{len(self.synth) + 1}"
            stratum = max((self.strata.get(rule_id, 0) + 1 for rule_id in _met_reads(node)), default=0)
            existing = SynthValue(name, text, node, compile_expr(node), list_path, _checked_type(node), padded,
                                  stratum)
            self.synth[name] = existing
            self.synth_by_text[key] = existing
        self.current_synth.append(existing.name)
        return existing


class _NotElementLocal(Exception):
    pass


class _Element(_NegationNormalForm):
    """Lowers the condition inside any(list, ...) to tests on the element alone."""

    def __init__(self, outer: _Lowerer, depth: int):
        self.outer = outer
        self.depth = depth

    def leaf(self, node: ast.Node, negate: bool) -> Formula:
        if isinstance(node, ast.Path) and _checked_type(node) == T.BOOLEAN:
            operand = self.operand(node)
            if operand.kind == "const":  # a parameter: folded, as outside any()
                return ("const", bool(operand.value) != negate)
            return ("atom", Atom("==", operand, Operand("const", value=not negate)))
        if isinstance(node, ast.Binary) and node.op in FLIP and not (_is_null(node.left) or _is_null(node.right)):
            left, right = self.operand(node.left), self.operand(node.right)
            if not (_scalar_node(node.left) and _scalar_node(node.right)):
                raise _NotElementLocal()
            op = FLIP[node.op] if negate else node.op
            if left.kind == "const" and right.kind == "const":
                return ("const", _apply(op, left.value, right.value))
            if left.kind == "const":
                left, right, op = right, left, MIRROR[op]
            if right.kind != "const":
                raise _NotElementLocal()
            return ("atom", Atom(op, left, right))
        if isinstance(node, ast.Binary) and node.op in ("in", "not in"):
            left = self.operand(node.left)
            consts = self.outer.const_list(node.right)
            if consts is None or left.kind != "elem" or not consts:
                raise _NotElementLocal()
            out = negate != (node.op == "not in")
            return ("atom", Atom("not in" if out else "in", left, consts=tuple(consts)))
        raise _NotElementLocal()

    def operand(self, node: ast.Node) -> Operand:
        if isinstance(node, ast.Path) and _ref(node).kind == "field" and _ref(node).depth == self.depth:
            return Operand("elem", "" if _ref(node).name == "it" else _ref(node).name)
        operand = None
        if isinstance(node, (ast.Literal, ast.Unary)) or (isinstance(node, ast.Path) and _ref(node).kind == "param") \
                or (isinstance(node, ast.Call) and node.name == "date"):
            if isinstance(node, ast.Unary) and not isinstance(node.operand, ast.Literal):
                raise _NotElementLocal()
            if isinstance(node, ast.Literal):
                operand = Operand("const", value=node.value) if node.value is not None else None
            elif isinstance(node, ast.Unary):
                operand = Operand("const", value=-cast(ast.Literal, node.operand).value)
            elif isinstance(node, ast.Call):
                operand = Operand("const", value=_parsed_date(node))
            elif _ref(node).value is not None:
                operand = Operand("const", value=_ref(node).value)
        if operand is None:
            raise _NotElementLocal()
        return operand


# -- helpers ------------------------------------------------------------------------------

def _is_null(node: ast.Node) -> bool:
    return isinstance(node, ast.Literal) and node.value is None


def _ref(node: ast.Path) -> Ref:
    """What the checker resolved a name to: every name of a loaded pack's expressions has been resolved."""
    if node.ref is None:
        raise TypeError(f"'{node.dotted}' was not checked")
    return node.ref


def _checked_type(node: ast.Node) -> T.Type:
    """The type the checker gave a node: every node of a loaded pack's expressions has one."""
    if node.type is None:
        raise TypeError(f"{type(node).__name__} at {node.start} was not checked")
    return node.type


def _parsed_date(call: ast.Call) -> dt.date:
    """The date of date('YYYY-MM-DD'): the checker parsed its literal argument."""
    argument = call.args[0]
    if not isinstance(argument, ast.Literal) or argument.parsed_date is None:
        raise TypeError("date() was not checked")
    return argument.parsed_date


def _scalar(value_type: T.Type) -> bool:
    return value_type in SCALAR_TYPES or isinstance(value_type, T.EnumType)


def _scalar_node(node: ast.Node) -> bool:
    return _scalar(_checked_type(node))


_COMPARE: dict[str, Callable[[Any, Any], Any]] = {
    "==": operator.eq, "!=": operator.ne, "<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge}


def _apply(op: str, a: Any, b: Any) -> bool:
    return bool(_COMPARE[op](a, b))


def _self_comparison(op: str, operand: Operand) -> Atom | Formula:
    """A value compared with itself: true where it is known (== <= >=), never true otherwise; where it
    is missing or n/a the answer is unknown, as the interpreter says (the network cannot tell false
    from unknown: explaining a non-match asks the interpreter)."""
    if op in ("==", "<=", ">="):
        return Atom("known", operand)
    return ("const", False)


def _met_reads(node: ast.Node) -> list[str]:
    """The rules an expression reads with met('X')."""
    return [cast(ast.Literal, child.args[0]).value for child in ast.walk(node)
            if isinstance(child, ast.Call) and child.name == "met"]


def _reads_subject(node: ast.Node) -> bool:
    """Does the expression read a field of the element being assessed (depth 0)?"""
    for child in ast.walk(node):
        if isinstance(child, ast.Path) and _ref(child).kind == "field" and _ref(child).depth == 0:
            return True
    return False


def _dnf(formula: Formula) -> list[Conjunct]:
    kind = formula[0]
    if kind == "atom":
        atom = formula[1]
        if isinstance(atom, tuple):  # a constant produced while lowering an atom
            return _dnf(atom)
        return [(atom,)]
    if kind == "const":
        return [()] if formula[1] else []
    parts = [_dnf(part) for part in formula[1]]
    out: list[Conjunct]
    if kind == "or":
        out = [conj for part in parts for conj in part]
    else:
        out = [()]
        for part in parts:
            out = [left + right for left in out for right in part]
            if len(out) > MAX_CONJUNCTS:
                raise _TooComplex(f"more than {MAX_CONJUNCTS} alternatives in disjunctive normal form")
    if len(out) > MAX_CONJUNCTS:
        raise _TooComplex(f"more than {MAX_CONJUNCTS} alternatives in disjunctive normal form")
    return out


def _simplify(conjuncts: list[Conjunct]) -> tuple[list[Conjunct], bool | None]:
    """Drop duplicate atoms and conjuncts; detect conditions that are constant."""
    cleaned: list[Conjunct] = []
    seen: set[Conjunct] = set()
    for conjunct in conjuncts:
        unique = tuple(dict.fromkeys(conjunct))
        if not unique:
            return [], True
        if unique not in seen:
            seen.add(unique)
            cleaned.append(unique)
    if not cleaned:
        return [], False
    return cleaned, None


def lower_pack(pack: Pack, whole: Collection[str] = ()) -> Program:
    """The pack's conditions as the network matches them; those in `whole` (decision keys) as one value each."""
    return _Lowerer(pack, whole).lower_pack()


__all__ = ["Atom", "Decision", "Operand", "Program", "SynthValue", "lower_pack", "Decimal"]
