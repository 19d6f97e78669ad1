"""Static checks of a durable_rules ruleset: refuse what can crash, hang or mis-match.

Pure Python (imports nothing from durable), so packs can be checked anywhere.
`check_ruleset(rules)` takes the ruleset our compiler writes (durable's JSON
condition language, without workarounds), applies the same hardening the
runtime applies (`harden_rules`), models the alpha network exactly as
durable's `createAlpha`/`findAlpha` (src/rules/rete.c) would build it, and
reports every problem as a `LimitProblem(rule, message, code)`. What a single
term, constant or fact may be is in terms.py; the rewrites in
harden.py.

How durable builds and evaluates the network (read in rete.c/events.c of 2.0.28):
- The root has one child per test at the start of a pattern; `$and` terms form a
  chain (each term is a child of the previous one). A child is shared with an
  existing sibling of the same property, operator and constant; `$mt`, `$iany`,
  `$iall`, same-fact (`$m`) and cross-fact (`{alias: prop}`) tests never are.
- Children sit in ONE 512-slot open-addressing table per node, probed linearly
  from `hash(property) & 31`: with 512 entries lookups never stop (registration
  or assertion hangs, verified at 512/513; 511 works). `$nex` tests and the
  forward nodes of `$or` go into a 128-entry list instead (107 past it). Up to
  256 patterns may end on one node (108 past it, with an out-of-bounds read).
- A fact is matched depth-first with a 64-entry stack: a node pushes every child
  the fact satisfies (cross-fact children always; `$nex`/`$or` forward nodes when
  the property is absent) before descending, so the stack peaks at the sum of
  pending siblings along a path. 65 satisfied siblings give error 303 (verified).
- Cross-fact terms, and every `$and`/`$or` (two entries each), go into the
  pattern's expression sequence of 31 entries (113 at 32, verified). That
  sequence is evaluated with two bugs: a false last term of an `$and` (true last
  term of an `$or`) skips the closing entry and reads past the array (SIGSEGV,
  §8.2), and evaluation stops after the first nested group, so terms after an
  `$or` are ignored (verified: a failing join condition placed after an `$or`
  still fired). `harden_rules` therefore flattens `$and`s, moves cross-fact terms
  before any group and ends every joining pattern with an always-true `_t` term.
- An `$or` mixing same-fact and cross-fact alternatives loses its same-fact
  alternatives (verified); inside `$iany`, alternatives starting on different
  properties overwrite each other's result (verified) - harden_rules splits
  `$iany` over such an `$or`, other shapes are refused.
- Integer `$div` by a zero field raises SIGFPE (verified): divisors must be
  non-zero constants, written as floats.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

from engine.backends.durable.harden import harden_pattern, harden_rules, sentinel_rule
from engine.backends.durable.terms import (
    _ALIAS_CHARS,
    _ARITH,
    _TESTS,
    DURABLE_CHAR_MAP,
    JSON_ESCAPED,
    MAX_BETAS,
    MAX_CHILDREN,
    MAX_CROSS_TERMS,
    MAX_FACT_PROPERTIES,
    MAX_INT,
    MAX_NEXT_LIST,
    MAX_PATTERNS,
    MAX_PRI,
    MAX_RULES,
    MAX_SEQUENCE,
    MAX_STACK,
    MAX_STRING_BYTES,
    SENTINEL_KIND,
    SENTINEL_RULE,
    Cond,
    LimitProblem,
    RulesetLimitError,
    Stats,
    _Bad,
    _single,
    _special,
    _term,
    check_fact,
    fnv1a_32,
    number_kind,
)

# ---- the alpha network model ---------------------------------------------------------------------

class _Node:
    __slots__ = ("key", "kind", "op", "prop", "table", "array", "next_list", "betas", "const_type", "owner",
                 "shared")

    def __init__(self, kind: str, op: str = "", prop: str = "", key: ConstKey | None = None,
                 const_type: str | None = None):
        self.kind, self.op, self.prop, self.key, self.const_type = kind, op, prop, key, const_type
        self.table: list[_Node] = []
        self.array: list[_Node] = []
        self.next_list: list[_Node] = []
        self.betas = 0
        self.owner = ""
        self.shared: dict[tuple[str, str, ConstKey], _Node] = {}  # as findAlpha looks children up


ConstKey = tuple[str | None, Any]  # a constant as durable tells constants apart: its type and value


def _const_key(value: Any) -> ConstKey:
    if isinstance(value, bool):
        return ("bool", value)
    if isinstance(value, str):
        return ("str", value)
    kind = number_kind(value)
    return (kind, float(value) if kind == "double" else int(value))


class _Network:
    """The alpha network durable would build, pattern by pattern, and the expression entries of each."""

    def __init__(self) -> None:
        self.root = _Node("root")
        self.sequence = 0  # expression-sequence entries of the pattern being built
        self.owner = ""

    def find(self, parent: _Node, to_array: bool, kind: str, op: str, prop: str, key: ConstKey | None) -> _Node:
        if key is not None:  # shareable: same property, operator and constant (findAlpha)
            child = parent.shared.get((prop, op, key))
            if child is not None:
                return child
        node = _Node(kind, op, prop, key, key[0] if key and op == "$eq" else None)
        node.owner = self.owner
        if key is not None:
            parent.shared[(prop, op, key)] = node
        if op == "$nex":
            parent.next_list.append(node)
        else:
            (parent.array if to_array else parent.table).append(node)
        return node

    def build(self, cond: Cond, parent: _Node, to_array: bool = False) -> _Node:
        key, body = next(iter(cond.items()))
        if key == "$and":
            return self._chain(body, parent, to_array)
        if key == "$or":
            return self._alternatives(body, parent, to_array)
        if key in ("$iany", "$iall"):
            (prop, inner), = body.items()
            node = self.find(parent, to_array, "array", key, prop, None)
            self.build(inner, node, True)
            return node
        return self._test(key, body, parent, to_array)

    def _chain(self, terms: list[Cond], parent: _Node, to_array: bool) -> _Node:
        """$and: each term a child of the previous one."""
        self.sequence += 2
        node = parent
        for i, term in enumerate(terms):
            node = self.build(term, node, to_array and i == 0)
        return node

    def _alternatives(self, terms: list[Cond], parent: _Node, to_array: bool) -> _Node:
        """$or: every alternative under `parent`, all ending on one forward node."""
        self.sequence += 2
        forward = _Node("forward", "$nex", "$forward")
        forward.owner = self.owner
        for term in terms:
            end = self.build(term, parent, to_array)
            end.next_list.append(forward)
        return forward

    def _test(self, key: str, body: Any, parent: _Node, to_array: bool) -> _Node:
        op = key if key in _TESTS else "$eq"
        (prop, value), = (body.items() if key in _TESTS else [(key, body)])
        if op in ("$mt", "$imt"):
            return self.find(parent, to_array, "regex", op, prop, None)
        if isinstance(value, dict):  # $m or another alias: never shared
            cross = bool(_aliases_in(value))
            if cross:
                self.sequence += 1
            return self.find(parent, to_array, "cross" if cross else "self", op, prop, None)
        return self.find(parent, to_array, "test", op, prop, _const_key(value))


def _aliases_in(value: Any) -> list[str]:
    if not isinstance(value, dict):
        return []
    out: list[str] = []
    for key, inner in value.items():
        if key in _ARITH:
            out += _aliases_in(inner.get("$l")) + _aliases_in(inner.get("$r"))
        elif key not in ("$m", "$l", "$r"):
            out.append(key)
    return out


def _cosatisfiable(node: _Node) -> int:
    """How many children of `node` one fact can satisfy at once (an upper bound)."""
    eq_types: dict[str, set[str]] = {}
    count = len(node.next_list)
    for child in node.table:
        if child.op == "$eq" and child.const_type is not None:
            eq_types.setdefault(child.prop, set()).add(child.const_type)
        else:
            count += 1
    return count + sum(len(types) for types in eq_types.values())


def _stack_peak(node: _Node, memo: dict[int, int]) -> int:
    if id(node) in memo:
        return memo[id(node)]
    memo[id(node)] = 0  # forward nodes make a DAG, never a cycle; guard anyway
    children = node.table + node.next_list
    if not children:
        return 0
    m = _cosatisfiable(node)
    deepest = max(_stack_peak(c, memo) for c in children)
    memo[id(node)] = max(m, m - 1 + deepest)
    return memo[id(node)]


def _walk(node: _Node, seen: set[int]) -> Iterator[_Node]:
    if id(node) in seen:
        return
    seen.add(id(node))
    yield node
    for child in node.table + node.array + node.next_list:
        yield from _walk(child, seen)


# ---- the check -----------------------------------------------------------------------------------

def _check_names(rules: object, problems: list[LimitProblem]) -> None:
    if not isinstance(rules, dict):
        problems.append(LimitProblem("*", "a ruleset is an object of rules", "rule-shape"))
        return
    if len(rules) > MAX_RULES:
        problems.append(LimitProblem("*", f"{len(rules)} rules; at most {MAX_RULES}", "rule-count"))


def _check_rule(name: object, rule: object, problems: list[LimitProblem]) -> bool:
    """Append the rule's problems; False if the rule or one of its patterns cannot be read."""
    try:
        patterns = _rule_patterns(name, rule, problems)
    except _Bad as exc:
        problems.append(LimitProblem(str(name), exc.message, exc.code))
        return False
    ok = True
    aliases: tuple[str, ...] = ()
    for index, pattern in enumerate(patterns):
        try:
            _check_pattern(pattern, index, aliases)
        except _Bad as exc:
            problems.append(LimitProblem(str(name), exc.message, exc.code))
            ok = False
        aliases = (*aliases, _alias_of(pattern, index))
    return ok


