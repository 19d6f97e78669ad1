"""The only module that talks to durable_rules (its C extension `durable_rules_engine`).

A `CompiledRuleset` registers a ruleset once per process and evaluates one
profile per session (sid): assert the facts in one batch, drain the agenda,
record the activations, optionally chain further batches (`then`), delete the
session. Every workaround of DURABLE_RULES.md §8/§12 lives here or in
`durable_limits` (pure Python); tests can switch each off (`_DISABLED`):

- sentinel   an `__end__` rule (pri 65535) and a sentinel fact asserted last in
             every batch, so an action always starts and the session's action
             context is initialised before `delete_state` (§8.1: it frees an
             uninitialised pointer - verified to crash once the state pool sits in
             recycled heap memory);
- prime      after registration one empty session runs, so the state slot that later
             sessions reuse (one live sid, LIFO free list) is initialised anyway;
- recover    if an assert fails half-way, the sentinel is asserted and drained before
             the delete; if even that fails the session is left alive, never deleted;
- batches    durable's batch reader stops *silently* at a fact it cannot parse (an
             exponent number, a 255th property...) and returns an uninitialised state
             offset if it read none: the runtime checks the state exists (get_state)
             before draining and that the sentinel - the last fact - fired;
- t_term, or_false, reorder, iany_or   the ruleset rewrites of durable_limits.harden_rules
             (§8.2 and the evaluation bugs described there);
- numbers    our own encoder: never an exponent, exact Decimals, no NaN, ints within
             +-2**62, None dropped, strings <= 65,535 UTF-8 bytes, and the characters
             JSON escapes (quote, backslash, controls) mapped to private code points
             (durable_limits.DURABLE_CHAR_MAP) so durable compares the real text
             rather than its escaped form; the C json encoder does the
             common case;
- ids        explicit ids from a table whose 32-bit FNV-1a hashes (as durable computes
             them: bytes as signed char) are distinct, extended lazily, never equal to
             the hash of the state fact's id `sid-<sid>`; code 2 (a fact dropped as a
             duplicate) raises FactCollision - note that a later code 1 in the same
             batch would mask it, hence the ids;
- sessions   one live sid at a time (a lock), fresh sids from a counter, skipping any
             whose hash equals a session that had to be left alive;
- probe      a ruleset is first registered in a subprocess with a timeout (C hangs hold
             the GIL, crashes kill the process); success is cached on disk;
- dedupe     an `$or` whose alternatives both hold fires twice for one fact
             combination; the duplicate is dropped.

Activations are `(durable rule name, {alias: the fact dict passed in})`: the very
objects given to `run()` or returned by `then`, so values keep their types.
Reusing a sid after delete_state is safe in durable (verified); fresh sids are
used so that a session left alive after an error can never merge with a new one.
"""

from __future__ import annotations

import decimal
import hashlib
import json
import math
import os
import pathlib
import re
import subprocess
import sys
import threading
from collections.abc import Callable

from engine.backends.durable import limits as durable_limits
from engine.backends.durable.limits import (
    DURABLE_CHAR_MAP,
    SENTINEL_KIND,
    SENTINEL_RULE,
    LimitProblem,
    RulesetLimitError,
    check_ruleset,
    fnv1a_32,
)

try:
    import durable_rules_engine as _dre
except ImportError as exc:  # Python >= 3.13: "undefined symbol: PyEval_CallObject"
    _dre = None
    AVAILABLE = False
    if isinstance(exc, ModuleNotFoundError) and exc.name == "durable_rules_engine":
        UNAVAILABLE_REASON: str | None = "durable-rules is not installed"
    else:
        UNAVAILABLE_REASON = f"durable-rules cannot be imported here: {exc}"
else:
    AVAILABLE = True
    UNAVAILABLE_REASON = None

Activation = tuple[str, dict[str, dict]]

