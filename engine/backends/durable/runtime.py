"""The only module that talks to durable_rules (its C extension `durable_rules_engine`).

A `CompiledRuleset` registers a ruleset once per process and evaluates one
profile per session (sid): assert the facts in one batch, drain the agenda,
record the activations, optionally chain further batches (`then`), delete the
session. A `DurableRuntime` holds what a process shares between rulesets: the
registrations, the fact id table, the session counter and lock, and the
`Workarounds` it applies. Production uses `DEFAULT_RUNTIME` with every
workaround; tests build runtimes without one to show what it prevents.

The workarounds (docs/explanation/durable-rules.md §8, §10), by their `Workarounds` field:

- sentinel   an `__end__` rule (pri 65535) and a sentinel fact asserted last in
             every batch, so an action always starts and the session's action
             context is initialised before `delete_state` (§8.1: it frees an
             uninitialised pointer - verified to crash once the state pool sits in
             recycled heap memory);
- prime      after registration one empty session runs, so the state slot that later
             sessions reuse (one live sid, LIFO free list) is initialised anyway;
- recover    if an assert fails half-way, the sentinel is asserted and drained before
             the delete; if even that fails the session is left alive, never deleted;
             durable's batch reader stops *silently* at a fact it cannot parse (an
             exponent number, a 255th property...) and returns an uninitialised state
             offset if it read none: the runtime checks the state exists (get_state)
             before draining and that the sentinel - the last fact - fired;
- t_term, or_false, reorder, iany_or   the ruleset rewrites of durable_limits.harden_rules
             (§8.2 and the evaluation bugs described there);
- numbers    our own encoder (encoding.py): never an exponent, exact Decimals, no NaN,
             ints within +-2**62, None dropped, strings <= 65,535 UTF-8 bytes, the
             characters JSON escapes mapped to private code points;
- fact_check facts past durable's property limit are refused before they reach it;
- limits     rulesets are checked statically (durable_limits.check_ruleset) first;
- ids        explicit ids from a table whose 32-bit FNV-1a hashes (as durable computes
             them: bytes as signed char) are distinct, extended lazily; code 2 (a fact
             dropped as a duplicate) raises FactCollision - note that a later code 1 in
             the same batch would mask it, hence the ids;
- id_check   no fact id has the hash of the session's state fact id `sid-<sid>`;
- sessions   one live sid at a time (a lock), fresh sids from a counter, skipping any
             whose hash equals a session that had to be left alive;
- probe      a ruleset is first registered in a subprocess with a timeout (probe.py);
- dedupe     an `$or` whose alternatives both hold fires twice for one fact
             combination; the duplicate is dropped.

Activations are `(durable rule name, {alias: the fact dict passed in})`: the very
objects given to `run()` or returned by `then`, so values keep their types.
Reusing a sid after delete_state is safe in durable (verified); fresh sids are
used so that a session left alive after an error can never merge with a new one.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import pathlib
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from engine.backends.durable import limits as durable_limits
from engine.backends.durable.encoding import (
    MAX_FACT_TEXT,
    DurableRuntimeError,
    FactCollision,
    FactEncoder,
    dumps,
    encode,
    encode_ruleset,
)
from engine.backends.durable.limits import SENTINEL_KIND, SENTINEL_RULE, RulesetLimitError, check_ruleset, fnv1a_32
from engine.backends.durable.probe import probe_ruleset

try:  # durable_rules ships no type information: _dre is Any to mypy
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

Fact = dict[str, Any]
Activation = tuple[str, dict[str, Fact]]
Then = Callable[[int, list[Activation]], list[Fact]]
MAX_LEAKED = 256


@dataclass(frozen=True)
class Workarounds:
    """Which workarounds a runtime applies (see the module docstring): all, except in tests."""

    sentinel: bool = True
    prime: bool = True
    recover: bool = True
    t_term: bool = True
    or_false: bool = True
    reorder: bool = True
    iany_or: bool = True
    numbers: bool = True
    fact_check: bool = True
    limits: bool = True
    ids: bool = True
    id_check: bool = True
    dedupe: bool = True

    @classmethod
    def without(cls, *names: str) -> Workarounds:
        """Every workaround but the named ones (tests showing what each prevents)."""
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(names) - known)
        if unknown:
            raise ValueError(f"unknown workarounds {unknown}; known: {sorted(known)}")
        return cls(**dict.fromkeys(names, False))

    def switched_off(self) -> frozenset[str]:
        """The names of those not applied, as durable_limits.harden_rules takes them."""
        return frozenset(f.name for f in dataclasses.fields(self) if not getattr(self, f.name))


class FactIds:
    """Fact ids whose 32-bit FNV-1a hashes are pairwise distinct: str(i), extended as sessions need more."""

    def __init__(self) -> None:
        self.text: list[str] = []  # index -> id
        self.by_hash: dict[int, int] = {}  # hash -> index
        self.index: dict[str, int] = {}  # id -> index

    def ensure(self, count: int) -> None:
        """Extend the table to `count` entries: str(i), unless its hash repeats an earlier one."""
        while len(self.text) < count:
            index = len(self.text)
            text = str(index)
            h = fnv1a_32(text)
            while h in self.by_hash:  # never seen below 10**6; kept correct anyway
                text += "'"
                h = fnv1a_32(text)
            self.text.append(text)
            self.by_hash[h] = index
            self.index[text] = index

    def take(self, cursor: int, count: int, avoid_hash: int | None) -> tuple[list[int], int]:
        """`count` indexes from `cursor` on, skipping the one whose id hashes to `avoid_hash`; the next cursor."""
        end = cursor + count
        self.ensure(end + 2)
        bad = self.by_hash.get(avoid_hash) if avoid_hash is not None else None
        if bad is None or not cursor <= bad < end:
            return list(range(cursor, end)), end
        return list(range(cursor, bad)) + list(range(bad + 1, end + 1)), end + 1


class DurableRuntime:
    """What one process shares between its rulesets, and the workarounds it applies.

    durable's own state is per process (handles, per-ruleset session slots), so
    production has one runtime, `DEFAULT_RUNTIME`; tests make others.
    """

    def __init__(self, workarounds: Workarounds | None = None):
        self.workarounds = workarounds or Workarounds()
        self.encoder = FactEncoder(check=self.workarounds.fact_check, exact_numbers=self.workarounds.numbers)
        self.ids = FactIds()
        self.handles: dict[tuple[str, str], int] = {}  # (name, sha256 of the JSON) -> durable handle
        self.probed: set[str] = set()  # keys of rulesets probed in this process
        self.leaked: list[str] = []  # sids left alive after an error (deleting them could crash)
        self._leaked_hashes: set[int] = set()
        self._sid_counter = 0
        self._lock = threading.Lock()
        self._owner: int | None = None  # the thread with a live session

    def compile(self, name: str, rules: dict[str, Any], *, probe: bool = True, probe_timeout: float = 20.0,
                cache_dir: pathlib.Path | None = None) -> CompiledRuleset:
        return CompiledRuleset(name, rules, probe=probe, probe_timeout=probe_timeout, cache_dir=cache_dir,
                               runtime=self)

    def harden(self, rules: dict[str, Any]) -> dict[str, Any]:
        """The ruleset as registered: durable_limits.harden_rules with this runtime's workarounds."""
        return durable_limits.harden_rules(rules, self.workarounds.switched_off())

    def encode_ruleset(self, rules: dict[str, Any]) -> str:
        if not self.workarounds.numbers:  # tests only
            return json.dumps(rules, ensure_ascii=False)
        return encode_ruleset(rules)

    def register(self, name: str, text: str, *, probe: bool, probe_timeout: float,
                 cache_dir: pathlib.Path | None) -> tuple[int, bool]:
        """durable's handle of ruleset `text`, registering it if new; whether it is new."""
        key = (name, hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest())
        handle = self.handles.get(key)
        if handle is not None:
            return handle, False
        if probe:
            probe_ruleset(name, text, timeout=probe_timeout, cache_dir=cache_dir, known=self.probed)
        try:
            handle = _dre.create_ruleset(name, text)
        except _dre.error as exc:
            raise DurableRuntimeError(f"durable_rules refused ruleset {name!r}: {exc}") from None
        self.handles[key] = handle
        return handle, True

    # -- sessions ----------------------------------------------------------------------------

    def claim_session(self) -> None:
        """Wait for the one live session slot; never from inside another session's `then`."""
        me = threading.get_ident()
        if self._owner == me:
            raise DurableRuntimeError("run() cannot be called from inside `then` (one live session at a time)")
        self._lock.acquire()
        self._owner = me
        if len(self.leaked) > MAX_LEAKED:
            self.release_session()
            raise DurableRuntimeError(f"{len(self.leaked)} sessions could not be deleted after errors; "
                                      "restart the process")

    def release_session(self) -> None:
        self._owner = None
        self._lock.release()

    def next_sid(self) -> str:
        """A sid never used, whose hash differs from every session left alive."""
        while True:
            self._sid_counter += 1
            sid = "s" + format(self._sid_counter, "x")
            if fnv1a_32(sid) not in self._leaked_hashes:
                return sid

    def leave_alive(self, sid: str) -> None:
        self.leaked.append(sid)
        self._leaked_hashes.add(fnv1a_32(sid))