def _rule_patterns(name: object, rule: object, problems: list[LimitProblem]) -> list[Any]:
    """The rule's patterns; raises _Bad if they cannot be read, appends what can be read past."""
    if not isinstance(name, str) or not name or len(name) > 200 or _special(name) or name.startswith("__"):
        raise _Bad("reserved-name", "a rule name is 1-200 characters, without quotes, backslashes or control "
                                    "characters, and does not start with '__'")
    if not isinstance(rule, dict) or "all" not in rule or set(rule) - {"all", "pri"}:
        raise _Bad("rule-shape", "a rule is {'all': [patterns...]} with an optional 'pri'")
    pri = rule.get("pri", 0)
    if not isinstance(pri, int) or isinstance(pri, bool) or not 0 <= pri <= MAX_PRI:
        problems.append(LimitProblem(name, f"pri must be an integer in 0..{MAX_PRI} (65535 is the runtime's "
                                           "sentinel)", "pri"))
    patterns = rule["all"]
    if not isinstance(patterns, list) or not patterns:
        raise _Bad("rule-shape", "'all' must be a non-empty list of patterns")
    if len(patterns) > MAX_PATTERNS:
        problems.append(LimitProblem(name, f"{len(patterns)} patterns; durable allows at most {MAX_PATTERNS} "
                                           "per rule", "patterns"))
    return patterns


