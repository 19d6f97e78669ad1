"""Static checks of a durable_rules ruleset: refuse what can crash, hang or mis-match.

Pure Python (imports nothing from durable), so packs can be checked anywhere.
`check_ruleset(rules)` takes the ruleset our compiler writes (durable's JSON
condition language, without workarounds), applies the same hardening the
runtime applies (`harden_rules`), models the alpha network exactly as
durable's `createAlpha`/`findAlpha` (src/rules/rete.c) would build it, and
reports every problem as a `LimitProblem(rule, message, code)`.

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

import copy
import math
import re
from dataclasses import dataclass
from decimal import Decimal

MAX_RULES = 4000
MAX_PATTERNS = 16
MAX_CROSS_TERMS = 25
MAX_SEQUENCE = 31
MAX_CHILDREN = 500
MAX_NEXT_LIST = 120
MAX_BETAS = 250
MAX_STACK = 60
MAX_PRI = 65534
MAX_FACT_PROPERTIES = 250
MAX_STRING_BYTES = 65535

# Characters JSON escapes, and where the runtime moves them (plane 16 private use) so that
# durable compares the real text rather than its escaped form.
JSON_ESCAPED = frozenset([*range(0x20), 0x22, 0x5C])
DURABLE_CHAR_MAP = {c: 0x100000 + c for c in JSON_ESCAPED}
MAX_INT = 2 ** 62
MAX_DNF = 16

SENTINEL_RULE = "__end__"
SENTINEL_KIND = "__end__"
RESERVED_PROPERTIES = frozenset({"id", "sid", "_t", "$s"})

_CMP = {"$lt", "$lte", "$gt", "$gte", "$neq", "$eq"}
_ARITH = {"$add", "$sub", "$mul", "$div"}
_TESTS = _CMP | {"$ex", "$nex", "$mt", "$imt"}
_ALIAS_CHARS = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")


@dataclass(frozen=True)
class LimitProblem:
    rule: str
    message: str
    code: str

    def __str__(self) -> str:
        return f"{self.rule}: {self.message} [{self.code}]"


class RulesetLimitError(Exception):
    """The ruleset would reach a durable_rules limit, crash or hang; carries every problem."""

    def __init__(self, problems: list[LimitProblem]):
        self.problems = list(problems)
        super().__init__("; ".join(str(p) for p in self.problems) or "ruleset refused")


class _Bad(Exception):
    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


def fnv1a_32(text: str) -> int:
    """durable's fnv1Hash32: FNV-1a over UTF-8 bytes read as *signed* char (x86)."""
    h = 0x811C9DC5
    for b in text.encode("utf-8", "surrogatepass"):
        h ^= b | 0xFFFFFF00 if b & 0x80 else b
        h = (h * 0x01000193) & 0xFFFFFFFF
    return h


def _special(text: str) -> bool:
    return any(ord(c) in JSON_ESCAPED for c in text)


# ---- values -------------------------------------------------------------------------------

