"""The safe regular-expression dialect of `matches(text, 'pattern')`.

One pattern is translated twice: into a Python `re` pattern (the reference
backend, used with `fullmatch`) and into the Lua-style dialect of durable_rules'
`$mt` (a home-grown DFA compiler in C with fixed-size arrays, no bounds checks
on several of them, and a few semantic bugs). The dialect is the part of both
where they agree, verified by a differential test against durable itself.

Semantics: the WHOLE text must match (no anchors; `^` and `$` are errors, write
`\\^`, `\\$` for the characters). Matching is case-sensitive unless
`parse(..., ignore_case=True)`, which folds ASCII letters only.

Syntax:

    a 社 …      a literal character (any Unicode character but the specials below)
    .           any one character (newlines included)
    [abc] [a-z] [^0-9]   a class; ranges, negation, escapes \\d \\w \\s and
                literal escapes inside; one class spans at most 1,000 code points
    \\d \\w \\s     ASCII digit [0-9]; word [A-Za-z0-9_]; whitespace [ \\t\\n\\r\\f\\v]
    \\D \\W \\S     their complements (not inside a class)
    \\n \\t \\r     newline, tab, carriage return
    \\. \\\\ \\( …   the special characters as literals: . [ ] { } ( ) | * + ? \\ ^ $ - /
    X* X+ X?    repetition of ONE character or class X (greedy or not: only
    X{m} X{m,n} whether the whole text matches counts); 1 <= n <= 100, m <= n
    ( … | … )   a group with alternatives; a group cannot be repeated
    a|b         alternatives at the top level

Restrictions and why:
- no repeated groups, hence no nested quantifiers: they hang durable's compiler;
- a class spans at most 1,000 code points: more than ~4,096 overflows a stack
  array in durable (SIGSEGV, e.g. [一-龥]);
- the sum over atoms of (code points + 1) x repetitions is at most 3,000
  ("weight"): a DFA state of durable holds at most 4,096 transitions, unchecked;
  `([A]|[B]|[C]|[D]|[E])` with five classes of 1,000, or `.*[A]{5}`, crash it;
- `{0}`/`{0,0}` are refused; a repetition that may match nothing (`X?`, `X*`,
  `X{0,n}`) of `.` or of a negated class must not end an alternative of a
  pattern with alternatives: durable's DFA drops the other alternatives'
  transitions there (mismatches found by the differential test);
- groups nest at most 4 deep; a pattern has at most 200 characters.

Texts: durable only sees JSON text, in which `"`, `\\` and control characters
are escaped. The durable runtime maps each of these 34 characters to a private
code point (`DURABLE_CHAR_MAP`) in every string it sends, facts and rules alike,
and this translation writes classes so that the mapping keeps them exact.
durable silently never matches a text longer than 65,535 UTF-8 bytes (its length
is an unsigned short); the runtime rejects such strings, and the profile
validator limits strings to 10,000 characters.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_PATTERN = 200
MAX_REPEAT = 100
MAX_CLASS_SPAN = 1000
MAX_WEIGHT = 3000
MAX_DEPTH = 4
MAX_POSITIONS = 300

# Characters JSON escapes, and where the durable runtime moves them (plane 16 private use).
JSON_ESCAPED = frozenset([*range(0x20), 0x22, 0x5C])
DURABLE_CHAR_BASE = 0x100000
DURABLE_CHAR_MAP = {c: DURABLE_CHAR_BASE + c for c in JSON_ESCAPED}
DURABLE_RESERVED = (DURABLE_CHAR_BASE, DURABLE_CHAR_BASE + 0x5F)  # code points a text may not use (the runtime's markers)
REGEX_DOT_SYMBOL = 0xFFFE  # durable's own symbol for '.', so not a literal

_DURABLE_SPECIAL = set(".|?*+()[]{}%")
_PY_CLASS_ESCAPE = set("\\]-^[")
_MAX_CP = 0x10FFFF

Ranges = tuple[tuple[int, int], ...]

# ---- AST ---------------------------------------------------------------------------------
# atom: ("lit", cp) | ("dot",) | ("cls", negated, ranges) | ("grp", alts)
# item: (atom, low, high)  high None = unbounded; alts: tuple of sequences (tuples of items)


class RegexError(ValueError):
    """A pattern outside the dialect; `offset` is the index of the offending character."""

    def __init__(self, message: str, offset: int):
        super().__init__(message)
        self.message = message
        self.offset = offset

    def __str__(self) -> str:
        return f"{self.message} (at character {self.offset + 1})"


@dataclass(frozen=True)
class SafeRegex:
    source: str
    ignore_case: bool
    ast: tuple
    python: re.Pattern
    durable: str
    weight: int


_ESCAPE_CLASSES: dict[str, Ranges] = {
    "d": ((0x30, 0x39),),
    "w": ((0x30, 0x39), (0x41, 0x5A), (0x5F, 0x5F), (0x61, 0x7A)),
    "s": ((0x09, 0x0D), (0x20, 0x20)),
}
_ESCAPE_CHARS = {"n": 0x0A, "t": 0x09, "r": 0x0D}
_LITERAL_ESCAPES = set(".[]{}()|*+?\\^$-/")
_METACHARS = set(".[]{}()|*+?\\^$")


def _normalise(ranges) -> Ranges:
    out: list[list[int]] = []
    for lo, hi in sorted(ranges):
        if out and lo <= out[-1][1] + 1:
            out[-1][1] = max(out[-1][1], hi)
        else:
            out.append([lo, hi])
    return tuple((lo, hi) for lo, hi in out)


def _complement(ranges: Ranges) -> Ranges:
    out, start = [], 0
    for lo, hi in ranges:
        if lo > start:
            out.append((start, lo - 1))
        start = hi + 1
    if start <= _MAX_CP:
        out.append((start, _MAX_CP))
    return tuple(out)


def _fold(ranges: Ranges) -> Ranges:
    extra = []
    for lo, hi in ranges:
        for a, b, delta in ((0x41, 0x5A, 32), (0x61, 0x7A, -32)):
            x, y = max(lo, a), min(hi, b)
            if x <= y:
                extra.append((x + delta, y + delta))
    return _normalise(list(ranges) + extra)


def _span(ranges: Ranges) -> int:
    return sum(hi - lo + 1 for lo, hi in ranges)


class _Parser:
    def __init__(self, text: str, ignore_case: bool):
        self.text = text
        self.pos = 0
        self.ignore_case = ignore_case

    def error(self, message: str, offset: int | None = None):
        raise RegexError(message, self.pos if offset is None else offset)

    def peek(self) -> str | None:
        return self.text[self.pos] if self.pos < len(self.text) else None

    def parse(self) -> tuple:
        alts = self.alternatives(0)
        if self.pos < len(self.text):  # only a stray ')' stops the top level early
            self.error("unbalanced ')'")
        return alts

    def alternatives(self, depth: int) -> tuple:
        alts = [self.sequence(depth)]
        while self.peek() == "|":
            self.pos += 1
            alts.append(self.sequence(depth))
        return tuple(alts)

    def sequence(self, depth: int) -> tuple:
        items = []
        start = self.pos
        while self.peek() not in (None, "|", ")"):
            items.append(self.item(depth))
        if not items:
            self.error("empty alternative (write the text it should match)", start)
        return tuple(items)

    def item(self, depth: int) -> tuple:
        start = self.pos
        atom = self.atom(depth)
        low, high = self.quantifier()
        if (low, high) != (1, 1):
            if atom[0] == "grp":
                self.error("a group cannot be repeated (nested repetition can hang durable_rules); "
                           "repeat a single character or class", start)
            if self.peek() in ("*", "+", "?", "{"):
                self.error("a repetition cannot be repeated")
        return (atom, low, high, start)

    def quantifier(self) -> tuple[int, int | None]:
        c = self.peek()
        if c == "*":
            self.pos += 1
            return 0, None
        if c == "+":
            self.pos += 1
            return 1, None
        if c == "?":
            self.pos += 1
            return 0, 1
        if c != "{":
            return 1, 1
        start = self.pos
        m = re.compile(r"\{(\d{1,3})(?:,(\d{1,3}))?\}").match(self.text, self.pos)
        if not m:
            self.error("a repetition is written {m} or {m,n} with numbers (write \\{ for the character)", start)
        low = int(m.group(1))
        high = int(m.group(2)) if m.group(2) is not None else low
        if high > MAX_REPEAT:
            self.error(f"at most {MAX_REPEAT} repetitions", start)
        if low > high:
            self.error("{m,n} needs m <= n", start)
        if high == 0:
            self.error("{0} repeats nothing; remove it", start)
        self.pos = m.end()
        return low, high

    def atom(self, depth: int) -> tuple:
        c = self.peek()
        start = self.pos
        if c == "(":
            if depth >= MAX_DEPTH:
                self.error(f"groups nest at most {MAX_DEPTH} deep")
            self.pos += 1
            if self.peek() == "?":
                self.error("(?...) groups are not supported")
            alts = self.alternatives(depth + 1)
            if self.peek() != ")":
                self.error("missing ')'", start)
            self.pos += 1
            return ("grp", alts)
        if c == "[":
            return self.klass()
        if c == ".":
            self.pos += 1
            return ("dot",)
        if c == "\\":
            return self.escape(in_class=False)
        if c in ("^", "$"):
            self.error(f"'{c}' is not an anchor here: the whole text always has to match "
                       f"(write \\{c} for the character)")
        if c in ("*", "+", "?", "{"):
            self.error("nothing to repeat")
        if c in ("]", "}"):
            self.error(f"write \\{c} for the character '{c}'")
        self.pos += 1
        return self.literal(ord(c), start)

    def literal(self, cp: int, offset: int) -> tuple:
        self.check_char(cp, offset)
        if self.ignore_case and (0x41 <= cp <= 0x5A or 0x61 <= cp <= 0x7A):
            return ("cls", False, _fold(((cp, cp),)))
        return ("lit", cp)

    def check_char(self, cp: int, offset: int) -> None:
        if cp == REGEX_DOT_SYMBOL:
            self.error("the character U+FFFE is not allowed", offset)
        if DURABLE_RESERVED[0] <= cp <= DURABLE_RESERVED[1]:
            self.error("characters U+100000..U+10005F are reserved", offset)
        if 0xD800 <= cp <= 0xDFFF:
            self.error("lone surrogate characters are not allowed", offset)

    def escape(self, in_class: bool):
        start = self.pos
        self.pos += 1
        c = self.peek()
        if c is None:
            self.error("pattern ends with a lone '\\'", start)
        self.pos += 1
        if c in _ESCAPE_CLASSES:
            ranges = _ESCAPE_CLASSES[c]
            return ranges if in_class else ("cls", False, ranges)
        if c.lower() in _ESCAPE_CLASSES and c.isupper():
            self.error(f"\\{c} (a negated class) is not supported: durable_rules fails to compile most "
                       "patterns with one (error 507); list the characters that may occur instead", start)
        if c in _ESCAPE_CHARS:
            cp = _ESCAPE_CHARS[c]
            return ((cp, cp),) if in_class else ("lit", cp)
        if c in _LITERAL_ESCAPES:
            cp = ord(c)
            if in_class:
                return ((cp, cp),)
            return ("lit", cp)
        self.error(f"unknown escape \\{c}", start)

    def klass(self) -> tuple:
        start = self.pos
        self.pos += 1
        negated = self.peek() == "^"
        if negated:
            self.error("negated classes [^...] are not supported: durable_rules fails to compile most patterns "
                       "with one (error 507); list the characters that may occur instead (write [\\^...] "
                       "for a class holding '^')", start)
        ranges: list[tuple[int, int]] = []
        first = True
        while True:
            c = self.peek()
            if c is None:
                self.error("missing ']'", start)
            if c == "]" and not first:
                self.pos += 1
                break
            first = False
            lo = self.class_char()
            if isinstance(lo, tuple):  # an escape class such as \d
                ranges.extend(lo)
                continue
            if self.peek() == "-" and self.pos + 1 < len(self.text) and self.text[self.pos + 1] != "]":
                dash = self.pos
                self.pos += 1
                hi = self.class_char()
                if isinstance(hi, tuple):
                    self.error("a range must end with a character", dash)
                if hi < lo:
                    self.error("range out of order", dash)
                ranges.append((lo, hi))
            else:
                ranges.append((lo, lo))
        ranges_n = _normalise(ranges)
        if self.ignore_case:
            ranges_n = _fold(ranges_n)
        for lo, hi in ranges_n:
            for cp in (REGEX_DOT_SYMBOL, *DURABLE_RESERVED):
                if lo <= cp <= hi:
                    self.error("a class may not include U+FFFE or U+100000..U+10005F", start)
            if lo <= 0xDFFF and hi >= 0xD800:
                self.error("a class may not include surrogate code points", start)
        if not negated and set(ranges_n) == {(0x2D, 0x2D), (0x5E, 0x5E)}:
            self.error("the class [-^] cannot be written for durable_rules; use (-|\\^)", start)
        if _span(ranges_n) > MAX_CLASS_SPAN:
            self.error(f"a class may span at most {MAX_CLASS_SPAN} characters "
                       f"(this one spans {_span(ranges_n)}); match a literal part of the text instead", start)
        return ("cls", negated, ranges_n)

    def class_char(self):
        c = self.peek()
        if c == "\\":
            got = self.escape(in_class=True)
            if len(got) == 1 and got[0][0] == got[0][1] and self.text[self.pos - 1] not in "dws":
                return got[0][0]
            return got
        if c == "[":
            self.error("write \\[ for the character '[' inside a class")
        self.check_char(ord(c), self.pos)
        self.pos += 1
        return ord(c)


# ---- checks shared by both directions -----------------------------------------------------

def _atom_size(atom: tuple) -> int:
    kind = atom[0]
    if kind == "cls":
        return _span(atom[2]) + (1 if atom[1] else 0)
    if kind == "grp":
        return sum(_seq_weight(seq) for seq in atom[1])
    return 1


def _seq_weight(seq: tuple) -> int:
    total = 0
    for atom, low, high, _ in seq:
        copies = high if high is not None else max(low, 1)
        total += (_atom_size(atom) + 1) * max(copies, 1)
    return total


def weight(alts: tuple) -> int:
    """An upper bound of the transitions one state of durable's DFA can collect."""
    return sum(_seq_weight(seq) for seq in alts)


