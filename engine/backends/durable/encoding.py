"""JSON as durable_rules must read it: facts and rulesets (pure Python, imports nothing from durable).

durable's JSON reader has its own ideas (docs/explanation/durable-rules.md §3, §8), so we never
hand it what `json.dumps` writes by default:

- numbers are never written with an exponent (durable's batch reader stops
  silently at one), Decimals keep their exact digits, NaN and infinity are
  refused, integers stay within +-2**62;
- None values are dropped (durable matches $ex, $nex and == on null alike);
- strings are at most 65,535 UTF-8 bytes (longer ones are compared truncated);
- the characters JSON escapes (quote, backslash, controls) are mapped to
  private code points (`DURABLE_CHAR_MAP`), so durable compares the real text
  rather than its escaped form; lone surrogates and those code points are refused.

`encode` is the exact encoder. `FactEncoder.batch` writes a whole batch with
one call of the C json encoder in the common case, and falls back to `encode`
for anything unusual (escapes, tiny or huge floats, None, tuples).
"""

from __future__ import annotations

import json
import math
import re
from decimal import Decimal
from typing import Any

from engine.backends.durable.limits import (
    DURABLE_CHAR_MAP,
    MAX_FACT_PROPERTIES,
    MAX_INT,
    MAX_STRING_BYTES,
    SENTINEL_KIND,
    check_fact,
)

Fact = dict[str, Any]

_STR_TABLE = {c: chr(v) for c, v in DURABLE_CHAR_MAP.items()}
_RESERVED = re.compile("[\\ud800-\\udfff\\U00100000-\\U0010005f]")
_RUNTIME_KEYS = 3  # id, sid and _t, added to every fact
MAX_FACT_TEXT = 4_000_000  # durable refuses (silently, in a batch) a property of 16 MiB

dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False, check_circular=False).encode


class DurableRuntimeError(Exception):
    """durable_rules reported something we did not expect, or a fact cannot be asserted safely."""


class FactCollision(DurableRuntimeError):
    """Two fact ids (or a fact id and the session's state id) share a 32-bit hash: a fact would be lost."""


# ---- the exact encoder ------------------------------------------------------------------------

def encode_string(text: str, where: str) -> str:
    if _RESERVED.search(text):
        raise DurableRuntimeError(f"{where}: lone surrogates and U+100000..U+10005F cannot be asserted")
    mapped = text.translate(_STR_TABLE)
    if len(mapped) * 4 > MAX_STRING_BYTES and len(mapped.encode("utf-8")) > MAX_STRING_BYTES:
        raise DurableRuntimeError(f"{where}: a string longer than {MAX_STRING_BYTES} UTF-8 bytes "
                                  "(durable would compare it truncated and never regex-match it)")
    return '"' + mapped + '"'


def encode_number(value: int | float | Decimal, where: str) -> str:
    if isinstance(value, int):
        return _int_text(value, where)
    if isinstance(value, float):
        return _float_text(value, where)
    return _decimal_text(value, where)


def _int_text(value: int, where: str) -> str:
    if not -MAX_INT < value < MAX_INT:
        raise DurableRuntimeError(f"{where}: integer {value} outside +-2**62")
    return str(int(value))


def _float_text(value: float, where: str) -> str:
    if not math.isfinite(value):
        raise DurableRuntimeError(f"{where}: NaN or infinity cannot be asserted")
    text = repr(float(value))
    if "e" in text or "E" in text:  # shortest round-trip digits, written out in full
        text = format(Decimal(text), "f")
    return text if "." in text else text + ".0"


def _decimal_text(value: Decimal, where: str) -> str:
    if not value.is_finite():
        raise DurableRuntimeError(f"{where}: NaN or infinity cannot be asserted")
    if value and not -60 < value.adjusted() < 19:  # written out in full: keep it short and within +-2**62
        raise DurableRuntimeError(f"{where}: {value} is out of range for durable_rules")
    text = format(value, "f")
    if "." not in text and not -MAX_INT < value < MAX_INT:
        raise DurableRuntimeError(f"{where}: integer {value} outside +-2**62")
    return text


def encode(value: Any, where: str = "value") -> str:
    """JSON as durable must read it: see the module docstring."""
    if isinstance(value, str):
        return encode_string(value, where)
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, (int, float, Decimal)):
        return encode_number(value, where)
    if isinstance(value, dict):
        return _encode_object(value, where)
    if isinstance(value, (list, tuple)):
        return _encode_list(value, where)
    raise DurableRuntimeError(f"{where}: cannot assert a {type(value).__name__}")