def number_kind(value) -> str | None:
    """'int' / 'double' as durable's JSON parser will type the number our encoder writes."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "double"
    if isinstance(value, Decimal):
        return "int" if "." not in format(value, "f") else "double"
    return None


def _check_constant(value, where: str) -> None:
    if isinstance(value, bool):
        return
    if isinstance(value, str):
        if _BAD_CHARS.search(value):
            raise _Bad("value", f"{where}: lone surrogates and characters U+100000..U+10005F are not allowed")
        if len(value) * 4 > MAX_STRING_BYTES and _utf8_len(value) > MAX_STRING_BYTES:
            raise _Bad("string-size", f"{where}: a string of more than {MAX_STRING_BYTES} UTF-8 bytes")
        return
    if isinstance(value, int):
        if not -MAX_INT < value < MAX_INT:
            raise _Bad("number", f"{where}: integer outside +-2**62")
        return
    if isinstance(value, float):
        if not math.isfinite(value):
            raise _Bad("number", f"{where}: NaN or infinity")
        return
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise _Bad("number", f"{where}: NaN or infinity")
        if value and not -60 < value.adjusted() < 19:
            raise _Bad("number", f"{where}: {value} is out of range (written out in full for durable)")
        if number_kind(value) == "int" and not -MAX_INT < value < MAX_INT:
            raise _Bad("number", f"{where}: integer outside +-2**62")
        return
    if value is None:
        raise _Bad("value", f"{where}: null cannot be compared (durable matches $ex, $nex and == on null alike)")
    raise _Bad("value", f"{where}: a constant must be a string, number or boolean, not {type(value).__name__}")


_BAD_CHARS = re.compile("[\ud800-\udfff\U00100000-\U0010005f]")


def _utf8_len(text: str) -> int:
    return len(text.translate(_MAP_TABLE).encode("utf-8", "surrogatepass"))


_MAP_TABLE = dict(DURABLE_CHAR_MAP)


def _check_property(name, where: str, *, element: bool = False) -> None:
    if not isinstance(name, str) or not name:
        raise _Bad("property", f"{where}: a property name must be a non-empty string")
    if _special(name):
        raise _Bad("property", f"{where}: property {name!r} holds a quote, backslash or control character")
    if element:
        if name != "$i" and not name.startswith("$i."):
            raise _Bad("iany-property", f"{where}: inside $iany/$iall test '$i' or '$i.<field>', not {name!r}")
        return
    if name.startswith("$"):
        raise _Bad("unknown-operator", f"{where}: {name!r} is not an operator durable knows; "
                                       "it would be read as a property and never match")
    if name in RESERVED_PROPERTIES:
        raise _Bad("reserved-property", f"{where}: property {name!r} is set by the runtime")


# ---- condition validation and classification --------------------------------------------------
# A term is classified as: "simple" (one alpha test), "cross" (one comparison with another
# alias), "alpha-group" ($or/$iany/$iall without cross terms), "cross-or".

def _single(obj, where: str):
    if isinstance(obj, dict) and len(obj) > 1:
        raise _Bad("multi-key-condition", f"{where}: a condition is an object with exactly one key; durable "
                                          f"silently ignores all keys but the first of {sorted(map(str, obj))}")
    if not isinstance(obj, dict) or len(obj) != 1:
        raise _Bad("condition-shape", f"{where}: malformed condition {obj!r}")
    (key, value), = obj.items()
    if not isinstance(key, str):
        raise _Bad("condition-shape", f"{where}: keys must be strings")
    return key, value


def _operand(value, aliases: tuple, where: str, refs: set) -> str:
    """Validate the right side of a comparison; returns 'const', 'self' ($m) or 'cross'."""
    if not isinstance(value, dict):
        if isinstance(value, (list, tuple)):
            raise _Bad("value", f"{where}: a list cannot be compared")
        _check_constant(value, where)
        return "const"
    key, inner = _single(value, where)
    if key in _ARITH:
        if not isinstance(inner, dict) or set(inner) != {"$l", "$r"}:
            raise _Bad("arithmetic", f"{where}: {key} needs exactly '$l' and '$r'")
        kinds = set()
        for side in ("$l", "$r"):
            operand = inner[side]
            if isinstance(operand, (str, bool)) or operand is None:
                raise _Bad("arithmetic", f"{where}: arithmetic works on numbers and fields only")
            kinds.add(_operand(operand, aliases, where, refs))
        if key == "$div":
            divisor = inner["$r"]
            if isinstance(divisor, dict) or number_kind(divisor) is None or divisor == 0:
                raise _Bad("div-divisor", f"{where}: $div needs a non-zero number as divisor "
                                          "(an integer division by a zero field kills the process)")
        kinds.discard("const")
        if kinds == {"self", "cross"}:
            raise _Bad("mixed-ref", f"{where}: one expression cannot mix $m and another alias")
        if not kinds:
            raise _Bad("arithmetic", f"{where}: arithmetic on constants only never matches in durable; "
                                     "write the result")
        return kinds.pop()
    if key == "$m":
        _check_property(inner, where)
        return "self"
    if key not in aliases:
        raise _Bad("alias-ref", f"{where}: {key!r} is not an alias of an earlier pattern of this rule")
    _check_property(inner, where)
    refs.add(key)
    return "cross"


def _test(op: str, body, aliases: tuple, where: str, refs: set, element: bool, stats: dict) -> str:
    """One comparison {op: {prop: value}}; returns 'simple' or 'cross'."""
    prop, value = _single(body, where)
    _check_property(prop, where, element=element)
    if op in ("$ex", "$nex"):
        if isinstance(value, (dict, list)) or value is None:
            raise _Bad("value", f"{where}: {op} takes {{property: 1}}")
        return "simple"
    if op in ("$mt", "$imt"):
        if not stats.get("check", True):  # hardening a deliberately unchecked ruleset (probe tests)
            return "simple"
        raise _Bad("regex", f"{where}: {op} is not used: durable's regex engine crashes, hangs or mis-matches "
                            "(DURABLE_RULES.md §8); the engine matches patterns in Python")
    kind = _operand(value, aliases, where, refs)
    if element and kind != "const":
        raise _Bad("iany-shape", f"{where}: inside $iany/$iall only constants can be compared")
    if kind == "cross":
        stats["cross"] = stats.get("cross", 0) + 1
        return "cross"
    return "simple"


def _term(cond, aliases: tuple, where: str, refs: set, element: bool = False, stats: dict | None = None) -> str:
    stats = {} if stats is None else stats
    key, body = _single(cond, where)
    if key == "$and":
        if not isinstance(body, list) or not body:
            raise _Bad("empty-group", f"{where}: $and needs a non-empty list (an empty one matches every fact)")
        kinds = {_term(t, aliases, where, refs, element, stats) for t in body}
        if "cross-or" in kinds or "mixed-and" in kinds:
            raise _Bad("cross-or", f"{where}: a cross-fact $or cannot be nested in $and")
        if kinds == {"cross"}:
            return "cross"
        return "mixed-and" if "cross" in kinds else "alpha-group"
    if key == "$or":
        if not isinstance(body, list) or not body:
            raise _Bad("empty-group", f"{where}: $or needs a non-empty list (an empty one matches every fact)")
        kinds = [_term(t, aliases, where, refs, element, stats) for t in body]
        if all(k == "cross" for k in kinds):
            if any(_single(t, where)[0] in ("$and", "$or") for t in body):
                raise _Bad("cross-or", f"{where}: alternatives of a cross-fact $or must be single comparisons "
                                       "(durable stops evaluating after a nested group)")
            return "cross-or"
        if any(k != "simple" and k != "alpha-group" for k in kinds):
            raise _Bad("mixed-or", f"{where}: an $or cannot mix same-fact and cross-fact alternatives "
                                   "(durable drops the same-fact ones); split it into separate rules")
        return "alpha-group"
    if key in ("$iany", "$iall"):
        if element:
            raise _Bad("iany-shape", f"{where}: $iany/$iall cannot be nested")
        prop, inner = _single(body, where)
        _check_property(prop, where)
        _inner_condition(key, inner, aliases, where, refs, stats)
        return "alpha-group"
    if key == "$not" or key.endswith("$not"):
        raise _Bad("not-pattern", f"{where}: $not is not supported (order-dependent and crash-prone)")
    if key in _CMP or key in ("$ex", "$nex", "$mt", "$imt"):
        if element and key == "$nex":
            raise _Bad("iany-shape", f"{where}: $nex cannot be used inside $iany/$iall")
        return _test(key, body, aliases, where, refs, element, stats)
    if key in _ARITH or key == "$m":
        raise _Bad("condition-shape", f"{where}: {key} must be the right side of a comparison")
    if key.startswith("$") and not (element and (key == "$i" or key.startswith("$i."))):
        raise _Bad("unknown-operator", f"{where}: unknown operator {key!r}")
    # {prop: value}: equality
    return _test("$eq", {key: body}, aliases, where, refs, element, stats)


def _first_property(cond) -> str | None:
    key, body = next(iter(cond.items()))
    if key == "$and":
        return _first_property(body[0])
    if key == "$or":
        props = {_first_property(t) for t in body}
        return props.pop() if len(props) == 1 else None
    if key in _CMP or key in ("$ex", "$nex", "$mt", "$imt"):
        return next(iter(body))
    return key


def _ors_consistent(cond) -> bool:
    """Inside $iany/$iall: every $or's alternatives start on one property."""
    key, body = next(iter(cond.items()))
    if key == "$and":
        return all(_ors_consistent(t) for t in body)
    if key == "$or":
        return _first_property(cond) is not None and all(_ors_consistent(t) for t in body)
    return True