# ---- determinism ---------------------------------------------------------------------------
# durable's DFA construction blows up (error 503/504), conflicts (507) or corrupts its heap
# (SIGABRT) on small ambiguous patterns such as a+a[ab]+, .*aaa  or .*\d{3}x. The
# dialect keeps the patterns whose position (Glushkov) automaton is deterministic:
# wherever the text can continue, at most one part of the pattern can take the next
# character. The one exception is a '.*'/'.+' loop, which may run alongside one other
# part (the 'contains' shape .*养老.*). Checked by building the automaton's subsets.

class _Position:
    __slots__ = ("ranges", "dot", "loop", "offset", "top")

    def __init__(self, atom: tuple, loop: bool, offset: int, top: tuple):
        self.dot = atom[0] == "dot"
        self.ranges = ((atom[1], atom[1]),) if atom[0] == "lit" else (atom[2] if atom[0] == "cls" else ())
        self.loop = loop
        self.offset = offset
        self.top = top  # (top-level alternative, item index) of the item holding it

    def covered(self) -> Ranges:
        return ((0, _MAX_CP),) if self.dot else self.ranges


class _Glushkov:
    """first/last/follow sets of the position automaton of an AST."""

    def __init__(self, alts: tuple):
        self.positions: list[_Position] = []
        self.follow: dict[int, set] = {}
        self.top = (0, 0)
        nullable, first = False, set()
        for a, seq in enumerate(alts):
            n, f, _l = self.sequence(seq, a)
            nullable, first = nullable or n, first | f
        self.nullable, self.first = nullable, first

    def alternatives(self, alts):
        nullable, first, last = False, set(), set()
        for seq in alts:
            n, f, l = self.sequence(seq, None)
            nullable, first, last = nullable or n, first | f, last | l
        return nullable, first, last

    def sequence(self, seq, top_alt):
        nullable, first, last = True, set(), set()
        for index, (atom, low, high, offset) in enumerate(seq):
            if top_alt is not None:
                self.top = (top_alt, index)
            n, f, l = self.item(atom, low, high, offset)
            for p in last:
                self.follow.setdefault(p, set()).update(f)
            first = first | f if nullable else first
            last = last | l if n else l
            nullable = nullable and n
        return nullable, first, last

    def unit(self, atom, loop: bool, offset: int):
        if atom[0] == "grp":
            return self.alternatives(atom[1])
        self.positions.append(_Position(atom, loop, offset, self.top))
        p = len(self.positions) - 1
        if loop:
            self.follow.setdefault(p, set()).add(p)
        return False, {p}, {p}

    def item(self, atom, low, high, offset):
        if high is None:  # X* or X+: one looping position
            _n, first, last = self.unit(atom, True, offset)
            return low == 0, first, last
        # X{m,n}: n copies in a row; the item may end after copy m..n (nested: X X (X (X)?)?)
        copies = [self.unit(atom, False, offset) for _ in range(high)]
        for (_n, _f, before), (_n2, after, _l) in zip(copies, copies[1:]):
            for p in before:
                self.follow.setdefault(p, set()).update(after)
        last = set().union(*(l for i, (_n, _f, l) in enumerate(copies, 1) if i >= max(low, 1)))
        return low == 0, copies[0][1], last