def _encode_object(value: dict[Any, Any], where: str) -> str:
    parts = []
    for key, item in value.items():
        if not isinstance(key, str):
            raise DurableRuntimeError(f"{where}: keys must be strings, not {key!r}")
        if item is not None:
            parts.append(encode_string(key, where) + ":" + encode(item, f"{where}.{key}"))
    return "{" + ",".join(parts) + "}"


def _encode_list(value: list[Any] | tuple[Any, ...], where: str) -> str:
    for i, item in enumerate(value):
        if item is None or isinstance(item, (list, tuple)):
            raise DurableRuntimeError(f"{where}[{i}]: list items are strings, numbers, booleans or objects")
    return "[" + ",".join(encode(item, f"{where}[{i}]") for i, item in enumerate(value)) + "]"


def encode_ruleset(rules: dict[str, Any]) -> str:
    """A (hardened) ruleset as registered: the same exact encoder, so no exponent can reach durable."""
    return encode(rules, "ruleset")


# ---- is a fact plain enough for the C json encoder? ----------------------------------------------

class _Refused(ValueError):
    """A fact the exact encoder must look at, to say what is wrong with it."""


def _plain(value: Fact, check: bool) -> tuple[int, bool]:
    """(properties after flattening, whether the C json encoder writes it as durable needs).

    Raises _Refused on a problem; the caller then asks the exact encoder for the message.
    Hot: one call per fact and nested object, so the common kinds are tested inline.
    """
    count, plain = len(value), True
    for key, item in value.items():
        if type(key) is not str:
            raise _Refused
        kind = type(item)
        if kind is str or kind is bool or kind is Decimal:
            continue
        if kind is int:
            if not -MAX_INT < item < MAX_INT:
                raise _Refused
        elif kind is float:
            if item and not 1e-4 <= abs(item) < 1e16:  # repr() would use an exponent (or write inf/nan)
                plain = False
        elif kind is dict:
            nested, nested_plain = _plain(item, check)
            count += nested
            plain = plain and nested_plain
        elif kind is list:
            plain = _plain_list(item, check) and plain
        else:
            plain = False  # None, tuple, subclasses: the exact encoder decides
    return count, plain


def _plain_list(items: list[Any], check: bool) -> bool:
    plain = True
    for element in items:
        if type(element) is dict:
            count, element_plain = _plain(element, check)
            if check and count > MAX_FACT_PROPERTIES:
                raise _Refused
            plain = plain and element_plain
        elif type(element) not in (str, int, bool, Decimal):
            plain = False
    return plain


def _fact_problem(i: int, fact: Any) -> DurableRuntimeError:
    """What is wrong with fact `i`, in the exact encoder's or the static check's words."""
    where = f"fact {i}"
    if type(fact) is not dict:
        return DurableRuntimeError(f"{where}: a fact is a dict, not {type(fact).__name__}")
    if {"id", "sid", "_t"} & set(fact):
        return DurableRuntimeError(f"{where}: 'id', 'sid' and '_t' are set by the runtime")
    if fact.get("k") == SENTINEL_KIND:
        return DurableRuntimeError(f"{where}: k={SENTINEL_KIND!r} is reserved for the runtime")
    try:
        encode(fact, where)
    except DurableRuntimeError as exc:
        return exc
    problems = check_fact(fact)
    return DurableRuntimeError(f"{where}: {'; '.join(problems) or 'cannot be asserted'}")


# ---- batches ---------------------------------------------------------------------------------------

_MARK = "\U0010005d"  # reserved: no asserted string may hold it
_MARKED = re.compile('"\U0010005d([-0-9.]+)"')


