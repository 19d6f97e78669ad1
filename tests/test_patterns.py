"""The safe pattern dialect of matches(): parsing, refusals, the meaning of the Python
translation, and the claim that accepted patterns match in linear time."""

from __future__ import annotations

import random
import sys

import pytest

from engine.expr import safe_regex
from engine.expr.safe_regex import Glushkov, RegexError, parse

# ---- translation ----------------------------------------------------------------------------

@pytest.mark.parametrize("pattern, yes, no", [
    (".*养老.*", ["养老", "社区养老服务", "养养老"], ["养", "老养", ""]),
    (".*(养老|托育).*", ["社区托育", "养老院"], ["养育", ""]),
    ("1[3-9]\\d{9}", ["13912345678"], ["12912345678", "1391234567", "1391234567a"]),
    ("\\d{17}[\\dX]", ["11010119900307123X"], ["11010119900307123x"]),
    ("a\\.b", ["a.b"], ["axb"]),
    ("50%", ["50%"], ["50"]),
    ("(养|护)老院", ["养老院", "护老院"], ["老院"]),
    ("\\w+@\\w+\\.com", ["a_1@b.com"], ["@b.com", "a@b.co"]),
    ("a\\s?b", ["ab", "a b", "a\nb"], ["a  b"]),
    ('say ".*', ['say "hi"'], ["say hi"]),
    ("[a\\-z]", ["-", "a", "z"], ["b"]),
    ("[\\^x]", ["^", "x"], ["a"]),
    ("\\^\\$", ["^$"], [""]),
    ("a+|b", ["a", "aa", "b"], ["ab", "ba"]),
    ("a*|b*", ["", "aa", "bb"], ["ab"]),
    ("[^,]+,.*", ["甲,乙", "a,"], [",a", "ab"]),
    ("x\\D", ["xa", "x社"], ["x1", "x"]),
    ("[^\\d\\s]{2}", ["ab", "社区"], ["a1", "a ", "abc"]),
    ("[一-龥]+", ["社区"], ["社区1", ""]),
    ("社区(党委)?", ["社区", "社区党委"], ["社区党"]),
    ("(ab){2,3}", ["abab", "ababab"], ["ab", "abababab"]),
])
def test_translation(pattern, yes, no):
    rx = parse(pattern)
    for text in yes:
        assert rx.python.fullmatch(text), text
    for text in no:
        assert not rx.python.fullmatch(text), text


def test_ignore_case_folds_ascii_only():
    rx = parse("ab社", ignore_case=True)
    assert rx.python.fullmatch("AB社") and rx.python.fullmatch("aB社")
    assert not rx.python.fullmatch("ab社".upper() + "x")
    lower = parse("[^a]", ignore_case=True)  # folded before it is negated: neither a nor A
    assert not lower.python.fullmatch("A") and not lower.python.fullmatch("a") and lower.python.fullmatch("b")


# ---- refusals, with the offending column ------------------------------------------------------

@pytest.mark.parametrize("pattern, offset, words", [
    ("^abc", 0, "anchor"),
    ("abc$", 3, "anchor"),
    ("(ab)+", 0, "without a bound"),
    ("(a+)+b", 0, "without a bound"),
    ("(a|a)*", 0, "without a bound"),
    ("(a?){2}", 0, "can match nothing"),
    ("a**", 2, "cannot be repeated"),
    ("a{2}{3}", 4, "cannot be repeated"),
    ("a{0}", 1, "repeats nothing"),
    ("a{1,101}", 1, "at most 100"),
    ("a{3,2}", 1, "m <= n"),
    ("养老|养护", 3, "ambiguous"),
    ("a+a[ab]+", 2, "ambiguous"),
    ("(a|ab)c", 3, "ambiguous"),
    (".*.*x", 2, "while '.*'"),
    (".*a*b", 2, "while '.*'"),
    ("x*.*y", 2, "while '.*'"),
    (".*\\d{3}x", 2, "while '.*'"),
    (".*养老.*服务", 4, "while '.*'"),
    (".*ab.+", 4, "while '.*'"),
    ("(a", 0, "missing ')'"),
    ("a)", 1, "unbalanced"),
    ("a|", 2, "empty alternative"),
    ("\\q", 0, "unknown escape"),
    ("[a", 0, "missing ']'"),
    ("[z-a]", 2, "out of order"),
    ("[^\\x00]", 2, "unknown escape"),
    ("[^\u0000-\U0010ffff]", 0, "admits no character"),
])
def test_refused_with_offset(pattern, offset, words):
    with pytest.raises(RegexError) as caught:
        parse(pattern)
    assert words in str(caught.value)
    assert caught.value.offset == offset, str(caught.value)