def _segments(candidates: list[_Position]) -> list[list[int]]:
    """For each stretch of characters, which candidates take it (only stretches taken by >= 2)."""
    cuts = set()
    for q in candidates:
        for lo, hi in q.covered():
            cuts.update((lo, hi + 1))
    points = sorted(cuts)
    out = []
    for lo, nxt in zip(points, points[1:]):
        takers = [i for i, q in enumerate(candidates) if any(a <= lo <= b for a, b in q.covered())]
        if len(takers) >= 2:
            out.append(takers)
    return out


def _check_deterministic(alts: tuple, source: str) -> None:
    g = _Glushkov(alts)
    positions = g.positions
    if len(positions) > MAX_POSITIONS:
        raise RegexError(f"pattern too long for durable_rules ({len(positions)} characters or classes "
                         f"after counting repetitions; at most {MAX_POSITIONS})", 0)

    def prune(subset: frozenset) -> frozenset:
        """A top-level '.*' makes everything before it in its alternative redundant."""
        cut = {positions[p].top for p in subset
               if positions[p].dot and positions[p].loop and _is_top(alts, positions[p])}
        if not cut:
            return subset
        return frozenset(p for p in subset if not any(positions[p].top[0] == a and positions[p].top[1] < i
                                                      for a, i in cut))

    start = None  # the start state: its successors are `first`
    seen: set = set()
    todo: list = [start]
    while todo:
        state = todo.pop()
        candidates = sorted(g.first if state is None else set().union(*(g.follow.get(p, ()) for p in state)))
        qs = [positions[q] for q in candidates]
        groups = [[candidates[i] for i in takers] for takers in _segments(qs)] + [[q] for q in candidates]
        for group in groups:
            subset = prune(frozenset(group))
            loops = [p for p in subset if positions[p].dot and positions[p].loop]
            others = [p for p in subset if not (positions[p].dot and positions[p].loop)]
            if len(loops) > 1 or len(others) > 1:
                worst = max(subset, key=lambda p: positions[p].offset)
                if loops and others:
                    message = ("after '.*' or '.+', a part that can start again while it is being matched "
                               "(such as aa, [0-9]{3} or x?y?) makes durable_rules blow up; "
                               "start it with a distinct literal character")
                else:
                    message = ("ambiguous: two parts of the pattern could take the same character "
                               "(durable_rules cannot compile such patterns reliably); factor out the common "
                               "part, e.g. 养(老|护) instead of 养老|养护")
                raise RegexError(message, positions[worst].offset)
            if subset and subset not in seen:
                seen.add(subset)
                todo.append(subset)


