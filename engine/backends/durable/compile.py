"""Compile a lowered program into a durable_rules ruleset (JSON) and a fact plan.

Facts (entity-attribute-value layout, as docs/explanation/durable-rules.md §10 explains):

    {k: 'a', p: 'party_members.total', v: 78}              one per profile value matched
    {k: 'a', p: 'venue.homes', v: ['党员之家', ...], n: 3}   a list value (n = its length)
    {k: 'i', l: 'staff', ix: 4, f: {...fields}, d: {...}}  one per element of a list assessed for_each
    {k: 'm', r: 'R3.2', v: true}                           whether a rule is met (asserted between strata)

Durable rule names are `rule|decision|n`: decision `n`-th conjunct of its
disjunctive normal form. A decision holds for a subject when any of its
conjuncts fires for it (closed world: no activation means it does not hold).

A condition whose durable rules would reach a limit of durable_rules (more
patterns than a rule takes, too many joins, more pending tests than its
matching stack holds) is matched as one value computed in Python instead
(`compile_pack`); what no one condition causes is left to refuse the pack.

This module does not import durable; `runtime.py` registers
the JSON (adding the workarounds) and runs sessions.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from engine.backends.durable.limits import LimitProblem, check_ruleset
from engine.backends.durable.lowering import Atom, Decision, Operand, Program, lower_pack
from engine.expr.values import MISSING, NA
from engine.pack.model import Pack
from engine.pack.paths import set_dotted

ATTR, ITEM, MET = "a", "i", "m"
Cond = dict[str, Any]  # one durable condition (JSON)


@dataclass
class FactPlan:
    """Which profile values become facts, and which fields of which list elements."""

    attrs: set[str] = field(default_factory=set)
    lists: dict[str, set[str]] = field(default_factory=dict)  # list path -> element fields matched in `any`
    # group of element facts (a list path, or list@round: Decision.items) -> fields of elements assessed for_each
    items: dict[str, set[str]] = field(default_factory=dict)


@dataclass
class CompiledProgram:
    program: Program
    rules: dict[str, dict[str, Any]]
    plan: FactPlan
    names: dict[str, tuple[str, int]]  # durable rule name -> (decision key, conjunct index)
    problems: list[LimitProblem] = field(default_factory=list)  # of the pack as a whole (compile_pack)


def encode(value: Any) -> Any:
    """A value as durable_rules compares it: dates as day numbers; numbers in one canonical form,
    whatever expression produced them - an int when whole, else a float.

    durable's joins compare an int and a double as different (1 == 1.0 is false there, verified),
    and `if(c, 1.0, n)` gives the literal's Decimal('1.0') while the input reads 1: every value and
    constant goes through here, so equal numbers always reach durable as the same type. Engine
    numbers have at most 15 significant digits, so a float's shortest text is the decimal's own,
    and the C JSON encoder can write the facts without a per-value hook."""
    if isinstance(value, (Decimal, float)):
        number = float(value)  # exact to the decimal's last digit (see above); NaN and infinity stay, refused later
        return int(number) if number.is_integer() else number
    if isinstance(value, dt.date):
        return value.toordinal()
    if isinstance(value, list):
        return [encode(v) for v in value]
    return value


def _path(operand: Operand) -> str:
    """Where an operand's value sits in its fact."""
    if operand.kind == "attr":
        return "v"
    if operand.kind == "elem":
        return "$i." + operand.name if operand.name else "$i"
    if operand.name.startswith("_d"):
        return "d." + operand.name
    return "f." + operand.name


def _test(op: str, path: str, value: Any) -> dict[str, Any]:
    if op == "==":
        return {path: value}
    return {{"!=": "$neq", "<": "$lt", "<=": "$lte", ">": "$gt", ">=": "$gte"}[op]: {path: value}}


def _in_test(path: str, consts: tuple[Any, ...], negate: bool) -> dict[str, Any]:
    values = [encode(c) for c in consts]
    if negate:
        tests = [{"$neq": {path: v}} for v in values]
        return tests[0] if len(tests) == 1 else {"$and": tests}
    tests = [{path: v} for v in values]
    return tests[0] if len(tests) == 1 else {"$or": tests}