def _inner_condition(op: str, inner, aliases: tuple, where: str, refs: set, stats: dict) -> None:
    kind = _term(inner, aliases, where, refs, True, stats)
    if kind not in ("simple", "alpha-group"):
        raise _Bad("iany-shape", f"{where}: {op} cannot refer to other patterns")
    if not _ors_consistent(inner) and (op == "$iall" or len(_dnf(inner)) > MAX_DNF or not _dnf_ok(inner)):
        raise _Bad("iany-or", f"{where}: inside {op}, alternatives of an $or must test the same property "
                              "first (durable lets one overwrite the other)")


def _dnf(cond) -> list[list[dict]]:
    key, body = next(iter(cond.items()))
    if key == "$and":
        out = [[]]
        for term in body:
            out = [a + b for a in out for b in _dnf(term)]
            if len(out) > MAX_DNF:
                return out
        return out
    if key == "$or":
        out = []
        for term in body:
            out.extend(_dnf(term))
        return out
    return [[cond]]


def _dnf_ok(cond) -> bool:
    return all(_ors_consistent({"$and": conj}) for conj in _dnf(cond))


# ---- hardening (the structural part of the runtime's workarounds) -------------------------------

def _flatten(cond) -> list:
    key, body = next(iter(cond.items()))
    if key == "$and":
        out = []
        for term in body:
            out.extend(_flatten(term))
        return out
    return [cond]