def _is_top(alts: tuple, pos: _Position) -> bool:
    a, i = pos.top
    atom = alts[a][i][0]
    return atom[0] == "dot"


_SEMANTIC_CHECKS = True  # tests switch this off to show the mismatches it prevents


def _check(alts: tuple, source: str) -> int:
    if _SEMANTIC_CHECKS:
        _check_deterministic(alts, source)
    total = weight(alts)
    if total > MAX_WEIGHT:
        raise RegexError(f"pattern too complex for durable_rules (weight {total} > {MAX_WEIGHT}: "
                         "fewer or smaller classes, or fewer repetitions)", 0)
    return total


# ---- translation -----------------------------------------------------------------------

def _py_char(cp: int) -> str:
    c = chr(cp)
    if c.isalnum() and cp < 0x80 or (cp >= 0x80 and c.isprintable() and not c.isspace()):
        return c
    return "\\U%08x" % cp


def _py_class_char(cp: int) -> str:
    c = chr(cp)
    if c in _PY_CLASS_ESCAPE:
        return "\\" + c
    return _py_char(cp) if not (0x20 < cp < 0x7F) else c


def _to_python(alts: tuple) -> str:
    return "|".join("".join(_py_item(item) for item in seq) for seq in alts)


def _py_item(item: tuple) -> str:
    atom, low, high = item[:3]
    kind = atom[0]
    if kind == "lit":
        text = re.escape(chr(atom[1])) if 0x20 < atom[1] < 0x7F else _py_char(atom[1])
    elif kind == "dot":
        text = "."
    elif kind == "cls":
        body = "".join(_py_class_char(lo) if lo == hi else _py_class_char(lo) + "-" + _py_class_char(hi)
                       for lo, hi in atom[2])
        text = "[" + ("^" if atom[1] else "") + body + "]"
    else:
        text = "(?:" + _to_python(atom[1]) + ")"
    return text + _quant(low, high)


