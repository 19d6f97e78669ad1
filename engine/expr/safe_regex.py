r"""Patterns of `matches(text, 'pattern')`: checked by a front end of ours, matched by RE2.

RE2 (the `google-re2` package) matches in time proportional to the text for
every pattern it accepts, so `(a+)+b` or `.*养老.*服务` cost no more than a
scan of the text. What RE2 cannot do (back-references, look-around) or what we
do not allow is refused here first, with the offset of the character at fault
and a hint; RE2's own errors carry no position, so the few that get past the
front end are reported at the start of the pattern. Nothing is logged: RE2 is
told not to write to stderr.

durable_rules never sees these patterns: its own regex engine gave wrong and,
under load, varying answers (tests/test_durable_runtime.py keeps the crashing
and hanging patterns as probes), so `matches()` is computed in Python and
reaches the network as a derived value.

Semantics: the WHOLE text must match. Case-sensitive; `parse(...,
ignore_case=True)` (not reachable from `matches()`) folds case as RE2 does,
by Unicode simple case folding. `.` takes any character, newlines included.

    社 a 50%        characters stand for themselves
    . [abc] [^a-z]  any character; classes, ranges ([一-龥]) and negated classes
    \d \w \s        ASCII only: [0-9]; [A-Za-z0-9_]; [ \t\n\f\r] (\D \W \S: the rest)
    \p{Han} \pL     Unicode scripts and categories (\P{Han}: any other character)
    [[:alpha:]]     ASCII POSIX classes inside a class
    \n \t \x{4e00}  escapes of characters; \ before punctuation: \. \( \\ …
    * + ? {m,n}     repetition, counts up to 1000 (lazy *? +? ?? {m,n}? allowed)
    a|b (…) (?:…)   alternatives and groups, named groups (?P<name>…) too
    \b \B           ASCII word boundaries
    ^ $ \A \z       only as the very first (^ \A) or last ($ \z) character, where
                    they change nothing: the whole text has to match anyway

Refused, each with its own message: back-references (\1, (?P=name), \k<n>),
look-around ((?=, (?!, (?<=, (?<!), atomic groups and possessive repetition
((?>…), a*+), inline flags ((?i) and the like), escapes RE2 lacks (\Z \u \G \Q
…) and \C (one byte, which can split a character), octal escapes, a `{` that
does not start a repetition, counts over 1000 (counts of nested repetitions
multiply: (a{100}){20} is 2000), patterns over MAX_PATTERN characters, and
patterns whose RE2 program is over MAX_PROGRAM instructions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Protocol

import re2  # google-re2 ships no type information (ignore_missing_imports in pyproject.toml)

MAX_PATTERN = 300
MAX_REPEAT = 1000  # RE2's limit, which it applies to the product of nested counts
# Matching takes time proportional to the text times, at worst, the size of RE2's program (its
# instructions, with repetitions counted out). `.{1000}` is about 7,000; `.*a.{999}` so takes about
# 1.5 s on 100,000 characters, and a bigger program would take longer still.
MAX_PROGRAM = 10_000

_DOCS = "see docs/expressions.md"
_ESCAPE_LIST = ("escapes are \\d \\w \\s \\D \\W \\S \\p{Han} \\b \\B \\n \\t \\r \\f \\v \\a \\x{4e00}, "
                "and \\ before punctuation such as \\. \\( \\\\")
_CHAR_ESCAPES = {"a": 0x07, "f": 0x0C, "n": 0x0A, "r": 0x0D, "t": 0x09, "v": 0x0B}
_COUNT = re.compile(r"\{([0-9]+)(?:,([0-9]*))?\}")
_HEX = re.compile(r"x(?:([0-9A-Fa-f]{2})|\{([0-9A-Fa-f]{1,8})\})")
_FLAGS = re.compile(r"\?(?=[-imsxnUJ])[imsxnUJ]*(?:-[imsxnUJ]*)?[:)]")
_SURROGATE = re.compile("[\ud800-\udfff]")


class RegexError(ValueError):
    """A refused pattern: `offset`..`end` are the offending characters of the pattern."""

    def __init__(self, message: str, offset: int, end: int | None = None, hint: str = _DOCS):
        super().__init__(message)
        self.message = message
        self.offset = offset
        self.end = offset + 1 if end is None else end
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} (at character {self.offset + 1})"


class _Compiled(Protocol):
    @property
    def programsize(self) -> int: ...

    def fullmatch(self, text: str) -> object | None: ...


@dataclass(frozen=True)
class SafeRegex:
    """A checked pattern and its RE2 form."""

    source: str
    ignore_case: bool
    compiled: _Compiled

    def fullmatch(self, text: str) -> bool:
        """Whether the whole text matches."""
        try:
            return self.compiled.fullmatch(text) is not None
        except UnicodeEncodeError:  # a lone surrogate (JSON allows them) has no UTF-8 form: one U+FFFD each
            return self.compiled.fullmatch(_SURROGATE.sub("\ufffd", text)) is not None


# ---- escapes: shared by the pattern and its classes ----------------------------------------

_BACK_REFERENCE = ("RE2 matches in linear time and cannot refer back to what a group matched; test the parts in "
                   "separate conditions")
_REFUSED_ESCAPES: dict[str, tuple[str, str]] = {
    "Z": ("RE2 has no \\Z", "the whole text has to match anyway: leave it out"),
    "k": ("back-references are not supported", _BACK_REFERENCE),
    "g": ("back-references are not supported", _BACK_REFERENCE),
    "Q": ("\\Q…\\E is not supported", "put \\ before each special character instead: a\\.b"),
    "E": ("\\E without \\Q is not supported", "put \\ before each special character instead: a\\.b"),
    "C": ("\\C (a single byte) is not allowed", "it can split a character in two; write . for any character"),
}


def _escape(p: str, start: int) -> tuple[int, int | None]:
    """The end of the escape at `start` and its code point (None for a class such as \\d)."""
    if start + 1 >= len(p):
        raise RegexError("the pattern ends with a lone '\\'", start, hint="write \\\\ for the character '\\'")
    c = p[start + 1]
    if not c.isascii():
        raise RegexError(f"'\\{c}' is not an escape", start, start + 2, hint=f"write the character {c} itself")
    if not c.isalnum():  # escaped punctuation stands for itself
        return start + 2, ord(c)
    if c in _CHAR_ESCAPES:
        return start + 2, _CHAR_ESCAPES[c]
    if c in "dDsSwW":
        return start + 2, None
    if c == "x":
        return _hex(p, start)
    if c in "pP":
        return _unicode_class(p, start), None
    raise _refused_escape(p, start)


def _refused_escape(p: str, start: int) -> RegexError:
    c = p[start + 1]
    if c in "123456789":
        return RegexError(f"back-references such as \\{c} are not supported", start, start + 2,
                          hint=_BACK_REFERENCE)
    if c == "0":
        return RegexError("octal escapes are not supported", start, start + 2, hint="write \\x00 or \\x{0}")
    if c in "uU":
        digits = re.match(r"[0-9A-Fa-f]{1,8}", p[start + 2:])
        example = digits.group() if digits else "4e00"
        return RegexError(f"RE2 has no \\{c} escape", start, start + 2, hint=f"write \\x{{{example}}} instead")
    if c in _REFUSED_ESCAPES:
        message, hint = _REFUSED_ESCAPES[c]
        return RegexError(message, start, start + 2, hint=hint)
    return RegexError(f"unknown escape \\{c}", start, start + 2, hint=_ESCAPE_LIST)


def _hex(p: str, start: int) -> tuple[int, int]:
    found = _HEX.match(p, start + 1)
    if found is None:
        raise RegexError("\\x takes two hex digits or \\x{…}", start, start + 2, hint="write \\x41 or \\x{4e00}")
    cp = int(found.group(1) or found.group(2), 16)
    if cp > 0x10FFFF:
        raise RegexError("no such character", start, found.end(), hint="characters go up to \\x{10FFFF}")
    return found.end(), cp


def _unicode_class(p: str, start: int) -> int:
    """The end of \\pL or \\p{Name}; RE2 checks the name."""
    after = start + 2
    if after < len(p) and p[after] != "{":
        return after + 1
    close = p.find("}", after)
    if after >= len(p) or close < 0:
        raise RegexError(f"\\{p[start + 1]} needs a class name", start, start + 2,
                         hint="write \\p{Han} (Chinese characters) or \\pL (letters)")
    return close + 1


# ---- classes -------------------------------------------------------------------------------

def _class_char(p: str, j: int) -> tuple[int, int | None]:
    """One member of a class at `j`: its end and its code point (None for \\d, \\p{…}, [:alpha:])."""
    c = p[j]
    if c == "\\":
        if p[j + 1:j + 2] in ("b", "B", "A", "z"):
            raise RegexError(f"\\{p[j + 1]} is not allowed inside […]", j, j + 2,
                             hint="it marks a place, not a character: move it out of the class")
        return _escape(p, j)
    if p.startswith("[:", j):
        close = p.find(":]", j + 2)
        if close >= 0:
            return close + 2, None
    return j + 1, ord(c)


def _class_member(p: str, j: int) -> int:
    """A character, a class or a range lo-hi at `j`; returns its end."""
    end, lo = _class_char(p, j)
    if not (p.startswith("-", end) and end + 1 < len(p) and p[end + 1] != "]"):
        return end
    hi_end, hi = _class_char(p, end + 1)
    if lo is None or hi is None:
        raise RegexError("a range needs a character at each end", end,
                         hint="write \\- for the character '-'")
    if hi < lo:
        raise RegexError("range out of order", j, hi_end, hint=f"write {p[end + 1:hi_end]}-{p[j:end]}")
    return hi_end


def _class_end(p: str, start: int) -> int:
    """The end of the class `[…]` opening at `start`."""
    j = start + 1
    if p.startswith("^", j):
        j += 1
    if p.startswith("]", j):  # a ']' first stands for itself
        j += 1
    while j < len(p) and p[j] != "]":
        j = _class_member(p, j)
    if j >= len(p):
        raise RegexError("missing ']'", start, hint="close the class, or write \\[ for the character '['")
    return j + 1


# ---- groups --------------------------------------------------------------------------------

_LOOK = "RE2 has no look-around; write two conditions instead, e.g. matches(t, '.*甲.*') and not matches(t, '.*乙.*')"
_NO_BACKTRACKING = "RE2 never backtracks, which is what atomic groups are for: write (?:…) instead"
_REFUSED_GROUPS: tuple[tuple[str, str, str], ...] = (
    ("?=", "look-ahead is not supported", _LOOK),
    ("?!", "look-ahead is not supported", _LOOK),
    ("?<=", "look-behind is not supported", _LOOK),
    ("?<!", "look-behind is not supported", _LOOK),
    ("?P=", "back-references are not supported", _BACK_REFERENCE),
    ("?>", "atomic groups are not supported", _NO_BACKTRACKING),
    ("?#", "comments (?#…) are not supported", "remove the comment"),
)


def _group_opener(p: str, start: int) -> int:
    """The end of `(`, `(?:` or `(?P<name>` at `start`; refuses every other `(?`."""
    if not p.startswith("?", start + 1):
        return start + 1
    if p.startswith("?:", start + 1):
        return start + 3
    for prefix, message, hint in _REFUSED_GROUPS:
        if p.startswith(prefix, start + 1):
            raise RegexError(message, start, start + 1 + len(prefix), hint=hint)
    if p.startswith(("?P<", "?<"), start + 1):
        close = p.find(">", start)
        if close < 0:
            raise RegexError("missing '>' after the group name", start, hint="write (?P<name>…)")
        return close + 1
    if _FLAGS.match(p, start + 1):
        raise RegexError("inline flags are not supported", start, start + 2,
                         hint="matching is case-sensitive; write both cases where either may occur, e.g. [Ww]i[Ff]i")
    raise RegexError(f"'(?{p[start + 2:start + 3]}' is not a kind of group RE2 knows", start, start + 3,
                     hint="groups are (…), (?:…) and (?P<name>…)")


# ---- counts --------------------------------------------------------------------------------

def _count(p: str, start: int) -> tuple[int, int]:
    """The end of {m}, {m,} or {m,n} at `start`, and the count RE2 limits: n, or m when there is no n."""
    found = _COUNT.match(p, start)
    if found is None:
        hint = "write {0,n}" if p.startswith("{,", start) else "write \\{ for the character '{'"
        raise RegexError("'{' starts a repetition {m}, {m,} or {m,n}", start, hint=hint)
    low = int(found.group(1))
    high = int(found.group(2)) if found.group(2) else None
    if max(low, high or 0) > MAX_REPEAT:
        raise RegexError(f"at most {MAX_REPEAT} repetitions", start, found.end(),
                         hint="RE2's limit: write a smaller count, or test the parts in separate conditions")
    if high is not None and high < low:
        raise RegexError("{m,n} needs m <= n", start, found.end(), hint=f"write {{{high},{low}}}")
    return found.end(), low if high is None else high


# ---- the front end -------------------------------------------------------------------------

@dataclass
class _Frame:
    """An open group: where it opened, and the largest product of counts inside it."""

    offset: int
    inner: int = 1


class _FrontEnd:
    """Walks the pattern once, refusing what RE2 cannot do or we do not allow.

    `last` is what came just before: 'none' (the start, '(' or '|'), 'anchor',
    'atom' (something a repetition may follow), 'quant' or 'lazy' (after a repetition).
    """

    def __init__(self, pattern: str):
        self.p = pattern
        self.i = 0
        self.last = "none"
        self.frames = [_Frame(0)]
        self.atom_product = 1  # product of the counts inside the last atom (1 unless a group)
        self.last_repetition = 0  # where the last repetition operator starts

    def run(self) -> None:
        while self.i < len(self.p):
            self.step(self.p[self.i])
        if len(self.frames) > 1:
            raise RegexError("missing ')'", self.frames[-1].offset, hint="close the group, or write \\( for the "
                                                                         "character '('")

    def step(self, c: str) -> None:
        if c == "\\":
            self.backslash()
        elif c == "[":
            self.i = _class_end(self.p, self.i)
            self.atom(1)
        elif c == "(":
            self.frames.append(_Frame(self.i))
            self.i = _group_opener(self.p, self.i)
            self.last = "none"
        elif c == ")":
            self.close_group()
        elif c in "*+?{":
            self.repetition()
        elif c in "^$|":
            self.anchor_or_bar(c)
        else:
            self.i += 1
            self.atom(1)

    def atom(self, product: int) -> None:
        self.last = "atom"
        self.atom_product = product
        self.frames[-1].inner = max(self.frames[-1].inner, product)

    def backslash(self) -> None:
        c = self.p[self.i + 1:self.i + 2]
        if c in ("A", "z"):
            self.anchor_at(self.i, self.i + 2, c == "A")
        elif c in ("b", "B"):
            self.i += 2
            self.last = "anchor"
        else:
            self.i, _cp = _escape(self.p, self.i)
            self.atom(1)

    def anchor_or_bar(self, c: str) -> None:
        if c == "|":
            self.i += 1
            self.last = "none"
        else:
            self.anchor_at(self.i, self.i + 1, c == "^")

    def anchor_at(self, start: int, end: int, first: bool) -> None:
        """^ and \\A as the first character, $ and \\z as the last: no-ops under a whole-text match."""
        if (start != 0) if first else (end != len(self.p)):
            where = "start" if first else "end"
            written = self.p[start:end]
            literal = f"; write \\{written} for the character" if written in "^$" else ""
            raise RegexError(f"'{written}' is allowed only at the very {where} of the pattern", start, end,
                             hint=f"the whole text always has to match, so leave it out{literal}")
        self.i = end
        self.last = "anchor"

    def close_group(self) -> None:
        if len(self.frames) == 1:
            raise RegexError("unbalanced ')'", self.i, hint="remove it, or write \\) for the character ')'")
        frame = self.frames.pop()
        self.i += 1
        self.atom(frame.inner)

    def repetition(self) -> None:
        start = self.i
        end, count = self.repetition_end(start)
        if self.last in ("none", "anchor"):
            raise RegexError("nothing to repeat", start, end, hint=f"write \\{self.p[start]} for the character")
        if self.last in ("quant", "lazy"):
            self.repetition_after_repetition(start, end)
            return
        if count is not None:
            self.count_product(start, end, count)
        self.last_repetition = start
        self.i = end
        self.last = "quant"

    def repetition_end(self, start: int) -> tuple[int, int | None]:
        """The end of * + ? or {m,n} at `start`, and the count RE2 limits (None for * + ?)."""
        if self.p[start] != "{":
            return start + 1, None
        return _count(self.p, start)

    def repetition_after_repetition(self, start: int, end: int) -> None:
        if self.last == "quant" and self.p[start] == "?":  # lazy: the same under a whole-text match
            self.i = end
            self.last = "lazy"
            return
        if self.last == "quant" and self.p[start] == "+":
            before = self.p[self.last_repetition:start]
            raise RegexError("possessive repetition is not supported", start, end,
                             hint=f"RE2 never backtracks, which is what possessive forms are for: write {before} "
                                  f"instead of {before}+")
        raise RegexError("a repetition cannot be repeated directly", start, end,
                         hint="put the repeated part in a group first: (a{2}){3}")

    def count_product(self, start: int, end: int, count: int) -> None:
        """RE2 refuses nested counts whose product is over its limit; say where, and why."""
        product = max(count, 1) * self.atom_product
        if product > MAX_REPEAT:
            raise RegexError(f"repetitions nested in each other multiply: {product} is over {MAX_REPEAT}", start,
                             end, hint="lower the counts, or test the parts in separate conditions")
        self.atom_product = product
        self.frames[-1].inner = max(self.frames[-1].inner, product)


# ---- RE2 -----------------------------------------------------------------------------------

def _options(ignore_case: bool) -> re2.Options:
    options = re2.Options()
    options.log_errors = False  # errors become diagnostics; nothing on stderr
    options.never_capture = True  # groups only group: the match needs no submatch engine
    options.dot_nl = True
    options.case_sensitive = not ignore_case
    return options


def _compile(pattern: str, ignore_case: bool) -> _Compiled:
    try:
        compiled: _Compiled = re2.compile(pattern, _options(ignore_case))
    except re2.error as exc:
        reason = exc.args[0] if exc.args else "refused"
        text = reason.decode("utf-8", "replace") if isinstance(reason, bytes) else str(reason)
        raise RegexError(f"RE2 cannot use this pattern: {text}", 0, len(pattern),
                         hint="check the part RE2 names; " + _DOCS) from None
    if compiled.programsize > MAX_PROGRAM:
        raise RegexError(f"pattern too large once its repetitions are counted out ({compiled.programsize} steps "
                         f"of RE2's program; at most {MAX_PROGRAM})", 0, len(pattern),
                         hint="lower the counts, above all on . and \\p{…}, which take many steps each")
    return compiled


# ---- public API ----------------------------------------------------------------------------

def parse(pattern: str, *, ignore_case: bool = False) -> SafeRegex:
    """Check a pattern and compile it with RE2; raises RegexError(message, offset)."""
    if not isinstance(pattern, str):
        raise RegexError("a pattern is a string", 0)
    if not pattern:
        raise RegexError("empty pattern", 0, hint="to test for an empty text, write text == ''")
    if len(pattern) > MAX_PATTERN:
        raise RegexError(f"patterns have at most {MAX_PATTERN} characters", MAX_PATTERN, len(pattern),
                         hint="test the parts in separate conditions, or use contains()")
    _FrontEnd(pattern).run()
    return SafeRegex(pattern, ignore_case, _compile(pattern, ignore_case))


__all__ = ["MAX_PATTERN", "MAX_PROGRAM", "MAX_REPEAT", "RegexError", "SafeRegex", "parse"]