def _alias_of(pattern: object, index: int) -> str:
    """The alias later patterns may refer to; a placeholder where the pattern has none."""
    if isinstance(pattern, dict) and len(pattern) == 1:
        alias = next(iter(pattern))
        if isinstance(alias, str):
            return alias
    return f"?{index}"


def _check_pattern(pattern: object, index: int, aliases: tuple[str, ...]) -> None:
    """One pattern {alias: condition} after the rule's earlier `aliases`; raises _Bad."""
    where = f"pattern {index + 1}"
    alias, cond = _single(pattern, where)
    _check_alias(alias, aliases, where)
    terms = _flatten_checked(cond, where)
    _check_discriminator(terms[0], where)
    refs: set[str] = set()
    stats: Stats = {}
    kinds = [_term(t, aliases, where, refs, False, stats) for t in terms]
    if sum(1 for k in kinds if k == "cross-or") > 1:
        raise _Bad("cross-or", f"{where}: at most one cross-fact $or per pattern (durable stops "
                               "evaluating after the first group)")
    if refs and index == 0:
        raise _Bad("alias-ref", f"{where}: the first pattern cannot refer to another")
    crosses = stats.get("cross", 0)
    if crosses > MAX_CROSS_TERMS:
        raise _Bad("cross-terms", f"{where}: {crosses} cross-fact terms; at most {MAX_CROSS_TERMS}")


def _check_alias(alias: str, aliases: tuple[str, ...], where: str) -> None:
    if not alias or len(alias) > 64 or not set(alias) <= _ALIAS_CHARS or alias[0].isdigit():
        if alias.endswith("$not"):
            raise _Bad("not-pattern", f"{where}: $not patterns are not supported")
        raise _Bad("alias", f"{where}: an alias is a short identifier ([A-Za-z_][A-Za-z0-9_]*)")
    if alias in aliases:
        raise _Bad("alias", f"{where}: alias {alias!r} used twice")
    if fnv1a_32(alias) in {fnv1a_32(a) for a in aliases}:
        raise _Bad("hash-collision", f"{where}: alias {alias!r} has the same 32-bit hash as another")


def _check_discriminator(first: Cond, where: str) -> None:
    """A pattern starts with k == '<kind>': anything else can match the session's state fact."""
    key, body = _single(first, where)
    if key == "$eq":
        key, body = _single(body, where)
    if key != "k" or not isinstance(body, str) or not body or body == SENTINEL_KIND:
        raise _Bad("discriminator", f"{where}: a pattern must start with a positive equality on 'k' "
                                    "with a string (anything else can match the session's state fact)")