def _quant(low: int, high: int | None) -> str:
    if (low, high) == (1, 1):
        return ""
    if (low, high) == (0, None):
        return "*"
    if (low, high) == (1, None):
        return "+"
    if (low, high) == (0, 1):
        return "?"
    if low == high:
        return "{%d}" % low
    return "{%d,%d}" % (low, high)


def _split_ranges(ranges: Ranges) -> list[tuple[int, int]]:
    """Cut ranges so that JSON-escaped characters and the class-syntax characters stand alone.

    Control characters 0x00-0x1F may stay one range: the runtime maps them to a
    contiguous private range. '"' and '\\' move elsewhere, and '%', ']', '-', '^'
    need escaping or a safe place, so each of those becomes a single member.
    """
    singles = {0x22, 0x5C, 0x25, 0x5D, 0x2D, 0x5E}
    out = []
    for lo, hi in ranges:
        cuts = sorted({lo, hi + 1} | {c for c in singles if lo <= c <= hi} | {c + 1 for c in singles if lo <= c <= hi}
                      | ({0x20} if lo < 0x20 <= hi else set()))
        for a, b in zip(cuts, cuts[1:]):
            out.append((a, b - 1))
    return out


def _durable_member(cp: int) -> str:
    c = chr(cp)
    return "%" + c if c in "%]" else c