def test_limits_just_under_and_over():
    parse("a" * 200)
    with pytest.raises(RegexError, match="at most 200"):
        parse("a" * 201)
    parse("a{1,100}")
    parse("((((a))))")  # four groups deep
    with pytest.raises(RegexError, match="nest at most 4"):
        parse("(((((a)))))")
    parse("a{100}b{100}c{100}")  # 300 positions
    with pytest.raises(RegexError, match="at most 300"):
        parse("a{100}b{100}c{100}d")
    with pytest.raises(RegexError, match="at most 300"):
        parse("(ab{100}){3}")  # 3 x 101


# ---- generated patterns: what the translation means, and how long matching takes ---------------

_LITERALS = list('ab社区老.-^%]"\\\n x1')


def _escape(c: str) -> str:
    if c in ".[]{}()|*+?\\^$-/":
        return "\\" + c
    return {"\n": "\\n", "\t": "\\t"}.get(c, c)


def _random_pattern(r: random.Random, depth: int = 0) -> str:
    if r.random() < 0.35 and depth == 0:  # the 'contains' shapes
        needle = "".join(_escape(r.choice(_LITERALS[:8])) for _ in range(r.randint(1, 3)))
        tail = r.choice(["", "[0-9]{1,2}", "x?"])
        return r.choice([".*", ".+", "", "社"]) + (".*" if r.random() < .8 else "") + needle + tail + \
            r.choice([".*", "", ".+"])

    def atom():
        k = r.random()
        if k < 0.5:
            return _escape(r.choice(_LITERALS)), False
        if k < 0.6:
            return ".", False
        if k < 0.85:
            items = ["a", "b", "a-c", "0-9", "社", "一-丁", "\\d", "\\w", "\\s", "\\D", '"', "\\\\", "-", "%",
                     "\\]", "."]
            negated = "^" if r.random() < 0.15 else ""
            return "[" + negated + "".join(r.choice(items) for _ in range(r.randint(1, 3))) + "]", False
        if depth < 2:
            return "(" + _random_pattern(r, depth + 1) + ")", True
        return r.choice(["\\d", "\\w", "\\s"]), False

    def quantifier():
        k = r.random()
        if k < 0.55:
            return ""
        if k < 0.85:
            return r.choice(["*", "+", "?"])
        low = r.randint(0, 3)
        return r.choice(["{%d}" % max(low, 1), "{%d,%d}" % (low, r.randint(max(low, 1), 4))])

    def sequence():
        out = ""
        for _ in range(r.randint(1, 4)):
            text, group = atom()
            out += text + (r.choice(["", "", "?", "{1,2}", "{2}"]) if group else quantifier())
        return out

    return "|".join(sequence() for _ in range(r.choice([1, 1, 2, 3])))


def _sample(r: random.Random, alts: tuple) -> str:
    """A text matching the AST."""
    out: list[str] = []

    def walk(alternatives):
        for atom, low, high, _offset in r.choice(alternatives):
            for _ in range(r.randint(low, high if high is not None else low + 3)):
                if atom[0] == "lit":
                    out.append(chr(atom[1]))
                elif atom[0] == "dot":
                    out.append(r.choice(_LITERALS + ["中"]))
                elif atom[0] == "cls":
                    lo, hi = r.choice(atom[1])
                    out.append(chr(r.randint(lo, min(hi, lo + 40))))
                else:
                    walk(atom[1])

    walk(alts)
    return "".join(out)


def _characters(alts: tuple) -> list[str]:
    found: set[str] = set()
    for seq in alts:
        for atom, *_ in seq:
            if atom[0] == "lit":
                found.add(chr(atom[1]))
            elif atom[0] == "cls":
                found.update(chr(c) for lo, hi in atom[1] for c in (lo, hi) if hi - lo < 5000)
            elif atom[0] == "grp":
                found.update(_characters(atom[1]))
    return sorted(found)


def _texts(r: random.Random, rx) -> list[str]:
    pool = _LITERALS + ["中", "Z", "\t", "\x01"] + _characters(rx.ast) * 3
    texts = {_sample(r, rx.ast) for _ in range(8)}
    texts |= {"".join(r.choice(pool) for _ in range(r.randint(0, 7))) for _ in range(8)}
    for text in list(texts)[:6]:
        if text:
            i = r.randrange(len(text) + 1)
            texts |= {text[:i] + r.choice(pool) + text[i:], text[:i] + text[i + 1:], text + text}
    return sorted(texts)


