r"""The safe pattern dialect of `matches(text, 'pattern')`.

A pattern is parsed into a small AST, checked, and written as a Python `re`
pattern used with `fullmatch`. Python's matcher backtracks, so a careless
pattern such as `(a+)+b` or `.*a.*b` can take exponential or quadratic time on
a long text. The dialect admits only patterns that it can show run in time
proportional to the text: the position (Glushkov) automaton of the pattern is
deterministic (wherever the text can go on, at most one part of the pattern
takes the next character), with one exception for `.*`/`.+`, which may run
alongside one other part that is not a repetition. Every refusal says which
character of the pattern is at fault.

durable_rules never sees these patterns: its own regex engine gave wrong and,
under load, varying answers (tests/test_durable_runtime.py keeps the crashing
and hanging patterns as probes), so `matches()` is computed in Python and
reaches the network as a derived value.

Semantics: the WHOLE text must match. Case-sensitive, unless
`parse(..., ignore_case=True)`, which folds ASCII letters only.

    a 社 …          a literal character
    .               any one character (newlines included)
    [abc] [a-z]     a class: characters, ranges, \d \w \s (and \D \W \S) and escaped characters
    [^…]            a negated class: any character not listed
    \d \w \s        ASCII digit [0-9]; word character [A-Za-z0-9_]; whitespace [ \t\n\v\f\r]
    \D \W \S        any character that is not one of those
    \n \t \r        newline, tab, carriage return
    \. \\ \( …       a special character as itself: . [ ] { } ( ) | * + ? \ ^ $ - /
    X* X+ X?        repetition of a character or class X
    X{m} X{m,n}     1 <= n <= 100, m <= n; also after a group (…){m,n}, (…)?
    (…|…)  a|b      alternatives, in a group or at the top level

Not allowed, and why:
- `^` `$`: the whole text always has to match (write `\^` `\$` for the characters);
- `(…)*`, `(…)+`: a group repeated without bound is how patterns take exponential
  time; use `(…){m,n}` or repeat a single character or class;
- repeating a group that can match nothing, such as `(a?){2}`;
- ambiguity: `养老|养护` must be written `养(老|护)`, `a+a` as `aa+`: two parts
  that can take the same character make a backtracking matcher try both;
- while `.*` or `.+` runs, more than one other part under way, a repetition right
  after it, or a second `.*` that does not end the pattern: `.*养老.*` and
  `.*(养老|托育).*` are fine, `.*a*b`, `.*[0-9]{3}.*` and `.*养老.*服务` are refused
  (use `contains(text, '养老')` and test the parts in separate conditions);
- patterns over 200 characters, groups nested over 4 deep, more than 300
  characters or classes once repetitions are counted.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_PATTERN = 200
MAX_REPEAT = 100
MAX_DEPTH = 4
MAX_POSITIONS = 300

_MAX_CP = 0x10FFFF
_PY_CLASS_ESCAPE = set("\\]-^[")

Ranges = tuple[tuple[int, int], ...]

# ---- AST ---------------------------------------------------------------------------------
# atom: ("lit", cp) | ("dot",) | ("cls", ranges) | ("grp", alts)    (a negated class is stored
#       as the ranges it admits)
# item: (atom, low, high, offset)  high None = unbounded; offset = index in the source
# alts: tuple of sequences (tuples of items)


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


def _complement(ranges: Ranges) -> Ranges:
    out, start = [], 0
    for lo, hi in _normalise(ranges):
        if lo > start:
            out.append((start, lo - 1))
        start = hi + 1
    if start <= _MAX_CP:
        out.append((start, _MAX_CP))
    return tuple(out)


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
            if atom[0] == "grp" and high is None:
                self.error("a group cannot repeat without a bound ((...)* or (...)+ can take exponential time); "
                           "write (...){m,n} or repeat a single character or class", start)
            if atom[0] == "grp" and _nullable(atom[1]):
                self.error("a group that can match nothing cannot be repeated", start)
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
            got = self.escape()
            return ("cls", got) if isinstance(got, tuple) else self.literal(got)
        if c in ("^", "$"):
            self.error(f"'{c}' is not an anchor here: the whole text always has to match "
                       f"(write \\{c} for the character)")
        if c in ("*", "+", "?", "{"):
            self.error("nothing to repeat")
        if c in ("]", "}"):
            self.error(f"write \\{c} for the character '{c}'")
        self.pos += 1
        return self.literal(ord(c))

    def literal(self, cp: int) -> tuple:
        if self.ignore_case and (0x41 <= cp <= 0x5A or 0x61 <= cp <= 0x7A):
            return ("cls", _fold(((cp, cp),)))
        return ("lit", cp)

    def escape(self) -> int | Ranges:
        """A code point, or the ranges of an escape class such as \\d or \\D."""
        start = self.pos
        self.pos += 1
        c = self.peek()
        if c is None:
            self.error("pattern ends with a lone '\\'", start)
        self.pos += 1
        if c in _ESCAPE_CLASSES:
            return _ESCAPE_CLASSES[c]
        if c.isupper() and c.lower() in _ESCAPE_CLASSES:
            return _complement(_ESCAPE_CLASSES[c.lower()])
        if c in _ESCAPE_CHARS:
            return _ESCAPE_CHARS[c]
        if c in _LITERAL_ESCAPES:
            return ord(c)
        self.error(f"unknown escape \\{c}", start)

    def klass(self) -> tuple:
        start = self.pos
        self.pos += 1
        negated = self.peek() == "^"
        if negated:
            self.pos += 1
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
        admitted = _normalise(ranges)
        if self.ignore_case:
            admitted = _fold(admitted)
        if negated:
            admitted = _complement(admitted)
        if not admitted:
            self.error("this class admits no character", start)
        return ("cls", admitted)

    def class_char(self) -> int | Ranges:
        c = self.peek()
        if c == "\\":
            return self.escape()
        if c == "[":
            self.error("write \\[ for the character '[' inside a class")
        self.pos += 1
        return ord(c)


def _nullable(alts: tuple) -> bool:
    """Whether the alternatives can match the empty text."""
    return any(all(low == 0 or (atom[0] == "grp" and _nullable(atom[1])) for atom, low, _h, _o in seq)
               for seq in alts)


# ---- the position automaton ----------------------------------------------------------------

class _Position:
    __slots__ = ("ranges", "dot", "loop", "offset")

    def __init__(self, atom: tuple, loop: bool, offset: int):
        self.dot = atom[0] == "dot"
        self.ranges = ((atom[1], atom[1]),) if atom[0] == "lit" else (atom[1] if atom[0] == "cls" else ())
        self.loop = loop
        self.offset = offset

    def covered(self) -> Ranges:
        return ((0, _MAX_CP),) if self.dot else self.ranges

    def takes(self, cp: int) -> bool:
        return any(lo <= cp <= hi for lo, hi in self.covered())


class Glushkov:
    """first/last/follow sets of the position automaton of an AST.

    X+ is built as X X*, and X{m,n} as n copies in a row of which the last n-m
    may be left out (X X (X (X)?)?), so that every position is one character.
    """

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
        if high is None:  # X*: one looping position; X+: X X*
            if low == 0:
                _n, first, last = self.unit(atom, True, offset)
                return True, first, last
            _n, first, once = self.unit(atom, False, offset)
            _n, loop, last = self.unit(atom, True, offset)
            for p in once:
                self.follow.setdefault(p, set()).update(loop)
            return False, first, once | last
        copies = [self.unit(atom, False, offset) for _ in range(high)]  # the parser refuses empty groups here
        for (_n, _f, before), (_n2, after, _l) in zip(copies, copies[1:]):
            for p in before:
                self.follow.setdefault(p, set()).update(after)
        last = set().union(*(l for i, (_n, _f, l) in enumerate(copies, 1) if i >= max(low, 1)))
        return low == 0 or copies[0][0], copies[0][1], last

    def accepts(self, text: str) -> bool:
        """Simulates the automaton (the meaning of the AST, independent of `re`)."""
        state: set | None = None  # None: before the first character
        for c in text:
            candidates = self.first if state is None else set().union(*(self.follow.get(p, ()) for p in state))
            state = {q for q in candidates if self.positions[q].takes(ord(c))}
            if not state:
                return False
        return self.nullable if state is None else bool(state & self.last)


def _segments(candidates: list[_Position]) -> list[list[int]]:
    """For each stretch of characters, which candidates take it (only stretches taken by >= 2)."""
    cuts = set()
    for q in candidates:
        for lo, hi in q.covered():
            cuts.update((lo, hi + 1))
    points = sorted(cuts)
    out = []
    for lo, _next in zip(points, points[1:]):
        takers = [i for i, q in enumerate(candidates) if q.takes(lo)]
        if len(takers) >= 2:
            out.append(takers)
    return out


def _dot_loop(p: _Position) -> bool:
    return p.dot and p.loop


def _check_time(alts: tuple) -> None:
    """Refuses patterns a backtracking matcher could take more than linear time on.

    Explores the subsets of positions the text can be in. Deterministic: at most
    one position per subset. The exception, a '.*' loop, may run beside one other
    position as long as that one is not a '.' and is not a loop that the '.*'
    enters or leaves into directly: those pairs restart at every character
    (`.*a*b`, `x*.*y`), which a backtracking matcher pays for quadratically.
    """
    g = Glushkov(alts)
    positions = g.positions
    if len(positions) > MAX_POSITIONS:
        raise RegexError(f"pattern too long ({len(positions)} characters or classes once repetitions are "
                         f"counted; at most {MAX_POSITIONS})", 0)
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
            loops = [p for p in subset if _dot_loop(positions[p])]
            if any(p in ends for p in loops):
                continue  # a trailing '.*': the rest of the text matches whatever it holds
            others = [p for p in subset if not _dot_loop(positions[p])]
            if len(loops) > 1 or len(others) > 1 or (loops and others and _restarts(g, loops[0], others[0])):
                worst = max(subset, key=lambda p: positions[p].offset)
                if loops:
                    message = ("while '.*' or '.+' runs, only one other part of the pattern may be under way, "
                               "and not a repetition next to it (.*[0-9]{3}.*, .*养老.*服务 or .*a*b can take "
                               "time growing with the square of the text); use contains() and test the parts "
                               "in separate conditions")
                else:
                    message = ("ambiguous: two parts of the pattern could take the same character; factor out "
                               "the common part, e.g. 养(老|护) instead of 养老|养护")
                raise RegexError(message, positions[worst].offset)
            todo.append(subset)


def _restarts(g: Glushkov, loop: int, other: int) -> bool:
    """Whether `other`, under way beside the '.*' `loop`, can begin again at every character."""
    q = g.positions[other]
    return q.dot or (q.loop and (other in g.follow.get(loop, ()) or loop in g.follow.get(other, ())))


# ---- translation to Python -------------------------------------------------------------------

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
        text = "[" + "".join(_py_class_char(lo) if lo == hi else _py_class_char(lo) + "-" + _py_class_char(hi)
                             for lo, hi in atom[1]) + "]"
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


# ---- public API --------------------------------------------------------------------------

def parse(pattern: str, *, ignore_case: bool = False) -> SafeRegex:
    """Parse and check a pattern of the dialect; raises RegexError(message, offset)."""
    if not isinstance(pattern, str):
        raise RegexError("a pattern is a string", 0)
    if not pattern:
        raise RegexError("empty pattern", 0)
    if len(pattern) > MAX_PATTERN:
        raise RegexError(f"patterns have at most {MAX_PATTERN} characters", MAX_PATTERN)
    alts = _Parser(pattern, ignore_case).parse()
    _check_time(alts)
    return SafeRegex(pattern, ignore_case, alts, re.compile(_to_python(alts), re.DOTALL))


__all__ = ["Glushkov", "RegexError", "SafeRegex", "parse", "MAX_PATTERN", "MAX_REPEAT", "MAX_DEPTH",
           "MAX_POSITIONS"]