def _durable_class(negated: bool, ranges: Ranges) -> str:
    parts = _split_ranges(ranges)
    body, dash, caret = [], False, False
    for lo, hi in parts:
        if lo == hi == 0x2D:
            dash = True
        elif lo == hi == 0x5E:
            caret = True
        elif lo == hi:
            body.append(_durable_member(lo))
        else:
            body.append(_durable_member(lo) + "-" + _durable_member(hi))
    if caret:
        body.append("^")  # never first: a leading '^' would negate
    text = "".join(body)
    if not negated and not text and caret:
        return "%^"  # unreachable: '^' alone is written as a literal
    return "[" + ("^" if negated else "") + text + ("-" if dash else "") + "]"


def _to_durable(alts: tuple) -> str:
    return "|".join("".join(_durable_item(item) for item in seq) for seq in alts)


def _durable_item(item: tuple) -> str:
    atom, low, high = item[:3]
    kind = atom[0]
    if kind == "lit":
        c = chr(atom[1])
        text = "%" + c if c in _DURABLE_SPECIAL else c
    elif kind == "dot":
        text = "."
    elif kind == "cls":
        negated, ranges = atom[1], atom[2]
        if not negated and len(ranges) == 1 and ranges[0][0] == ranges[0][1]:
            return _durable_item((("lit", ranges[0][0]), low, high))
        text = _durable_class(negated, ranges)
    else:
        text = "(" + _to_durable(atom[1]) + ")"
    return text + _quant(low, high)