# Tests only: names of workarounds to leave out ("sentinel", "prime", "recover", "t_term", "or_false",
# "reorder", "iany_or", "numbers", "ids", "id_check", "fact_check", "limits", "dedupe").
_DISABLED: frozenset[str] = frozenset()


class DurableRuntimeError(Exception):
    """durable_rules reported something we did not expect, or a fact cannot be asserted safely."""


class FactCollision(DurableRuntimeError):
    """Two fact ids (or a fact id and the session's state id) share a 32-bit hash: a fact would be lost."""


# ---- encoding -------------------------------------------------------------------------------

_STR_TABLE = {c: chr(v) for c, v in DURABLE_CHAR_MAP.items()}
_RESERVED = re.compile("[\\ud800-\\udfff\\U00100000-\\U0010005f]")
_ASTRAL_OR_SURROGATE = re.compile("[\\ud800-\\udfff\\U00010000-\\U0010ffff]")
_MAX_INT = durable_limits.MAX_INT
_MAX_BYTES = durable_limits.MAX_STRING_BYTES
_MAX_FACT_TEXT = 4_000_000  # durable refuses (silently, in a batch) a property of 16 MiB
_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False, check_circular=False).encode


def _str(text: str, where: str) -> str:
    if _RESERVED.search(text):
        raise DurableRuntimeError(f"{where}: lone surrogates and U+100000..U+10005F cannot be asserted")
    mapped = text.translate(_STR_TABLE)
    if len(mapped) * 4 > _MAX_BYTES and len(mapped.encode("utf-8")) > _MAX_BYTES:
        raise DurableRuntimeError(f"{where}: a string longer than {_MAX_BYTES} UTF-8 bytes "
                                  "(durable would compare it truncated and never regex-match it)")
    return '"' + mapped + '"'


def _number(value, where: str) -> str:
    if isinstance(value, int):
        if not -_MAX_INT < value < _MAX_INT:
            raise DurableRuntimeError(f"{where}: integer {value} outside +-2**62")
        return str(int(value))
    if isinstance(value, float):
        if not math.isfinite(value):
            raise DurableRuntimeError(f"{where}: NaN or infinity cannot be asserted")
        text = repr(float(value))
        if "e" in text or "E" in text:  # shortest round-trip digits, written out in full
            text = format(decimal.Decimal(text), "f")
        return text if "." in text else text + ".0"
    if not value.is_finite():
        raise DurableRuntimeError(f"{where}: NaN or infinity cannot be asserted")
    if value and not -60 < value.adjusted() < 19:  # written out in full: keep it short and within +-2**62
        raise DurableRuntimeError(f"{where}: {value} is out of range for durable_rules")
    text = format(value, "f")
    if "." not in text and not -_MAX_INT < value < _MAX_INT:
        raise DurableRuntimeError(f"{where}: integer {value} outside +-2**62")
    return text


def encode(value, where: str = "value") -> str:
    """JSON as durable must read it: see the module docstring ("numbers")."""
    if isinstance(value, str):
        return _str(value, where)
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, (int, float, decimal.Decimal)):
        return _number(value, where)
    if isinstance(value, dict):
        parts = []
        for key, item in value.items():
            if not isinstance(key, str):
                raise DurableRuntimeError(f"{where}: keys must be strings, not {key!r}")
            if item is not None:
                parts.append(_str(key, where) + ":" + encode(item, f"{where}.{key}"))
        return "{" + ",".join(parts) + "}"
    if isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            if item is None or isinstance(item, (list, tuple)):
                raise DurableRuntimeError(f"{where}[{i}]: list items are strings, numbers, booleans or objects")
        return "[" + ",".join(encode(item, f"{where}[{i}]") for i, item in enumerate(value)) + "]"
    raise DurableRuntimeError(f"{where}: cannot assert a {type(value).__name__}")