def cases(seed: int, count: int) -> list[tuple[str, bool, object, list[str]]]:
    r = random.Random(seed)
    out = []
    while len(out) < count:
        pattern = _random_pattern(r)
        ignore_case = r.random() < 0.1
        try:
            rx = parse(pattern, ignore_case=ignore_case)
        except RegexError:
            continue
        out.append((pattern, ignore_case, rx, _texts(r, rx)))
    return out




def test_python_translation_means_what_the_automaton_means():
    """re.fullmatch of the written pattern against a simulation of the pattern's own
    position automaton, on texts built to sit on either side of a match."""
    checked = 0
    for pattern, ignore_case, rx, texts in cases(2024, 1500):
        automaton = Glushkov(rx.ast)
        for text in texts:
            assert (rx.python.fullmatch(text) is not None) == automaton.accepts(text), (pattern, ignore_case, text)
            checked += 1
    assert checked > 20000


def _backtracking_steps(alts: tuple, text: str) -> int:
    """Steps of a greedy backtracking matcher, as Python's re runs one (groups, alternatives
    in order, longest repetition first); counts work instead of timing it."""
    steps = 0
    n = len(text)

    def takes(atom, i):
        if i >= n:
            return False
        if atom[0] == "lit":
            return ord(text[i]) == atom[1]
        if atom[0] == "dot":
            return True
        return any(lo <= ord(text[i]) <= hi for lo, hi in atom[1])

    def one(atom, i, k):
        if atom[0] == "grp":
            return any_of(atom[1], i, k)
        return takes(atom, i) and k(i + 1)

    def repeat(atom, low, high, count, i, k):
        nonlocal steps
        steps += 1
        if (high is None or count < high) and one(atom, i, lambda j: repeat(atom, low, high, count + 1, j, k)):
            return True
        return count >= low and k(i)

    def sequence(seq, index, i, k):
        if index == len(seq):
            return k(i)
        atom, low, high, _offset = seq[index]
        return repeat(atom, low, high, 0, i, lambda j: sequence(seq, index + 1, j, k))

    def any_of(alternatives, i, k):
        return any(sequence(seq, 0, i, k) for seq in alternatives)

    any_of(alts, 0, lambda i: i == n)
    return steps


def _adversarial(alts: tuple, n: int) -> list[str]:
    """Long texts made of the pattern's own characters, spoilt at the end so they do not match."""
    chars = [c for c in _characters(alts) if c.isprintable()][:6] or ["a"]
    texts = [c * n for c in chars]
    texts += [(a + b) * (n // 2) for a in chars for b in chars if a < b]
    return [t + "\x00" for t in texts]


def _growth(alts: tuple, size: int = 40) -> float:
    """How the matcher's work grows when the text grows four times (4 = linear, 16 = quadratic)."""
    small = max(_backtracking_steps(alts, t) for t in _adversarial(alts, size))
    large = max(_backtracking_steps(alts, t) for t in _adversarial(alts, 4 * size))
    return large / max(small, 1)


@pytest.fixture
def deep_recursion():
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 100_000))
    yield
    sys.setrecursionlimit(limit)


def test_accepted_patterns_match_in_linear_time(deep_recursion):
    worst = max((_growth(rx.ast), pattern) for pattern, _i, rx, _t in cases(31, 300))
    assert worst[0] < 6, worst


_UNBOUNDED_AMBIGUOUS_GROUP = (((("grp", (((("lit", 97), 1, 1, 1),), ((("lit", 97), 1, 1, 3),))), 0, None, 0),
                                (("lit", 98), 1, 1, 6)),)  # (a|a)*b, which the parser refuses outright


@pytest.mark.parametrize("pattern", ["x*.*y", ".*a*b", ".*.*x", "a*a*b", "(a|a)*b"])
def test_negative_control_refused_shapes_are_superlinear(pattern, deep_recursion):
    with pytest.raises(RegexError):
        parse(pattern)
    alts = _UNBOUNDED_AMBIGUOUS_GROUP if pattern == "(a|a)*b" else safe_regex._Parser(pattern, False).parse()
    assert _growth(alts, 4 if alts is _UNBOUNDED_AMBIGUOUS_GROUP else 40) > 6, pattern


def test_negative_control_generated_patterns_without_the_check(monkeypatch, deep_recursion):
    """The same generator with the time check switched off yields quadratic patterns,
    so the linear-time test above has something to catch."""
    monkeypatch.setattr(safe_regex, "_check_time", lambda alts: None)
    assert max(_growth(rx.ast) for _p, _i, rx, _t in cases(31, 150)) > 6