class FactEncoder:
    """Writes a batch of facts for `assert_facts`, with the runtime's id, sid and `_t` on each.

    `check=False` lets facts past the property limit through (tests that show
    what durable does with them); `exact_numbers=False` writes plain `json.dumps`
    (tests showing what the exact encoder prevents).
    """

    def __init__(self, *, check: bool = True, exact_numbers: bool = True):
        self.check = check
        self.exact_numbers = exact_numbers
        self._marked = 0  # Decimals the hook wrote in the current batch (one at a time: under the session lock)
        self._dumps_marked = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False,
                                              check_circular=False, default=self._decimal_hook).encode

    def batch(self, facts: list[Any], ids: list[str], sid: str, sentinel_id: str | None) -> tuple[str, list[str]]:
        """The batch as durable must read it, and the text of each fact in it (the sentinel, if any, last)."""
        rows, plain = self._rows(facts, ids, sid)
        if sentinel_id is not None:
            rows.append({"id": sentinel_id, "sid": sid, "_t": 1, "k": SENTINEL_KIND})
        if not self.exact_numbers:  # tests only
            texts = [json.dumps({k: v for k, v in row.items() if v is not None}, ensure_ascii=False, default=float)
                     for row in rows]
            return "[" + ",".join(texts) + "]", texts
        if plain:
            fast = self._fast(rows)
            if fast is not None:
                return fast
        texts = [encode(row, f"fact {i}") for i, row in enumerate(rows)]
        return "[" + ",".join(texts) + "]", texts

    def _rows(self, facts: list[Any], ids: list[str], sid: str) -> tuple[list[Fact], bool]:
        """Each fact with id, sid and _t, and whether all of them are plain; refuses what cannot be asserted."""
        rows, plain_all, limit = [], True, MAX_FACT_PROPERTIES - _RUNTIME_KEYS
        for i, fact in enumerate(facts):
            if type(fact) is not dict:
                raise _fact_problem(i, fact)
            row = {"id": ids[i], "sid": sid, "_t": 1, **fact}
            if len(row) != len(fact) + _RUNTIME_KEYS or fact.get("k") == SENTINEL_KIND:
                raise _fact_problem(i, fact)
            try:
                count, plain = _plain(fact, self.check)
            except _Refused:
                raise _fact_problem(i, fact) from None
            if self.check and count > limit:
                raise DurableRuntimeError(f"fact {i}: {count + _RUNTIME_KEYS} properties after flattening nested "
                                          f"objects (id, sid, _t included); at most {MAX_FACT_PROPERTIES}")
            plain_all = plain_all and plain
            rows.append(row)
        return rows, plain_all

    def _decimal_hook(self, value: Any) -> str:
        """C json encoder hook: a Decimal becomes a marked string, unquoted afterwards (exact digits)."""
        if isinstance(value, Decimal):
            self._marked += 1
            return _MARK + _decimal_text(value, "value")
        raise TypeError(type(value).__name__)

    def _fast(self, rows: list[Fact]) -> tuple[str, list[str]] | None:
        """One call of the C json encoder, or None where the exact encoder must decide."""
        self._marked = 0
        try:
            text = self._dumps_marked(rows)
        except (TypeError, ValueError, DurableRuntimeError):  # the exact encoder will say where
            return None
        if "\\" in text:  # some string needed escaping: the exact encoder maps those characters
            return None
        if not text.isascii():
            unmarked = self._unmark(text)
            if unmarked is None or not _all_bmp(unmarked):
                return None
            text = unmarked
        if len(text) > MAX_STRING_BYTES // 4 and _long_string(text):
            return None
        return _split_rows(text, len(rows))

    def _unmark(self, text: str) -> str | None:
        """The Decimals' marked strings unquoted; None if a string holds the marker itself (refused later)."""
        if not self._marked:
            return text
        if text.count(_MARK) != self._marked:
            return None
        return _MARKED.sub(r"\1", text)


def _all_bmp(text: str) -> bool:
    """No astral character (it may be a reserved one: the exact encoder judges) nor lone surrogate."""
    try:
        return len(text.encode("utf-16-le")) == 2 * len(text)
    except UnicodeEncodeError:  # a lone surrogate
        return False


def _long_string(text: str) -> bool:
    return any(len(part) * 4 > MAX_STRING_BYTES and len(part.encode("utf-8")) > MAX_STRING_BYTES
               for part in text.split('"'))


def _split_rows(text: str, count: int) -> tuple[str, list[str]] | None:
    """The text of each row of a JSON array of rows that all start with "id"."""
    parts = text[1:-1].split('},{"id":"')
    if len(parts) != count:  # a nested object starting with "id" too: cut the slow way
        return None
    texts = ['{"id":"' + part + "}" for part in parts]
    texts[0] = parts[0] + "}"
    texts[-1] = texts[-1][:-1]
    return text, texts


__all__ = ["MAX_FACT_TEXT", "DurableRuntimeError", "FactCollision", "FactEncoder", "dumps", "encode",
           "encode_number", "encode_ruleset", "encode_string"]