def _plain(value: dict, check: bool) -> tuple[int, bool]:
    """(properties after flattening, whether the C json encoder writes it as durable needs).

    Raises ValueError on a problem; the caller then asks the exact encoder for the message.
    """
    count, plain = len(value), True
    for key, item in value.items():
        if type(key) is not str:
            raise ValueError
        kind = type(item)
        if kind is str or kind is bool or kind is decimal.Decimal:
            continue
        if kind is int:
            if not -_MAX_INT < item < _MAX_INT:
                raise ValueError
        elif kind is float:
            if item and not 1e-4 <= abs(item) < 1e16:  # repr() would use an exponent (or inf/nan)
                plain = False
        elif kind is dict:
            n, p = _plain(item, check)
            count += n
            plain = plain and p
        elif kind is list:
            for element in item:
                if type(element) is dict:
                    n, p = _plain(element, check)
                    if check and n > durable_limits.MAX_FACT_PROPERTIES:
                        raise ValueError
                    plain = plain and p
                elif type(element) not in (str, int, bool, decimal.Decimal):
                    plain = False
        else:
            plain = False  # None, tuple, subclasses: the exact encoder decides
    return count, plain


_MARK = "\U0010005d"  # reserved: no asserted string may hold it
_MARKED = re.compile('"\U0010005d([-0-9.]+)"')


_marked = [0]  # Decimals written by the hook during the current call (run() holds the session lock)


def _decimal_text(value):
    """C json encoder hook: a Decimal becomes a marked string, unquoted afterwards (exact digits)."""
    if isinstance(value, decimal.Decimal):
        _marked[0] += 1
        return _MARK + _number(value, "value")
    raise TypeError(type(value).__name__)


_dumps_marked = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False, check_circular=False,
                                 default=_decimal_text).encode


def _fact_problem(i: int, fact) -> DurableRuntimeError:
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
    problems = durable_limits.check_fact(fact)
    return DurableRuntimeError(f"{where}: {'; '.join(problems) or 'cannot be asserted'}")


def encode_facts(facts: list, ids: list[str], sid: str, check: bool = True) -> tuple[str, list[str]]:
    """The batch as durable must read it, and the text of each fact in it (the sentinel comes last).

    Common case: one call of the C json encoder and a few substring checks of its
    output; anything unusual (escapes, tiny or huge floats, None, tuples) goes
    through the exact encoder.
    """
    rows, plain_all, limit = [], True, durable_limits.MAX_FACT_PROPERTIES - 3
    for i, fact in enumerate(facts):
        if type(fact) is not dict:
            raise _fact_problem(i, fact)
        row = {"id": ids[i], "sid": sid, "_t": 1, **fact}
        if len(row) != len(fact) + 3 or fact.get("k") == SENTINEL_KIND:
            raise _fact_problem(i, fact)
        try:
            count, plain = _plain(fact, check)
        except ValueError:
            raise _fact_problem(i, fact) from None
        if check and count > limit:
            raise DurableRuntimeError(f"fact {i}: {count + 3} properties after flattening nested objects "
                                      f"(id, sid, _t included); at most {limit + 3}")
        plain_all = plain_all and plain
        rows.append(row)
    if "sentinel" not in _DISABLED:
        rows.append({"id": ids[len(facts)], "sid": sid, "_t": 1, "k": SENTINEL_KIND})
    if "numbers" in _DISABLED:  # tests only
        texts = [json.dumps({k: v for k, v in row.items() if v is not None}, ensure_ascii=False, default=float)
                 for row in rows]
        return "[" + ",".join(texts) + "]", texts
    if plain_all:
        got = _fast(rows)
        if got is not None:
            return got
    texts = [encode(row, f"fact {i}") for i, row in enumerate(rows)]
    return "[" + ",".join(texts) + "]", texts