# ---- public API --------------------------------------------------------------------------

def parse(pattern: str, *, ignore_case: bool = False) -> SafeRegex:
    """Parse a pattern of the dialect; raises RegexError(message, offset)."""
    if not isinstance(pattern, str):
        raise RegexError("a pattern is a string", 0)
    if not pattern:
        raise RegexError("empty pattern", 0)
    if len(pattern) > MAX_PATTERN:
        raise RegexError(f"patterns have at most {MAX_PATTERN} characters", MAX_PATTERN)
    alts = _Parser(pattern, ignore_case).parse()
    total = _check(alts, pattern)
    python = re.compile(_to_python(alts), re.DOTALL)
    return SafeRegex(pattern, ignore_case, alts, python, _to_durable(alts), total)


class _DurableParser:
    """Reads back the durable form this module writes (to re-validate a compiled ruleset)."""

    def __init__(self, text: str):
        self.text = text
        self.pos = 0

    def error(self, message: str):
        raise RegexError(message, self.pos)

    def peek(self):
        return self.text[self.pos] if self.pos < len(self.text) else None

    def parse(self) -> tuple:
        alts = self.alternatives(0)
        if self.pos != len(self.text):
            self.error("unexpected ')'")
        return alts

    def alternatives(self, depth: int) -> tuple:
        alts = [self.sequence(depth)]
        while self.peek() == "|":
            self.pos += 1
            alts.append(self.sequence(depth))
        return tuple(alts)

    def sequence(self, depth: int) -> tuple:
        items = []
        while self.peek() not in (None, "|", ")"):
            start = self.pos
            atom = self.atom(depth)
            low, high = self.quantifier()
            if (low, high) != (1, 1) and atom[0] == "grp":
                self.pos = start
                self.error("a repeated group")
            if self.peek() in ("*", "+", "?", "{"):
                self.error("a repeated repetition")
            items.append((atom, low, high, start))
        if not items:
            self.error("empty alternative")
        return tuple(items)

    def quantifier(self):
        c = self.peek()
        simple = {"*": (0, None), "+": (1, None), "?": (0, 1)}
        if c in simple:
            self.pos += 1
            return simple[c]
        if c != "{":
            return 1, 1
        m = re.compile(r"\{(\d{1,3})(?:,(\d{1,3}))?\}").match(self.text, self.pos)
        if not m:
            self.error("bad repetition")
        low = int(m.group(1))
        high = int(m.group(2)) if m.group(2) is not None else low
        if high > MAX_REPEAT or low > high or high == 0:
            self.error("repetition out of range")
        self.pos = m.end()
        return low, high

    def atom(self, depth: int) -> tuple:
        c = self.peek()
        if c == "(":
            if depth >= MAX_DEPTH:
                self.error("groups nested too deep")
            self.pos += 1
            alts = self.alternatives(depth + 1)
            if self.peek() != ")":
                self.error("missing ')'")
            self.pos += 1
            return ("grp", alts)
        if c == "[":
            return self.klass()
        if c == ".":
            self.pos += 1
            return ("dot",)
        if c == "%":
            self.pos += 1
            e = self.peek()
            if e is None or e not in _DURABLE_SPECIAL:
                self.error("only %. %| %? %* %+ %( %) %[ %] %{ %} %% are allowed")
            self.pos += 1
            return ("lit", ord(e))
        if c in _DURABLE_SPECIAL:
            self.error(f"unexpected '{c}'")
        self.pos += 1
        return ("lit", ord(c))

    def member(self) -> int:
        c = self.peek()
        if c is None:
            self.error("missing ']'")
        if c == "%":
            self.pos += 1
            e = self.peek()
            if e not in ("%", "]"):
                self.error("only %% and %] inside a class")
            self.pos += 1
            return ord(e)
        self.pos += 1
        return ord(c)

    def klass(self) -> tuple:
        start = self.pos
        self.pos += 1
        negated = self.peek() == "^"
        if negated:
            self.pos += 1
        ranges = []
        while True:
            c = self.peek()
            if c is None:
                self.error("missing ']'")
            if c == "]":
                self.pos += 1
                break
            if c == "-":
                if self.text[self.pos + 1:self.pos + 2] != "]":
                    self.error("'-' must end the class")
                ranges.append((0x2D, 0x2D))
                self.pos += 1
                continue
            if c == "^" and not ranges and not negated:
                self.error("'^' must not start a class")
            lo = self.member()
            if self.peek() == "-" and self.text[self.pos + 1:self.pos + 2] not in ("]", ""):
                self.pos += 1
                hi = self.member()
                if hi < lo:
                    self.error("range out of order")
                ranges.append((lo, hi))
            else:
                ranges.append((lo, lo))
        if not ranges:
            self.pos = start
            self.error("empty class")
        normal = _normalise(ranges)
        if _span(normal) > MAX_CLASS_SPAN:
            self.pos = start
            self.error(f"class spans more than {MAX_CLASS_SPAN} characters")
        for lo, hi in normal:
            for cp in (REGEX_DOT_SYMBOL, *DURABLE_RESERVED):
                if lo <= cp <= hi:
                    self.pos = start
                    self.error("class includes a reserved code point")
            # Ranges must not straddle JSON-escaped characters: the runtime maps those apart.
        for lo, hi in ranges:
            if lo != hi and any(lo <= c <= hi for c in (0x22, 0x5C)) or (lo < 0x20 <= hi):
                self.pos = start
                self.error("a range straddles a JSON-escaped character")
        return ("cls", negated, normal)


def validate_durable(pattern: str) -> tuple:
    """Check a `$mt` string of a ruleset against the dialect; returns its AST or raises RegexError."""
    if not isinstance(pattern, str) or not pattern:
        raise RegexError("a pattern is a non-empty string", 0)
    if len(pattern) > 20 * MAX_PATTERN:
        raise RegexError("pattern too long", 0)
    for i, c in enumerate(pattern):
        cp = ord(c)
        if cp == REGEX_DOT_SYMBOL or DURABLE_RESERVED[0] <= cp <= DURABLE_RESERVED[1] or 0xD800 <= cp <= 0xDFFF:
            raise RegexError("reserved character", i)
    alts = _DurableParser(pattern).parse()
    _check(alts, pattern)
    return alts


__all__ = ["RegexError", "SafeRegex", "parse", "validate_durable", "weight", "DURABLE_CHAR_MAP",
           "DURABLE_RESERVED", "JSON_ESCAPED", "MAX_PATTERN", "MAX_CLASS_SPAN", "MAX_REPEAT", "MAX_WEIGHT"]