DEFAULT_RUNTIME = DurableRuntime()


class _Session:
    """One profile: facts by id index, activations, and whether `delete_state` is safe."""

    __slots__ = ("ruleset", "runtime", "workarounds", "sid", "state_hash", "cursor", "facts", "texts", "asserted",
                 "started", "seen", "collided", "offset", "ended")

    def __init__(self, ruleset: CompiledRuleset):
        self.ruleset = ruleset
        self.runtime = ruleset.runtime
        self.workarounds = ruleset.runtime.workarounds
        self.sid = self.runtime.next_sid()
        self.state_hash = fnv1a_32("sid-" + self.sid)
        self.cursor = 0
        self.facts: dict[int, Fact] = {}
        self.texts: dict[int, str] = {}
        self.asserted = False  # a batch reached C: a state may exist
        self.started = False  # an action started: the state's context is initialised
        self.seen: set[tuple[str, tuple[Any, ...]]] = set()
        self.collided = False
        self.offset: int | None = None  # the session's state node, fixed once known
        self.ended = False  # the sentinel of the last batch fired

    def assert_batch(self, facts: list[Any]) -> int:
        """Assert `facts` (and the sentinel) in one call; the offset of the session's state."""
        payload = self._payload(facts)
        self.asserted = True
        code, offset = self._assert_facts(payload)
        if code == 2:
            self.collided = True
        elif code not in (0, 1):
            raise DurableRuntimeError(f"durable_rules returned code {code} when asserting facts")
        self._check_offset(offset)
        return offset

    def _payload(self, facts: list[Any]) -> str:
        """The batch's JSON; the facts and their texts are remembered by id, to read activations back."""
        sentinel = self.workarounds.sentinel
        count = len(facts) + sentinel
        if not self.workarounds.ids:  # tests only: durable then hashes the content into the id
            payload, _texts = self.runtime.encoder.batch(facts, ["x"] * count, self.sid, "x" if sentinel else None)
            return payload.replace('"id":"x",', "")
        avoid = self.state_hash if self.workarounds.id_check else None
        table = self.runtime.ids
        indexes, self.cursor = table.take(self.cursor, count, avoid)
        ids = [table.text[i] for i in indexes]
        payload, texts = self.runtime.encoder.batch(facts, ids, self.sid, ids[-1] if sentinel else None)
        # the sentinel has no fact to remember: zip stops at the last fact
        for i, fact, text in zip(indexes, facts, texts, strict=False):
            if len(text) > MAX_FACT_TEXT:
                raise DurableRuntimeError(f"fact {len(self.facts)}: {len(text)} characters of JSON; at most "
                                          f"{MAX_FACT_TEXT}")
            self.facts[i] = fact
            self.texts[i] = text
        return payload

    def _assert_facts(self, payload: str) -> tuple[int, int]:
        try:
            code, offset = _dre.assert_facts(self.ruleset.handle, payload)
        except UnicodeEncodeError as exc:  # raised while converting the argument, before any C code ran
            raise DurableRuntimeError(f"a fact holds a string that is not valid Unicode: {exc}") from None
        except _dre.error as exc:
            raise DurableRuntimeError(f"durable_rules refused the facts: {exc}") from None
        except MemoryError:
            raise DurableRuntimeError("durable_rules is out of session slots or memory") from None
        return code, offset

    def _check_offset(self, offset: int) -> None:
        """durable's batch reader stops silently at a fact it cannot parse and then returns an
        uninitialised offset if it read none: never drain from an offset we cannot vouch for."""
        if self.offset is None:
            try:
                _dre.get_state(self.ruleset.handle, self.sid)
            except _dre.error:
                raise DurableRuntimeError("durable_rules could not read the first fact of the batch") from None
            self.offset = offset
        elif offset != self.offset:
            raise DurableRuntimeError("durable_rules could not read the first fact of a batch")

    def drain(self, offset: int) -> list[Activation]:
        """Run the agenda: every activation, in durable's order, with the facts as passed in."""
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
        seen, dedupe, complete = self.seen, self.workarounds.dedupe, _dre.complete_and_start_action
        texts, facts, index_of = self.texts, self.facts, self.runtime.ids.index
        while messages is not None:
            # '{"rule":{"alias":<fact exactly as sent>,...}}'; names hold no quote; facts start {"id":"<id>"
            end = messages.index('"', 2)
            name = messages[2:end]
            if name == SENTINEL_RULE:
                self.ended = True
            else:
                matched: dict[str, Fact] = {}
                ids: list[Any] = []
                pos = end + 3
                while messages[pos] == '"':
                    q = messages.index('"', pos + 1)
                    fid_end = messages.index('"', q + 9)
                    index = index_of.get(messages[q + 9:fid_end])
                    text = texts.get(index) if index is not None else None
                    if index is None or text is None or not messages.startswith(text, q + 2):
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

    def parse_slow(self, messages: str) -> tuple[str, dict[str, Fact], list[Any]]:
        """An activation whose facts are not ours as sent (only with workarounds switched off)."""
        (name, frame), = json.loads(messages).items()
        if type(frame) is not dict:
            raise DurableRuntimeError(f"unexpected activation of {name!r}: {messages[:200]}")
        index_of = self.runtime.ids.index
        matched: dict[str, Fact] = {}
        for alias, fact in frame.items():
            own = self.facts.get(index_of.get(fact.get("id"), -1))
            matched[alias] = fact if own is None else own
        return name, matched, [str(fact.get("id")) for fact in frame.values()]

    def close(self) -> None:
        """Delete the session, but never one whose action context may be uninitialised."""
        if not self.asserted:
            return
        if not self.started and self.workarounds.recover:
            self._end_failed_batch()
            if not self.started:
                self.runtime.leave_alive(self.sid)
                return
        with contextlib.suppress(_dre.error):  # 309: no state was created (the batch failed on its first fact)
            _dre.delete_state(self.ruleset.handle, self.sid)

    def _end_failed_batch(self) -> None:
        """A failed batch never reached its sentinel: assert and drain one now, so an action starts."""
        with contextlib.suppress(Exception):  # the error that failed the batch is the one to report
            indexes, self.cursor = self.runtime.ids.take(self.cursor, 1, self.state_hash)
            row = {"id": self.runtime.ids.text[indexes[0]], "sid": self.sid, "_t": 1, "k": SENTINEL_KIND}
            _code, offset = _dre.assert_fact(self.ruleset.handle, dumps(row))
            self.drain(offset)