def _flatten_or(terms: list) -> list:
    out = []
    for term in terms:
        key, body = next(iter(term.items()))
        out.extend(_flatten_or(body) if key == "$or" else [term])
    return out


def _kind(term, aliases: tuple) -> str:
    refs: set = set()
    try:
        return _term(term, aliases, "", refs, False, {"check": False})
    except _Bad:  # an unchecked ruleset (tests only): leave the term where it is
        return "simple"


def _refs_of(term, aliases: tuple) -> list[str]:
    refs: set = set()
    try:
        _term(term, aliases, "", refs, False, {"check": False})
    except _Bad:
        return []
    return sorted(refs, key=aliases.index)


def _float_divisors(term):
    """Integer constant divisors become floats, so that $div divides like Python."""
    if isinstance(term, dict):
        out = {}
        for key, value in term.items():
            if key == "$div" and isinstance(value, dict) and number_kind(value.get("$r")) == "int":
                value = dict(value, **{"$r": float(value["$r"])})
            out[key] = _float_divisors(value)
        return out
    if isinstance(term, list):
        return [_float_divisors(t) for t in term]
    return term


def _split_iany(term):
    """$iany: {p: A or B} -> $or: [$iany: {p: A}, $iany: {p: B}] where the $or is unsafe inside."""
    key, body = next(iter(term.items()))
    if key == "$iany":
        (prop, inner), = body.items()
        if not _ors_consistent(inner):
            alts = [{"$iany": {prop: conj[0] if len(conj) == 1 else {"$and": conj}}} for conj in _dnf(inner)]
            return alts[0] if len(alts) == 1 else {"$or": alts}
        return term
    if key in ("$or", "$and"):
        return {key: [_split_iany(t) for t in body]}
    return term


def harden_pattern(cond, aliases: tuple, disabled=frozenset()):
    """The pattern as registered: see the module docstring for each step."""
    cond = _float_divisors(cond)
    if "iany_or" not in disabled:
        cond = _split_iany(cond)
    terms = _flatten(cond) if "reorder" not in disabled else [cond]
    if len(terms) == 1 and "reorder" in disabled:
        key, body = next(iter(cond.items()))
        terms = list(body) if key == "$and" else [cond]
    refs: list[str] = []
    for t in terms:
        refs.extend(r for r in _refs_of(t, aliases) if r not in refs)
    if not refs:
        return terms[0] if len(terms) == 1 else {"$and": terms}
    anchor = refs[0]
    if "reorder" not in disabled:
        kinds = [_kind(t, aliases) for t in terms]
        first, rest = terms[:1], list(zip(terms[1:], kinds[1:]))
        terms = (first + [t for t, k in rest if k == "simple"] + [t for t, k in rest if k == "cross"]
                 + [t for t, k in rest if k == "cross-or"] + [t for t, k in rest if k == "alpha-group"])
    if "or_false" not in disabled:
        terms = [({"$or": _flatten_or(t["$or"]) + [{"$lt": {"_t": {anchor: "_t"}}}]}
                  if "$or" in t and _kind(t, aliases) == "cross-or" else t) for t in terms]
    if "t_term" not in disabled:
        terms = terms + [{"$gte": {"_t": {anchor: "_t"}}}]
    return {"$and": terms}