def _flatten_checked(cond: Cond, where: str) -> list[Cond]:
    key, body = _single(cond, where)
    if key != "$and":
        return [cond]
    if not isinstance(body, list) or not body:
        raise _Bad("empty-group", f"{where}: $and needs a non-empty list (an empty one matches every fact)")
    out: list[Cond] = []
    for term in body:
        out.extend(_flatten_checked(term, where))
    return out


def _check_network(rules: dict[str, Any], problems: list[LimitProblem]) -> None:
    net, names = _build_network(rules, problems)
    properties: dict[int, str] = {}
    for node in _walk(net.root, set()):
        _check_node(node, names.get(id(node), node.owner or "*"), properties, problems)
    _check_stack(net, problems)


def _build_network(rules: dict[str, Any], problems: list[LimitProblem]) -> tuple[_Network, dict[int, str]]:
    """The network of the hardened rules, the rule each pattern end belongs to; expression limits checked."""
    net = _Network()
    names: dict[int, str] = {}
    for name, rule in harden_rules(rules).items():
        net.owner = name
        for index, pattern in enumerate(rule["all"]):
            (_alias, cond), = pattern.items()
            net.sequence = 0
            end = net.build(cond, net.root)
            end.betas += 1
            names.setdefault(id(end), name)
            if net.sequence > MAX_SEQUENCE:
                problems.append(LimitProblem(name, f"pattern {index + 1} needs {net.sequence} expression entries "
                                                   f"(cross-fact terms + 2 per $and/$or, after hardening); "
                                                   f"durable holds {MAX_SEQUENCE}", "expression-limit"))
    return net, names


def _check_node(node: _Node, rule: str, properties: dict[int, str], problems: list[LimitProblem]) -> None:
    """Property hash collisions and the size of the node's child tables."""
    if node.prop and node.prop != "$forward":
        h = fnv1a_32(node.prop)
        if properties.setdefault(h, node.prop) != node.prop:
            problems.append(LimitProblem("*", f"properties {properties[h]!r} and {node.prop!r} have the same "
                                              "32-bit hash; durable cannot tell them apart", "hash-collision"))
    where = f"test {node.op} on {node.prop!r}" if node.prop else "the root"
    for count, limit, code, what in ((len(node.table), MAX_CHILDREN, "alpha-children", "distinct child tests"),
                                     (len(node.array), MAX_CHILDREN, "alpha-children", "distinct element tests"),
                                     (len(node.next_list), MAX_NEXT_LIST, "alpha-nex-list",
                                      "$nex tests and $or branches"),
                                     (node.betas, MAX_BETAS, "beta-list", "patterns ending on the same tests")):
        if count > limit:
            problems.append(LimitProblem(rule, f"{where} has {count} {what}; at most {limit}", code))


def _check_stack(net: _Network, problems: list[LimitProblem]) -> None:
    peak = _stack_peak(net.root, {})
    if peak > MAX_STACK:
        widest = max(_walk(net.root, set()), key=_cosatisfiable)
        problems.append(LimitProblem(_main_contributor(widest),
                                     f"one fact can satisfy up to {peak} pending tests at once (durable's matching "
                                     f"stack holds 64; limit {MAX_STACK}); the widest node is the test "
                                     f"{widest.op} on {widest.prop!r} with {_cosatisfiable(widest)} co-satisfiable "
                                     "children: fewer conditions on the same kind of fact", "alpha-stack"))


def _main_contributor(node: _Node) -> str:
    """The rule that put most children under a node (the one to simplify first); else the node's own."""
    owners = Counter(child.owner for child in node.table + node.next_list if child.owner)
    return owners.most_common(1)[0][0] if owners else (node.owner or "*")


def check_ruleset(rules: Any) -> list[LimitProblem]:
    """Every problem that would make durable refuse, crash, hang or mis-match this ruleset."""
    problems: list[LimitProblem] = []
    _check_names(rules, problems)
    if problems and problems[0].code == "rule-shape":
        return problems
    ok = all([_check_rule(name, rule, problems) for name, rule in rules.items()])
    if ok and not problems:
        _check_network(rules, problems)
    return problems


__all__ = ["DURABLE_CHAR_MAP", "JSON_ESCAPED", "LimitProblem", "RulesetLimitError", "SENTINEL_KIND", "SENTINEL_RULE",
           "check_fact", "check_ruleset", "fnv1a_32", "harden_pattern", "harden_rules", "sentinel_rule",
           "MAX_FACT_PROPERTIES", "MAX_STRING_BYTES", "MAX_INT"]