class CompiledRuleset:
    """A ruleset registered in this process; `run()` evaluates one profile per call.

    The same name and JSON reuse one registration; a changed JSON under a known name
    is registered anew (durable does not mind) - rulesets are never deleted, as
    `delete_ruleset` leaks and crashes. Recycle the process to unload them.
    """

    def __init__(self, name: str, rules: dict[str, Any], *, probe: bool = True, probe_timeout: float = 20.0,
                 cache_dir: pathlib.Path | None = None, runtime: DurableRuntime | None = None):
        self.runtime = runtime or DEFAULT_RUNTIME
        if self.runtime.workarounds.limits:
            problems = check_ruleset(rules)
            if problems:
                raise RulesetLimitError(problems)
        if not AVAILABLE:
            raise DurableRuntimeError(UNAVAILABLE_REASON or "durable-rules is not available")
        if not isinstance(name, str) or not name or "\0" in name:
            raise DurableRuntimeError("a ruleset name is a non-empty string")
        self.name = name
        self.rules = rules
        self._json = self.runtime.encode_ruleset(self.runtime.harden(rules))
        self.handle, new = self.runtime.register(name, self._json, probe=probe, probe_timeout=probe_timeout,
                                                 cache_dir=cache_dir)
        if new and self.runtime.workarounds.prime and self.runtime.workarounds.sentinel:
            self.run([])

    @property
    def json(self) -> str:
        """The hardened ruleset JSON actually registered."""
        return self._json

    def run(self, facts: list[Fact], *, then: Then | None = None) -> list[Activation]:
        """Evaluate one profile in a fresh session; see the module docstring."""
        self.runtime.claim_session()
        try:
            return self._run(list(facts), then)
        finally:
            self.runtime.release_session()

    def _run(self, facts: list[Any], then: Then | None) -> list[Activation]:
        session = _Session(self)
        activations: list[Activation] = []
        try:
            round_index, batch = 0, facts
            while True:
                found = self._round(session, batch)
                activations.extend(found)
                if then is None:
                    break
                batch = list(then(round_index, found) or [])
                if not batch:
                    break
                round_index += 1
            return activations
        finally:
            session.close()

    def _round(self, session: _Session, batch: list[Any]) -> list[Activation]:
        """Assert one batch and drain what it activated."""
        found = session.drain(session.assert_batch(batch))
        if not session.ended and self.runtime.workarounds.sentinel:
            raise DurableRuntimeError("durable_rules silently dropped the end of a batch (it stops reading "
                                      "at a fact it cannot parse)")
        if session.collided:
            raise FactCollision(f"durable_rules dropped a fact of session {session.sid} as a duplicate "
                                "(32-bit id hash collision)")
        return found


__all__ = ["AVAILABLE", "DEFAULT_RUNTIME", "UNAVAILABLE_REASON", "Activation", "CompiledRuleset", "DurableRuntime",
           "DurableRuntimeError", "FactCollision", "FactIds", "RulesetLimitError", "Workarounds", "encode",
           "encode_ruleset", "probe_ruleset"]