def sentinel_rule() -> dict:
    return {"all": [{"m": {"k": SENTINEL_KIND}}], "pri": MAX_PRI + 1}


def harden_rules(rules: dict, disabled=frozenset()) -> dict:
    """The ruleset the runtime registers. Assumes check_ruleset found no problem."""
    out = {}
    for name, rule in rules.items():
        patterns, aliases = [], ()
        for pattern in rule["all"]:
            (alias, cond), = pattern.items()
            patterns.append({alias: harden_pattern(copy.deepcopy(cond), aliases, disabled)})
            aliases = aliases + (alias,)
        hardened = {"all": patterns}
        if "pri" in rule:
            hardened["pri"] = rule["pri"]
        out[name] = hardened
    if "sentinel" not in disabled:
        out[SENTINEL_RULE] = sentinel_rule()
    return out


# ---- the alpha network model ---------------------------------------------------------------------

class _Node:
    __slots__ = ("key", "kind", "op", "prop", "table", "array", "next_list", "betas", "const_type", "owner",
                 "shared")

    def __init__(self, kind: str, op: str = "", prop: str = "", key=None, const_type: str | None = None):
        self.kind, self.op, self.prop, self.key, self.const_type = kind, op, prop, key, const_type
        self.table: list[_Node] = []
        self.array: list[_Node] = []
        self.next_list: list[_Node] = []
        self.betas = 0
        self.owner = ""
        self.shared: dict = {}  # (property, operator, constant) -> child, as findAlpha looks them up


def _const_key(value):
    if isinstance(value, bool):
        return ("bool", value)
    if isinstance(value, str):
        return ("str", value)
    kind = number_kind(value)
    return (kind, float(value) if kind == "double" else int(value))


class _Network:
    def __init__(self):
        self.root = _Node("root")
        self.sequence = 0  # expression-sequence entries of the pattern being built
        self.owner = ""

    def find(self, parent: _Node, to_array: bool, kind: str, op: str, prop: str, key) -> _Node:
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

    def build(self, cond, parent: _Node, to_array: bool = False) -> _Node:
        key, body = next(iter(cond.items()))
        if key == "$and":
            self.sequence += 2
            node = parent
            for i, term in enumerate(body):
                node = self.build(term, node, to_array and i == 0)
            return node
        if key == "$or":
            self.sequence += 2
            forward = _Node("forward", "$nex", "$forward")
            forward.owner = self.owner
            for term in body:
                end = self.build(term, parent, to_array)
                end.next_list.append(forward)
            return forward
        if key in ("$iany", "$iall"):
            (prop, inner), = body.items()
            node = self.find(parent, to_array, "array", key, prop, None)
            self.build(inner, node, True)
            return node
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


def _aliases_in(value) -> list[str]:
    if not isinstance(value, dict):
        return []
    out = []
    for key, inner in value.items():
        if key in _ARITH:
            out += _aliases_in(inner.get("$l")) + _aliases_in(inner.get("$r"))
        elif key not in ("$m", "$l", "$r"):
            out.append(key)
    return out


def _cosatisfiable(node: _Node) -> int:
    """How many children of `node` one fact can satisfy at once (an upper bound)."""
    eq_types: dict[str, set] = {}
    count = len(node.next_list)
    for child in node.table:
        if child.op == "$eq" and child.const_type is not None:
            eq_types.setdefault(child.prop, set()).add(child.const_type)
        else:
            count += 1
    return count + sum(len(types) for types in eq_types.values())


def _stack_peak(node: _Node, memo: dict) -> int:
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


def _walk(node: _Node, seen: set):
    if id(node) in seen:
        return
    seen.add(id(node))
    yield node
    for child in node.table + node.array + node.next_list:
        yield from _walk(child, seen)


