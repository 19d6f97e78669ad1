r"""The safe regular-expression dialect of `matches(text, 'pattern')`.

A pattern is parsed once and written twice: as a Python `re` pattern (the
reference backend, used with `fullmatch`) and in the Lua-style dialect of
durable_rules' `$mt`, whose home-grown DFA compiler (src/rules/regex.c) has
unchecked fixed-size arrays, blows up or corrupts its heap on small ambiguous
patterns and mis-matches some others. The dialect is the part where both agree,
checked by a differential test against durable itself (tests/test_safe_regex.py).

Semantics: the WHOLE text must match. Case-sensitive, unless
`parse(..., ignore_case=True)`, which folds ASCII letters only.

    a 社 …        a literal character
    .             any one character (newlines included)
    [abc] [a-z]   a class: characters, ranges, \d \w \s and escaped characters;
                  it spans at most 1,000 code points
    \d \w \s      ASCII digit [0-9]; word character [A-Za-z0-9_]; whitespace [ \t\n\v\f\r]
    \n \t \r      newline, tab, carriage return
    \. \\ \( …     a special character as itself: . [ ] { } ( ) | * + ? \ ^ $ - /
    X* X+ X?      repetition of ONE character or class X
    X{m} X{m,n}   1 <= n <= 100, m <= n
    (…|…)  a|b    alternatives, in a group or at the top level

Not allowed, and why:
- `^` `$` (the whole text always matches; write `\^` `\$` for the characters);
- repeating a group (nested repetition hangs durable's compiler);
- negated classes `[^…]`, `\D` `\W` `\S` (durable fails with error 507 on most patterns
  holding one, e.g. `[^,]+,.*` or `1*[^0-9]`);
- ambiguity: wherever the text can continue, at most one part of the pattern may
  take the next character (the position automaton is deterministic) - `养老|养护`
  must be written `养(老|护)`, `a+a` as `aa+`. durable's compiler fails (503/504),
  aborts (SIGABRT) or mis-matches on ambiguous patterns as small as `a+a[ab]+`;
- `.*` and `.+` may only be followed by ONE literal character (then anything
  deterministic), and may run alongside at most one other part of the pattern
  that cannot start again while being matched; a second `.*` may only end the
  pattern. So `.*养老.*`, `.*社区[0-9]{3}号.*`, `.+养老`, `社区.*` are fine, but
  `.*(养老|托育).*`, `.*[0-9]{3}.*`, `.*养老.*服务.*`, `.*ab.+` are refused: durable
  mis-matches each of them (e.g. `.*(1b|2a).*` does not match "2ab", `.*养老.*服务`
  does not match "养老养服务"); test such conditions separately;
- every alternative starting with `X*` (durable loops such a repetition back to
  the start of the alternatives: `a+|b` matched "ab"; the durable form puts
  another alternative first or writes a leading `X+` as `XX*`);
- more than 1,000 code points in one class (over ~4,096 overflows a stack array:
  SIGSEGV on `[一-龥]`), a "weight" (sum of (code points + 1) x repetitions) over
  3,000 (one DFA state holds at most 4,096 transitions, unchecked: five classes of
  1,000 in alternatives, or `.*[A]{5}`, crash it), groups nested over 4 deep,
  patterns over 200 characters.

Texts: durable only sees JSON text, where `"`, `\` and control characters are
escaped. The runtime maps those 34 characters to private code points
(`DURABLE_CHAR_MAP`) in every string it sends, facts and rules alike, and the
durable form of a class keeps them as single members so the mapping stays exact.
durable silently never matches a text longer than 65,535 UTF-8 bytes (an
unsigned short length): the runtime refuses such strings, and the profile
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
# item: (atom, low, high, offset)  high None = unbounded; offset = index in the source
# alts: tuple of sequences (tuples of items). "negated" is always False (kept for the shape).


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


def _normalise(ranges) -> Ranges:
    out: list[list[int]] = []
    for lo, hi in sorted(ranges):
        if out and lo <= out[-1][1] + 1:
            out[-1][1] = max(out[-1][1], hi)
        else:
            out.append([lo, hi])
    return tuple((lo, hi) for lo, hi in out)


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
# (SIGABRT) on small ambiguous patterns such as a+a[ab]+, .*aaa  or .*\d{3}x, and
# mis-matches others. The dialect keeps the patterns whose position (Glushkov) automaton
# is deterministic: wherever the text can continue, at most one part of the pattern can
# take the next character. The one exception is a '.*'/'.+' loop, which may run alongside
# one other part, entered through a single literal character (the 'contains' shape
# .*养老.*). Checked by building the automaton's subsets (each state = the positions
# just matched); X+ is modelled as X X*, as durable builds it.

class _Position:
    __slots__ = ("ranges", "dot", "loop", "offset")

    def __init__(self, atom: tuple, loop: bool, offset: int):
        self.dot = atom[0] == "dot"
        self.ranges = ((atom[1], atom[1]),) if atom[0] == "lit" else (atom[2] if atom[0] == "cls" else ())
        self.loop = loop
        self.offset = offset

    def covered(self) -> Ranges:
        return ((0, _MAX_CP),) if self.dot else self.ranges


class _Glushkov:
    """first/last/follow sets of the position automaton of an AST."""

    def __init__(self, alts: tuple):
        self.positions: list[_Position] = []
        self.follow: dict[int, set] = {}
        self.nullable, self.first, self.last = self.alternatives(alts)

    def alternatives(self, alts):
        nullable, first, last = False, set(), set()
        for seq in alts:
            n, f, l = self.sequence(seq)
            nullable, first, last = nullable or n, first | f, last | l
        return nullable, first, last

    def sequence(self, seq):
        nullable, first, last = True, set(), set()
        for atom, low, high, offset in seq:
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
        self.positions.append(_Position(atom, loop, offset))
        p = len(self.positions) - 1
        if loop:
            self.follow.setdefault(p, set()).add(p)
        return False, {p}, {p}

    def item(self, atom, low, high, offset):
        if high is None:  # X*: one looping position; X+ as durable builds it: X X*
            if low == 0:
                _n, first, last = self.unit(atom, True, offset)
                return True, first, last
            _n, first, once = self.unit(atom, False, offset)
            _n, loop, last = self.unit(atom, True, offset)
            for p in once:
                self.follow.setdefault(p, set()).update(loop)
            return False, first, once | last
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

    for p, pos in enumerate(positions):  # what may start while '.*' runs: one literal character
        if pos.dot and pos.loop:
            nxt = [positions[q] for q in g.follow.get(p, ()) if q != p]
            if len(nxt) > 1 or any(q.dot or q.ranges[0][0] != q.ranges[-1][1] or len(q.ranges) > 1 for q in nxt):
                worst = max(nxt, key=lambda q: q.offset)
                raise RegexError("after '.*' or '.+' the pattern must go on with one literal character "
                                 "(durable_rules mis-matches a class, alternatives or an optional part "
                                 "there: write .*养老.* rather than .*(养老|托育).*, and test such "
                                 "alternatives in separate conditions)", worst.offset)
    ends = set(g.last)
    seen: set = set()
    todo: list = [None]  # None: the start state, whose successors are `first`
    while todo:
        state = todo.pop()
        candidates = sorted(g.first if state is None else set().union(*(g.follow.get(p, ()) for p in state)))
        qs = [positions[q] for q in candidates]
        groups = [[candidates[i] for i in takers] for takers in _segments(qs)] + [[q] for q in candidates]
        for group in groups:
            subset = frozenset(group)
            if subset in seen:
                continue
            seen.add(subset)
            loops = [p for p in subset if positions[p].dot and positions[p].loop]
            if any(p in ends for p in loops):
                continue  # a trailing '.*': everything from here on matches, and durable gets that right
            others = [p for p in subset if not (positions[p].dot and positions[p].loop)]
            if len(loops) > 1 or len(others) > 1 or (loops and others and positions[others[0]].dot):
                worst = max(subset, key=lambda p: positions[p].offset)
                if loops and (others or len(loops) > 1):
                    message = ("after '.*' or '.+' only one part may be under way: the rest of the pattern must not "
                               "be able to start again while it is being matched (such as .*aa, .*[0-9]{3}, "
                               ".*ab.+), and a second '.*' may only end the pattern (.*养老.*服务 mis-matches in "
                               "durable_rules; test .*养老.* and .*服务.* separately)")
                else:
                    message = ("ambiguous: two parts of the pattern could take the same character "
                               "(durable_rules cannot compile such patterns reliably); factor out the common "
                               "part, e.g. 养(老|护) instead of 养老|养护")
                raise RegexError(message, positions[worst].offset)
            todo.append(subset)


_SEMANTIC_CHECKS = True  # tests switch this off to show the mismatches it prevents


def _starts_with_loop(alts: tuple) -> bool:
    if len(alts) > 1 and _loop_first(alts[0]):
        return True
    return any(_starts_with_loop(item[0][1]) for seq in alts for item in seq if item[0][0] == "grp")


def _check_loop_starts(alts: tuple) -> None:
    if len(alts) > 1 and all(_loop_first(seq) and seq[0][1] == 0 for seq in alts):
        raise RegexError("when every alternative starts with a repetition X*, durable_rules mis-matches; "
                         "start one alternative with a required character", alts[0][0][3])
    for seq in alts:
        for atom, _low, _high, _offset in seq:
            if atom[0] == "grp":
                _check_loop_starts(atom[1])


def _check(alts: tuple, source: str) -> int:
    if _SEMANTIC_CHECKS:
        _check_deterministic(alts, source)
        _check_loop_starts(alts)
        if _starts_with_loop(alts):
            raise RegexError("an alternative list cannot start with a repetition here (durable_rules would loop "
                             "back to where the other alternatives start)", 0)
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


def _loop_first(seq: tuple) -> bool:
    return seq[0][2] is None


def _durable_order(alts: tuple) -> tuple:
    """durable links a repetition that starts a pattern or group back to its start state, where the
    other alternatives begin too (so a+|b matches 'ab'): put an alternative that does not start
    with a repetition first, or write the leading X+ as X X*."""
    if len(alts) < 2 or not _loop_first(alts[0]):
        return alts
    for j, seq in enumerate(alts):
        if not _loop_first(seq):
            return (seq,) + alts[:j] + alts[j + 1:]
    for j, seq in enumerate(alts):
        atom, low, _high, offset = seq[0]
        if low >= 1:  # X+ ... becomes X X* ...
            first = ((atom, 1, 1, offset), (atom, 0, None, offset)) + seq[1:]
            return (first,) + alts[:j] + alts[j + 1:]
    return alts  # all start with X*: refused by _check_loop_starts


def durable_ast(alts: tuple) -> tuple:
    """The AST as written for durable: alternatives reordered at every level (see _durable_order)."""
    out = []
    for seq in _durable_order(alts):
        out.append(tuple(((("grp", durable_ast(atom[1])),) + item[1:]) if atom[0] == "grp" else item
                         for item in seq for atom in (item[0],)))
    return tuple(out)


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
    if _SEMANTIC_CHECKS:
        _check_loop_starts(alts)
    written = durable_ast(alts)
    total = _check(written, pattern)  # the structure durable compiles is the one that must be safe
    python = re.compile(_to_python(alts), re.DOTALL)
    return SafeRegex(pattern, ignore_case, alts, python, _to_durable(written), total)


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
        negated = False
        if self.peek() == "^":
            self.error("negated classes are not allowed")
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
