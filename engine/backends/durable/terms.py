"""What durable_rules can take: constants, property names, condition terms and facts.

Pure Python. The limits and encodings here were read in durable_rules 2.0.28's C
sources and verified on this machine (docs/explanation/durable-rules.md §3, §7, §8); the network
model that uses them is in limits.py.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

Cond = Any  # a condition as the compiler writes it: JSON-like, checked here before it is trusted
Stats = dict[str, int]  # "cross": cross-fact terms seen; "check": 0 while hardening an unchecked ruleset

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

def number_kind(value: object) -> str | None:
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


def _check_constant(value: object, where: str) -> None:
    """A constant durable can compare exactly (strings and numbers as encoding.py writes them)."""
    if isinstance(value, bool):
        return
    if isinstance(value, str):
        _check_string(value, where)
    elif isinstance(value, (int, float, Decimal)):
        _check_number(value, where)
    elif value is None:
        raise _Bad("value", f"{where}: null cannot be compared (durable matches $ex, $nex and == on null alike)")
    else:
        raise _Bad("value", f"{where}: a constant must be a string, number or boolean, not {type(value).__name__}")


def _check_string(value: str, where: str) -> None:
    if _BAD_CHARS.search(value):
        raise _Bad("value", f"{where}: lone surrogates and characters U+100000..U+10005F are not allowed")
    if len(value) * 4 > MAX_STRING_BYTES and _utf8_len(value) > MAX_STRING_BYTES:
        raise _Bad("string-size", f"{where}: a string of more than {MAX_STRING_BYTES} UTF-8 bytes")


def _check_number(value: int | float | Decimal, where: str) -> None:
    if isinstance(value, float):
        if not math.isfinite(value):
            raise _Bad("number", f"{where}: NaN or infinity")
        return
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise _Bad("number", f"{where}: NaN or infinity")
        if value and not -60 < value.adjusted() < 19:
            raise _Bad("number", f"{where}: {value} is out of range (written out in full for durable)")
        if number_kind(value) != "int":
            return
    if not -MAX_INT < value < MAX_INT:
        raise _Bad("number", f"{where}: integer outside +-2**62")


_BAD_CHARS = re.compile("[\ud800-\udfff\U00100000-\U0010005f]")


def _utf8_len(text: str) -> int:
    return len(text.translate(DURABLE_CHAR_MAP).encode("utf-8", "surrogatepass"))


def _check_property(name: object, where: str, *, element: bool = False) -> None:
    if not isinstance(name, str) or not name:
        raise _Bad("property", f"{where}: a property name must be a non-empty string")
    if _special(name):
        raise _Bad("property", f"{where}: property {name!r} holds a quote, backslash or control character")
    if element:
        if not _is_element_path(name):
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

def _is_element_path(name: str) -> bool:
    """'$i' (the element itself) or '$i.<field>', inside $iany/$iall."""
    return name == "$i" or name.startswith("$i.")


def _single(obj: object, where: str) -> tuple[str, Any]:
    if isinstance(obj, dict) and len(obj) > 1:
        raise _Bad("multi-key-condition", f"{where}: a condition is an object with exactly one key; durable "
                                          f"silently ignores all keys but the first of {sorted(map(str, obj))}")
    if not isinstance(obj, dict) or len(obj) != 1:
        raise _Bad("condition-shape", f"{where}: malformed condition {obj!r}")
    (key, value), = obj.items()
    if not isinstance(key, str):
        raise _Bad("condition-shape", f"{where}: keys must be strings")
    return key, value


def _operand(value: Any, aliases: tuple[str, ...], where: str, refs: set[str]) -> str:
    """Validate the right side of a comparison; returns 'const', 'self' ($m) or 'cross'."""
    if not isinstance(value, dict):
        if isinstance(value, (list, tuple)):
            raise _Bad("value", f"{where}: a list cannot be compared")
        _check_constant(value, where)
        return "const"
    key, inner = _single(value, where)
    if key in _ARITH:
        return _arithmetic(key, inner, aliases, where, refs)
    if key == "$m":
        _check_property(inner, where)
        return "self"
    if key not in aliases:
        raise _Bad("alias-ref", f"{where}: {key!r} is not an alias of an earlier pattern of this rule")
    _check_property(inner, where)
    refs.add(key)
    return "cross"


def _arithmetic(op: str, inner: Any, aliases: tuple[str, ...], where: str, refs: set[str]) -> str:
    """{op: {$l: a, $r: b}}; 'self' or 'cross' after what its operands refer to."""
    if not isinstance(inner, dict) or set(inner) != {"$l", "$r"}:
        raise _Bad("arithmetic", f"{where}: {op} needs exactly '$l' and '$r'")
    kinds = set()
    for side in ("$l", "$r"):
        operand = inner[side]
        if isinstance(operand, (str, bool)) or operand is None:
            raise _Bad("arithmetic", f"{where}: arithmetic works on numbers and fields only")
        kinds.add(_operand(operand, aliases, where, refs))
    if op == "$div":
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


def _test(op: str, body: Any, aliases: tuple[str, ...], where: str, refs: set[str], element: bool,
          stats: Stats) -> str:
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
                            "(docs/explanation/durable-rules.md §8.3); the engine matches patterns in Python")
    kind = _operand(value, aliases, where, refs)
    if element and kind != "const":
        raise _Bad("iany-shape", f"{where}: inside $iany/$iall only constants can be compared")
    if kind == "cross":
        stats["cross"] = stats.get("cross", 0) + 1
        return "cross"
    return "simple"


def _term(cond: Cond, aliases: tuple[str, ...], where: str, refs: set[str], element: bool = False,
          stats: Stats | None = None) -> str:
    """Validate one term and classify it (see above); `refs` collects the aliases it refers to."""
    stats = {} if stats is None else stats
    key, body = _single(cond, where)
    if key == "$and":
        return _and_term(body, aliases, where, refs, element, stats)
    if key == "$or":
        return _or_term(body, aliases, where, refs, element, stats)
    if key in ("$iany", "$iall"):
        return _element_term(key, body, aliases, where, refs, element, stats)
    if key == "$not" or key.endswith("$not"):
        raise _Bad("not-pattern", f"{where}: $not is not supported (order-dependent and crash-prone)")
    if key in _TESTS:
        if element and key == "$nex":
            raise _Bad("iany-shape", f"{where}: $nex cannot be used inside $iany/$iall")
        return _test(key, body, aliases, where, refs, element, stats)
    if key in _ARITH or key == "$m":
        raise _Bad("condition-shape", f"{where}: {key} must be the right side of a comparison")
    if key.startswith("$") and not (element and _is_element_path(key)):
        raise _Bad("unknown-operator", f"{where}: unknown operator {key!r}")
    # {prop: value}: equality
    return _test("$eq", {key: body}, aliases, where, refs, element, stats)


def _group(op: str, body: Any, where: str) -> list[Cond]:
    if not isinstance(body, list) or not body:
        raise _Bad("empty-group", f"{where}: {op} needs a non-empty list (an empty one matches every fact)")
    return body


def _and_term(body: Any, aliases: tuple[str, ...], where: str, refs: set[str], element: bool,
              stats: Stats) -> str:
    kinds = {_term(t, aliases, where, refs, element, stats) for t in _group("$and", body, where)}
    if "cross-or" in kinds or "mixed-and" in kinds:
        raise _Bad("cross-or", f"{where}: a cross-fact $or cannot be nested in $and")
    if kinds == {"cross"}:
        return "cross"
    return "mixed-and" if "cross" in kinds else "alpha-group"


def _or_term(body: Any, aliases: tuple[str, ...], where: str, refs: set[str], element: bool,
             stats: Stats) -> str:
    terms = _group("$or", body, where)
    kinds = [_term(t, aliases, where, refs, element, stats) for t in terms]
    if all(k == "cross" for k in kinds):
        if any(_single(t, where)[0] in ("$and", "$or") for t in terms):
            raise _Bad("cross-or", f"{where}: alternatives of a cross-fact $or must be single comparisons "
                                   "(durable stops evaluating after a nested group)")
        return "cross-or"
    if any(k not in ("simple", "alpha-group") for k in kinds):
        raise _Bad("mixed-or", f"{where}: an $or cannot mix same-fact and cross-fact alternatives "
                               "(durable drops the same-fact ones); split it into separate rules")
    return "alpha-group"


def _element_term(op: str, body: Any, aliases: tuple[str, ...], where: str, refs: set[str], element: bool,
                  stats: Stats) -> str:
    """{$iany|$iall: {list property: condition on its elements}}."""
    if element:
        raise _Bad("iany-shape", f"{where}: $iany/$iall cannot be nested")
    prop, inner = _single(body, where)
    _check_property(prop, where)
    _inner_condition(op, inner, aliases, where, refs, stats)
    return "alpha-group"


def _first_property(cond: Cond) -> str | None:
    key, body = next(iter(cond.items()))
    if key == "$and":
        return _first_property(body[0])
    if key == "$or":
        props = {_first_property(t) for t in body}
        return props.pop() if len(props) == 1 else None
    if key in _TESTS:
        return str(next(iter(body)))
    return str(key)


def _ors_consistent(cond: Cond) -> bool:
    """Inside $iany/$iall: every $or's alternatives start on one property."""
    key, body = next(iter(cond.items()))
    if key == "$and":
        return all(_ors_consistent(t) for t in body)
    if key == "$or":
        return _first_property(cond) is not None and all(_ors_consistent(t) for t in body)
    return True