# ---- the check -----------------------------------------------------------------------------------

def _check_names(rules, problems: list) -> None:
    if not isinstance(rules, dict):
        problems.append(LimitProblem("*", "a ruleset is an object of rules", "rule-shape"))
        return
    if len(rules) > MAX_RULES:
        problems.append(LimitProblem("*", f"{len(rules)} rules; at most {MAX_RULES}", "rule-count"))


def _check_rule(name, rule, problems: list) -> bool:
    def bad(code, message):
        problems.append(LimitProblem(str(name), message, code))

    if not isinstance(name, str) or not name or len(name) > 200 or _special(name) or name.startswith("__"):
        bad("reserved-name", "a rule name is 1-200 characters, without quotes, backslashes or control "
                             "characters, and does not start with '__'")
        return False
    if not isinstance(rule, dict) or "all" not in rule or set(rule) - {"all", "pri"}:
        bad("rule-shape", "a rule is {'all': [patterns...]} with an optional 'pri'")
        return False
    if "pri" in rule:
        pri = rule["pri"]
        if not isinstance(pri, int) or isinstance(pri, bool) or not 0 <= pri <= MAX_PRI:
            bad("pri", f"pri must be an integer in 0..{MAX_PRI} (65535 is the runtime's sentinel)")
    patterns = rule["all"]
    if not isinstance(patterns, list) or not patterns:
        bad("rule-shape", "'all' must be a non-empty list of patterns")
        return False
    if len(patterns) > MAX_PATTERNS:
        bad("patterns", f"{len(patterns)} patterns; durable allows at most {MAX_PATTERNS} per rule")
    aliases: tuple = ()
    ok = True
    for index, pattern in enumerate(patterns):
        where = f"pattern {index + 1}"
        try:
            alias, cond = _single(pattern, where)
            if not isinstance(alias, str) or not alias or len(alias) > 64 or not set(alias) <= _ALIAS_CHARS \
                    or alias[0].isdigit():
                if isinstance(alias, str) and alias.endswith("$not"):
                    raise _Bad("not-pattern", f"{where}: $not patterns are not supported")
                raise _Bad("alias", f"{where}: an alias is a short identifier ([A-Za-z_][A-Za-z0-9_]*)")
            if alias in aliases:
                raise _Bad("alias", f"{where}: alias {alias!r} used twice")
            if fnv1a_32(alias) in {fnv1a_32(a) for a in aliases}:
                raise _Bad("hash-collision", f"{where}: alias {alias!r} has the same 32-bit hash as another")
            terms = _flatten_checked(cond, where)
            fkey, fbody = _single(terms[0], where)
            if fkey == "$eq":
                fkey, fbody = _single(fbody, where)
            if fkey != "k" or not isinstance(fbody, str) or not fbody or fbody == SENTINEL_KIND:
                raise _Bad("discriminator", f"{where}: a pattern must start with a positive equality on 'k' "
                                            "with a string (anything else can match the session's state fact)")
            refs: set = set()
            stats: dict = {}
            kinds = [_term(t, aliases, where, refs, False, stats) for t in terms]
            if sum(1 for k in kinds if k == "cross-or") > 1:
                raise _Bad("cross-or", f"{where}: at most one cross-fact $or per pattern (durable stops "
                                       "evaluating after the first group)")
            if refs and index == 0:
                raise _Bad("alias-ref", f"{where}: the first pattern cannot refer to another")
            crosses = stats.get("cross", 0)
            if crosses > MAX_CROSS_TERMS:
                raise _Bad("cross-terms", f"{where}: {crosses} cross-fact terms; at most {MAX_CROSS_TERMS}")
        except _Bad as exc:
            bad(exc.code, exc.message)
            ok = False
        aliases = aliases + (alias if isinstance(pattern, dict) and len(pattern) == 1 else f"?{index}",)
    return ok


def _flatten_checked(cond, where: str) -> list:
    key, body = _single(cond, where)
    if key != "$and":
        return [cond]
    if not isinstance(body, list) or not body:
        raise _Bad("empty-group", f"{where}: $and needs a non-empty list (an empty one matches every fact)")
    out = []
    for term in body:
        out.extend(_flatten_checked(term, where))
    return out