class _Conjunct:
    """Builds the patterns of one durable rule."""

    def __init__(self, decision: Decision, plan: FactPlan):
        self.decision = decision
        self.plan = plan
        self.attr_tests: dict[str, list[Cond]] = {}
        self.item_tests: list[Cond] = []
        self.met: list[Cond] = []

    def alias(self, attr: str) -> str:
        return "a" + str(list(self.attr_tests).index(attr))

    def add_attr(self, name: str) -> None:
        self.attr_tests.setdefault(name, [])
        self.plan.attrs.add(name)

    def note_field(self, name: str) -> None:
        if self.decision.items is not None:  # fields are read only in per-element conditions
            self.plan.items.setdefault(self.decision.items, set()).add(name)

    def build(self, atoms: tuple[Atom, ...]) -> dict[str, Any]:
        for atom in atoms:  # first pass: every attribute gets its alias, in sorted order
            for operand in atom.operands():
                if operand.kind == "attr":
                    self.add_attr(operand.name)
                else:
                    self.note_field(operand.name)
            if atom.op in ("member", "not member", "any") and atom.left.kind == "attr":
                self.add_attr(atom.left.name)
        self.attr_tests = dict(sorted(self.attr_tests.items()))
        for atom in atoms:
            self.place(atom)
        patterns = list(self.met)
        for name, tests in self.attr_tests.items():
            patterns.append({self.alias(name): {"$and": [{"k": ATTR}, {"p": name}] + tests}})
        if self.decision.items is not None:
            patterns.append({"i": {"$and": [{"k": ITEM}, {"l": self.decision.items}] + self.item_tests}})
        return {"all": patterns}

    def place(self, atom: Atom) -> None:
        """Add the atom's test to the pattern of the fact it is about."""
        if atom.op == "met":
            alias = f"m{len(self.met)}"
            self.met.append({alias: {"$and": [{"k": MET}, {"r": atom.rule}, {"v": atom.met}]}})
        elif atom.op in ("in", "not in"):
            self.tests_of(atom.left).append(_in_test(_path(atom.left), atom.consts, atom.op == "not in"))
        elif atom.op in ("member", "not member"):
            self.tests_of(atom.left).append(self.member_test(atom))
        elif atom.op == "any":
            self.tests_of(atom.left).append(self.any_test(atom))
        elif atom.op == "known":  # a profile value has a fact only when known: its pattern is the test
            if atom.left.kind != "attr":  # an element's field is in its fact only when known
                self.item_tests.append({"$ex": {_path(atom.left): 1}})
        else:
            self.place_comparison(atom.op, atom.left, atom.rhs)

    def member_test(self, atom: Atom) -> Cond:
        element = encode(atom.rhs.value)
        if atom.op == "member":
            return {"$iany": {_path(atom.left): {"$i": element}}}
        # an empty list holds nothing; durable's $iall does not match []
        return {"$or": [{"n": 0}, {"$iall": {"v": {"$neq": {"$i": element}}}}]}

    def any_test(self, atom: Atom) -> Cond:
        self.plan.lists.setdefault(atom.left.name, set()).update(
            a.left.name for conjunct in atom.pred for a in conjunct)
        alternatives = []
        for conjunct in atom.pred:
            tests = [self.element_test(a) for a in conjunct]
            alternatives.append(tests[0] if len(tests) == 1 else {"$and": tests})
        condition = alternatives[0] if len(alternatives) == 1 else {"$or": alternatives}
        return {"$iany": {"v": condition}}

    def place_comparison(self, op: str, left: Operand, right: Operand) -> None:
        if right.kind == "const":
            self.tests_of(left).append(_test(op, _path(left), encode(right.value)))
            return
        if left.kind == "field" and right.kind == "field":
            # durable matches a same-fact reference to an absent field: require it first
            self.item_tests.append({"$ex": {_path(right): 1}})
            self.item_tests.append(_test(op, _path(left), {"$m": _path(right)}))
            return
        if left.kind == "attr" and right.kind == "field":
            left, right, op = right, left, _MIRROR[op]
        if left.kind == "field":  # element field against a profile value: a join
            self.item_tests.append(_test(op, _path(left), {self.alias(right.name): "v"}))
            return
        # two profile values: the later pattern refers to the earlier one
        names = list(self.attr_tests)
        if names.index(left.name) < names.index(right.name):
            left, right, op = right, left, _MIRROR[op]
        self.attr_tests[left.name].append(_test(op, "v", {self.alias(right.name): "v"}))

    def tests_of(self, operand: Operand) -> list[Cond]:
        if operand.kind == "attr":
            return self.attr_tests[operand.name]
        return self.item_tests

    @staticmethod
    def element_test(atom: Atom) -> Cond:
        path = _path(atom.left)
        if atom.op in ("in", "not in"):
            return _in_test(path, atom.consts, atom.op == "not in")
        return _test(atom.op, path, encode(atom.rhs.value))