def _fast(rows: list[dict]) -> tuple[str, list[str]] | None:
    _marked[0] = 0
    try:
        text = _dumps_marked(rows)
    except (TypeError, ValueError, DurableRuntimeError):  # the exact encoder will say where
        return None
    if "\\" in text:  # some string needed escaping: the exact encoder maps those characters
        return None
    if not text.isascii():
        if _marked[0]:
            if text.count(_MARK) != _marked[0]:  # a string holds the marker itself: refused below
                return None
            text = _MARKED.sub(r"\1", text)
        try:  # an astral character may be a reserved one: let the exact encoder judge
            if len(text.encode("utf-16-le")) != 2 * len(text):
                return None
        except UnicodeEncodeError:  # a lone surrogate
            return None
    if len(text) > _MAX_BYTES // 4 and _long_string(text):
        return None
    parts = text[1:-1].split('},{"id":"')
    if len(parts) != len(rows):  # a nested object starting with "id" too: cut the slow way
        return None
    texts = ['{"id":"' + part + "}" for part in parts]
    texts[0] = parts[0] + "}"
    texts[-1] = texts[-1][:-1]
    return text, texts


def _long_string(text: str) -> bool:
    return any(len(part) * 4 > _MAX_BYTES and len(part.encode("utf-8")) > _MAX_BYTES for part in text.split('"'))


def encode_ruleset(rules: dict) -> str:
    """A (hardened) ruleset as registered: the same exact encoder, so no exponent can reach durable."""
    if "numbers" in _DISABLED:
        return json.dumps(rules, ensure_ascii=False)
    return encode(rules, "ruleset")


# ---- fact ids ---------------------------------------------------------------------------------

_ID_TEXT: list[str] = []  # index -> id; hashes pairwise distinct
_ID_HASH: dict[int, int] = {}  # hash -> index
_ID_INDEX: dict[str, int] = {}  # id -> index


def _ensure_ids(n: int) -> None:
    """Extend the id table to n entries: str(i), unless its hash repeats an earlier one."""
    while len(_ID_TEXT) < n:
        index = len(_ID_TEXT)
        text = str(index)
        h = fnv1a_32(text)
        while h in _ID_HASH:  # never seen below 10**6; kept correct anyway
            text += "'"
            h = fnv1a_32(text)
        _ID_TEXT.append(text)
        _ID_HASH[h] = index
        _ID_INDEX[text] = index


def _take_ids(cursor: int, count: int, state_hash: int) -> tuple[list[int], int]:
    """`count` id indexes from `cursor` on, skipping the one whose hash is the state fact's."""
    end = cursor + count
    _ensure_ids(end + 2)
    bad = _ID_HASH.get(state_hash) if "id_check" not in _DISABLED else None
    if bad is None or not cursor <= bad < end:
        return list(range(cursor, end)), end
    return list(range(cursor, bad)) + list(range(bad + 1, end + 1)), end + 1


# ---- sessions -----------------------------------------------------------------------------------

_LOCK = threading.Lock()
_owner: int | None = None
_sid_counter = 0
_leaked_hashes: set[int] = set()
_leaked: list[str] = []
MAX_LEAKED = 256


def _next_sid() -> str:
    global _sid_counter
    while True:
        _sid_counter += 1
        sid = "s" + format(_sid_counter, "x")
        if fnv1a_32(sid) not in _leaked_hashes:
            return sid