def _inner_condition(op: str, inner: Cond, aliases: tuple[str, ...], where: str, refs: set[str],
                     stats: Stats) -> None:
    kind = _term(inner, aliases, where, refs, True, stats)
    if kind not in ("simple", "alpha-group"):
        raise _Bad("iany-shape", f"{where}: {op} cannot refer to other patterns")
    if not _ors_consistent(inner) and (op == "$iall" or len(_dnf(inner)) > MAX_DNF or not _dnf_ok(inner)):
        raise _Bad("iany-or", f"{where}: inside {op}, alternatives of an $or must test the same property "
                              "first (durable lets one overwrite the other)")


def _dnf(cond: Cond) -> list[list[Cond]]:
    """The condition as alternatives of conjunctions (stops growing past MAX_DNF)."""
    key, body = next(iter(cond.items()))
    if key == "$and":
        out: list[list[Cond]] = [[]]
        for term in body:
            out = [a + b for a in out for b in _dnf(term)]
            if len(out) > MAX_DNF:
                return out
        return out
    if key == "$or":
        alternatives: list[list[Cond]] = []
        for term in body:
            alternatives.extend(_dnf(term))
        return alternatives
    return [[cond]]


def _dnf_ok(cond: Cond) -> bool:
    return all(_ors_consistent({"$and": conj}) for conj in _dnf(cond))


# ---- facts ------------------------------------------------------------------------------------

def _fact_walk(obj: dict[Any, Any], path: str, problems: list[str], in_list: bool = False) -> int:
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


def _fact_value(value: object, where: str, problems: list[str]) -> None:
    try:
        _check_constant(value, where)
    except _Bad as exc:
        problems.append(exc.message)


def check_fact(fact: object) -> list[str]:
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