def _check_network(rules: dict, problems: list) -> None:
    net = _Network()
    names = {}
    properties: dict[int, str] = {}
    for name, rule in harden_rules(rules).items():
        net.owner = name
        for index, pattern in enumerate(rule["all"]):
            (alias, cond), = pattern.items()
            net.sequence = 0
            end = net.build(cond, net.root)
            end.betas += 1
            names.setdefault(id(end), name)
            if net.sequence > MAX_SEQUENCE:
                problems.append(LimitProblem(name, f"pattern {index + 1} needs {net.sequence} expression entries "
                                                   f"(cross-fact terms + 2 per $and/$or, after hardening); "
                                                   f"durable holds {MAX_SEQUENCE}", "expression-limit"))
    for node in _walk(net.root, set()):
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
                problems.append(LimitProblem(names.get(id(node), node.owner or "*"),
                                             f"{where} has {count} {what}; at most {limit}", code))
    peak = _stack_peak(net.root, {})
    if peak > MAX_STACK:
        widest = max(_walk(net.root, set()), key=_cosatisfiable)
        problems.append(LimitProblem(widest.owner or "*",
                                     f"one fact can satisfy up to {peak} pending tests at once (durable's matching "
                                     f"stack holds 64; limit {MAX_STACK}); the widest node is the test "
                                     f"{widest.op} on {widest.prop!r} with {_cosatisfiable(widest)} co-satisfiable "
                                     "children: fewer conditions on the same kind of fact", "alpha-stack"))


def check_ruleset(rules: dict) -> list[LimitProblem]:
    """Every problem that would make durable refuse, crash, hang or mis-match this ruleset."""
    problems: list[LimitProblem] = []
    _check_names(rules, problems)
    if problems and problems[0].code == "rule-shape":
        return problems
    ok = all([_check_rule(name, rule, problems) for name, rule in rules.items()])
    if ok and not problems:
        _check_network(rules, problems)
    return problems


# ---- facts ------------------------------------------------------------------------------------

def _fact_walk(obj, path: str, problems: list, in_list: bool = False) -> int:
    count = 0
    for key, value in obj.items():
        where = f"{path}.{key}" if path else str(key)
        if not isinstance(key, str):
            problems.append(f"{where}: keys must be strings")
            continue
        if value is None:
            continue
        count += 1
        if isinstance(value, dict):
            count += _fact_walk(value, where, problems, in_list)
        elif isinstance(value, (list, tuple)):
            for i, item in enumerate(value):
                if isinstance(item, dict):
                    n = _fact_walk(item, f"{where}[{i}]", problems, True)
                    if n > MAX_FACT_PROPERTIES:
                        problems.append(f"{where}[{i}]: {n} properties; at most {MAX_FACT_PROPERTIES}")
                elif item is None or isinstance(item, (list, tuple)):
                    problems.append(f"{where}[{i}]: list items are strings, numbers, booleans or objects")
                else:
                    _fact_value(item, f"{where}[{i}]", problems)
        else:
            _fact_value(value, where, problems)
    return count


def _fact_value(value, where: str, problems: list) -> None:
    try:
        _check_constant(value, where)
    except _Bad as exc:
        problems.append(exc.message)


def check_fact(fact) -> list[str]:
    """Problems of one fact as the runtime would assert it (with id, sid and _t added)."""
    if not isinstance(fact, dict):
        return ["a fact is an object"]
    problems: list[str] = []
    for key in RESERVED_PROPERTIES:
        if key in fact:
            problems.append(f"{key}: reserved for the runtime")
    if fact.get("k") == SENTINEL_KIND:
        problems.append(f"k: {SENTINEL_KIND!r} is reserved for the runtime")
    count = _fact_walk(fact, "", problems) + 3
    if count > MAX_FACT_PROPERTIES:
        problems.append(f"{count} properties after flattening nested objects (id, sid, _t included); "
                        f"at most {MAX_FACT_PROPERTIES}")
    return problems


__all__ = ["LimitProblem", "RulesetLimitError", "check_fact", "check_ruleset", "fnv1a_32", "harden_pattern",
           "harden_rules", "sentinel_rule", "MAX_FACT_PROPERTIES", "MAX_STRING_BYTES", "MAX_INT"]