class _Session:
    """One profile: facts by id index, activations, and whether `delete_state` is safe."""

    __slots__ = ("ruleset", "sid", "state_hash", "cursor", "facts", "texts", "asserted", "started", "seen",
                 "collided", "offset", "ended")

    def __init__(self, ruleset: CompiledRuleset):
        self.ruleset = ruleset
        self.sid = _next_sid()
        self.state_hash = fnv1a_32("sid-" + self.sid)
        self.cursor = 0
        self.facts: dict[int, dict] = {}
        self.texts: dict[int, str] = {}
        self.asserted = False  # a batch reached C: a state may exist
        self.started = False  # an action started: the state's context is initialised
        self.seen: set = set()
        self.collided = False
        self.offset: int | None = None  # the session's state node, fixed once known
        self.ended = False  # the sentinel of the last batch fired

    def assert_batch(self, facts: list) -> int:
        n = len(facts) + ("sentinel" not in _DISABLED)
        if "ids" in _DISABLED:  # tests only: durable then hashes the content into the id
            payload, _texts = encode_facts(facts, ["x"] * n, self.sid, "fact_check" not in _DISABLED)
            payload = payload.replace('"id":"x",', "")
        else:
            indexes, self.cursor = _take_ids(self.cursor, n, self.state_hash)
            payload, texts = encode_facts(facts, [_ID_TEXT[i] for i in indexes], self.sid,
                                          "fact_check" not in _DISABLED)
            for i, fact, text in zip(indexes, facts, texts):
                if len(text) > _MAX_FACT_TEXT:
                    raise DurableRuntimeError(f"fact {len(self.facts)}: {len(text)} characters of JSON; at most "
                                              f"{_MAX_FACT_TEXT}")
                self.facts[i] = fact
                self.texts[i] = text
        self.asserted = True
        try:
            code, offset = _dre.assert_facts(self.ruleset.handle, payload)
        except UnicodeEncodeError as exc:  # raised while converting the argument, before any C code ran
            raise DurableRuntimeError(f"a fact holds a string that is not valid Unicode: {exc}") from None
        except _dre.error as exc:
            raise DurableRuntimeError(f"durable_rules refused the facts: {exc}") from None
        except MemoryError:
            raise DurableRuntimeError("durable_rules is out of session slots or memory") from None
        if code == 2:
            self.collided = True
        elif code not in (0, 1):
            raise DurableRuntimeError(f"durable_rules returned code {code} when asserting facts")
        # durable's batch reader stops silently at a fact it cannot parse and then returns an
        # uninitialised offset if it read none: never drain from an offset we cannot vouch for.
        if self.offset is None:
            try:
                _dre.get_state(self.ruleset.handle, self.sid)
            except _dre.error:
                raise DurableRuntimeError("durable_rules could not read the first fact of the batch") from None
            self.offset = offset
        elif offset != self.offset:
            raise DurableRuntimeError("durable_rules could not read the first fact of a batch")
        return offset

    def drain(self, offset: int) -> list[Activation]:
        h = self.ruleset.handle
        out: list[Activation] = []
        try:
            started = _dre.start_action_for_state(h, offset)
        except _dre.error as exc:
            raise DurableRuntimeError(f"durable_rules could not start an action: {exc}") from None
        self.ended = False
        if started is None:
            return out
        self.started = True
        messages = started[1]
        seen, dedupe, complete = self.seen, "dedupe" not in _DISABLED, _dre.complete_and_start_action
        texts, facts, index_of = self.texts, self.facts, _ID_INDEX
        while messages is not None:
            # '{"rule":{"alias":<fact exactly as sent>,...}}'; names hold no quote; facts start {"id":"<id>"
            end = messages.index('"', 2)
            name = messages[2:end]
            if name == SENTINEL_RULE:
                self.ended = True
            else:
                matched, ids, pos = {}, [], end + 3
                while messages[pos] == '"':
                    q = messages.index('"', pos + 1)
                    fid_end = messages.index('"', q + 9)
                    index = index_of.get(messages[q + 9:fid_end])
                    text = texts.get(index)
                    if text is None or not messages.startswith(text, q + 2):
                        name, matched, ids = self.parse_slow(messages)
                        break
                    matched[messages[pos + 1:q]] = facts[index]
                    ids.append(index)
                    pos = q + 2 + len(text)
                    if messages[pos] == ",":
                        pos += 1
                key = (name, tuple(ids))
                if not dedupe or key not in seen:
                    seen.add(key)
                    out.append((name, matched))
            try:
                messages = complete(h, offset)
            except _dre.error as exc:
                raise DurableRuntimeError(f"durable_rules could not complete an action: {exc}") from None
        return out

    def parse_slow(self, messages: str) -> tuple:
        """An activation whose facts are not ours as sent (only with workarounds switched off)."""
        (name, frame), = json.loads(messages).items()
        if type(frame) is not dict:
            raise DurableRuntimeError(f"unexpected activation of {name!r}: {messages[:200]}")
        matched = {alias: self.facts.get(_ID_INDEX.get(fact.get("id")), fact) for alias, fact in frame.items()}
        return name, matched, [str(fact.get("id")) for fact in frame.values()]

    def close(self) -> None:
        """Delete the session, but never one whose action context may be uninitialised."""
        if not self.asserted:
            return
        h = self.ruleset.handle
        if not self.started and "recover" not in _DISABLED:
            try:  # a failed batch never reached its sentinel: run one now
                indexes, self.cursor = _take_ids(self.cursor, 1, self.state_hash)
                row = {"id": _ID_TEXT[indexes[0]], "sid": self.sid, "_t": 1, "k": SENTINEL_KIND}
                code, offset = _dre.assert_fact(h, _dumps(row))
                self.drain(offset)
            except Exception:  # noqa: BLE001 - the original error is the one to report
                pass
        if not self.started and "recover" not in _DISABLED:
            _leaked.append(self.sid)
            _leaked_hashes.add(fnv1a_32(self.sid))
            return
        try:
            _dre.delete_state(h, self.sid)
        except _dre.error:
            pass  # 309: no state was created (the batch failed on its first fact)