_MIRROR = {"==": "==", "!=": "!=", "<": ">", "<=": ">=", ">": "<", ">=": "<="}


# Limits a condition reaches by its own shape: matched as one value, it no longer does.
SHAPE_LIMITS = frozenset({"patterns", "cross-terms", "expression-limit", "alpha-stack", "string-size", "number"})
MAX_REFITS = 8


def compile_pack(pack: Pack) -> CompiledProgram:
    """The pack's conditions lowered and compiled within durable_rules' limits: the conditions whose rules
    reach a limit of their own shape are lowered again as one value each, until none does (or none can
    help: the problems left are the pack's, in `problems`)."""
    whole: set[str] = set()
    for _ in range(MAX_REFITS):
        compiled = compile_program(lower_pack(pack, whole))
        compiled.problems = check_ruleset(compiled.rules)
        causes = {compiled.names[p.rule][0] for p in compiled.problems
                  if p.code in SHAPE_LIMITS and p.rule in compiled.names} - whole
        if not causes:
            break
        whole |= causes
    return compiled


def compile_program(program: Program) -> CompiledProgram:
    plan = FactPlan()
    rules: dict[str, dict[str, Any]] = {}
    names: dict[str, tuple[str, int]] = {}
    for key, decision in program.decisions.items():
        if decision.items is not None:
            plan.items.setdefault(decision.items, set())
        for index, conjunct in enumerate(decision.conjuncts):
            name = f"{key}|{index}"
            rules[name] = _Conjunct(decision, plan).build(conjunct)
            names[name] = (key, index)
    return CompiledProgram(program, rules, plan, names)


def item_fact(group: str, index: int, element: dict[str, Any], fields: set[str],
              synth: dict[str, Any]) -> dict[str, Any]:
    """The fact for one element of a list (in a group of its element facts): its matched fields nested by
    dotted path."""
    nested = _element(element, fields)
    fact = {"k": ITEM, "l": group, "ix": index, "f": nested}
    if synth:
        fact["d"] = {name: encode(value) for name, value in synth.items() if not _unknown(value)}
    return fact


def attr_fact(name: str, value: Any, element_fields: set[str] | None = None) -> dict[str, Any] | None:
    if value is None or _unknown(value):
        return None
    if isinstance(value, list):
        if element_fields is not None and value and isinstance(value[0], dict):
            shown = [_element(element, element_fields) for element in value]
        else:
            shown = [encode(v) for v in value]
        return {"k": ATTR, "p": name, "v": shown, "n": len(value)}
    return {"k": ATTR, "p": name, "v": encode(value)}


def _element(element: dict[str, Any], fields: set[str]) -> dict[str, Any]:
    """An element's fields nested by dotted path (derived `_d` names travel separately)."""
    nested: dict[str, Any] = {}
    for name in fields:
        if name.startswith("_d"):
            continue
        value = element.get(name)
        if value is not None and not _unknown(value):
            set_dotted(nested, name, encode(value))
    return nested


def _unknown(value: Any) -> bool:
    return value is MISSING or value is NA


__all__ = ["CompiledProgram", "FactPlan", "attr_fact", "compile_pack", "compile_program", "encode", "item_fact",
           "Decimal"]