# ---- probe ------------------------------------------------------------------------------------

_PROBE_CHILD = r"""
import sys
import durable_rules_engine as d
h = d.create_ruleset(sys.argv[1], sys.stdin.read())
code, off = d.assert_facts(h, '[{"id":"0","sid":"p","_t":1,"k":"__end__"}]')
r = d.start_action_for_state(h, off)
m = r[1] if r else None
while m is not None:
    m = d.complete_and_start_action(h, off)
d.delete_state(h, "p")
sys.stdout.write("ok")
"""

_PROBED: set[str] = set()


def _engine_fingerprint() -> str:
    path = getattr(_dre, "__file__", "") or ""
    try:
        st = os.stat(path)
        stamp = f"{st.st_size}:{st.st_mtime_ns}"
    except OSError:
        stamp = "?"
    return f"{sys.version}|{path}|{stamp}"


def default_cache_dir() -> pathlib.Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return pathlib.Path(base) / "community-assess" / "durable-probe"


def probe_ruleset(name: str, text: str, *, timeout: float = 20.0, cache_dir: pathlib.Path | None = None) -> None:
    """Register `text` in a subprocess first: a hang or crash there costs the child, not us."""
    key = hashlib.sha256((text + "\0" + _engine_fingerprint()).encode("utf-8", "surrogatepass")).hexdigest()
    if key in _PROBED:
        return
    folder = cache_dir if cache_dir is not None else default_cache_dir()
    marker = folder / (key + ".ok")
    try:
        if marker.exists():
            _PROBED.add(key)
            return
    except OSError:
        pass
    try:
        done = subprocess.run([sys.executable, "-P", "-c", _PROBE_CHILD, name], input=text.encode("utf-8"),
                              capture_output=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise RulesetLimitError([LimitProblem(name, f"registering the ruleset in a test process did not finish "
                                                    f"within {timeout:g} s: durable_rules hangs on it",
                                              "probe-timeout")]) from None
    if done.returncode < 0:
        raise RulesetLimitError([LimitProblem(name, f"registering the ruleset killed a test process with signal "
                                                    f"{-done.returncode}: durable_rules crashes on it",
                                              "probe-crash")])
    if done.returncode != 0 or done.stdout != b"ok":
        detail = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise DurableRuntimeError(f"durable_rules refused ruleset {name!r}: {detail[-1] if detail else '?'}")
    _PROBED.add(key)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        tmp = folder / f".{key}.{os.getpid()}.tmp"
        tmp.write_text("ok\n")
        os.replace(tmp, marker)
    except OSError:
        pass  # not writable: probe again next time


# ---- rulesets -----------------------------------------------------------------------------------

_HANDLES: dict[tuple[str, str], int] = {}


def harden(rules: dict) -> dict:
    """The ruleset as registered: durable_limits.harden_rules with the runtime's switches."""
    return durable_limits.harden_rules(rules, _DISABLED)


class CompiledRuleset:
    """A ruleset registered in this process; `run()` evaluates one profile per call.

    The same name and JSON reuse one registration; a changed JSON under a known name
    is registered anew (durable does not mind) - rulesets are never deleted, as
    `delete_ruleset` leaks and crashes. Recycle the process to unload them.
    """

    def __init__(self, name: str, rules: dict[str, dict], *, probe: bool = True, probe_timeout: float = 20.0,
                 cache_dir: pathlib.Path | None = None):
        if "limits" not in _DISABLED:
            problems = check_ruleset(rules)
            if problems:
                raise RulesetLimitError(problems)
        if not AVAILABLE:
            raise DurableRuntimeError(UNAVAILABLE_REASON or "durable-rules is not available")
        if not isinstance(name, str) or not name or "\0" in name:
            raise DurableRuntimeError("a ruleset name is a non-empty string")
        self.name = name
        self.rules = rules
        self._json = encode_ruleset(harden(rules))
        digest = hashlib.sha256(self._json.encode("utf-8", "surrogatepass")).hexdigest()
        handle = _HANDLES.get((name, digest))
        if handle is None:
            if probe:
                probe_ruleset(name, self._json, timeout=probe_timeout, cache_dir=cache_dir)
            try:
                handle = _dre.create_ruleset(name, self._json)
            except _dre.error as exc:
                raise DurableRuntimeError(f"durable_rules refused ruleset {name!r}: {exc}") from None
            _HANDLES[(name, digest)] = handle
            self.handle = handle
            if "prime" not in _DISABLED and "sentinel" not in _DISABLED:
                self.run([])
        self.handle = handle

    @property
    def json(self) -> str:
        """The hardened ruleset JSON actually registered."""
        return self._json

    def run(self, facts: list[dict], *,
            then: Callable[[int, list[Activation]], list[dict]] | None = None) -> list[Activation]:
        """Evaluate one profile in a fresh session; see the module docstring."""
        global _owner
        me = threading.get_ident()
        if _owner == me:
            raise DurableRuntimeError("run() cannot be called from inside `then` (one live session at a time)")
        with _LOCK:
            _owner = me
            try:
                if len(_leaked) > MAX_LEAKED:
                    raise DurableRuntimeError(f"{len(_leaked)} sessions could not be deleted after errors; "
                                              "restart the process")
                return self._run(list(facts), then)
            finally:
                _owner = None

    def _run(self, facts: list, then) -> list[Activation]:
        session = _Session(self)
        activations: list[Activation] = []
        try:
            round_index, batch = 0, facts
            while True:
                offset = session.assert_batch(batch)
                found = session.drain(offset)
                if not session.ended and "sentinel" not in _DISABLED:
                    raise DurableRuntimeError("durable_rules silently dropped the end of a batch (it stops reading "
                                              "at a fact it cannot parse)")
                activations.extend(found)
                if session.collided:
                    raise FactCollision(f"durable_rules dropped a fact of session {session.sid} as a duplicate "
                                        "(32-bit id hash collision)")
                if then is None:
                    break
                batch = then(round_index, found)
                if not batch:
                    break
                batch = list(batch)
                round_index += 1
            return activations
        finally:
            session.close()


__all__ = ["AVAILABLE", "UNAVAILABLE_REASON", "Activation", "CompiledRuleset", "DurableRuntimeError",
           "FactCollision", "RulesetLimitError", "encode", "encode_ruleset", "harden", "probe_ruleset"]
