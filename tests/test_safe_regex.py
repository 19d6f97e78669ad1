"""The safe regex dialect: parsing, limits, both translations, and a differential test against durable."""

from __future__ import annotations

import json
import os
import pathlib
import random
import subprocess
import sys
import textwrap

import pytest

from engine.backends import durable_runtime, safe_regex
from engine.backends.safe_regex import RegexError, parse, validate_durable

REPO = pathlib.Path(__file__).resolve().parents[1]
needs_durable = pytest.mark.skipif(not durable_runtime.AVAILABLE,
                                   reason=f"durable-rules unavailable: {durable_runtime.UNAVAILABLE_REASON}")


# ---- translation ----------------------------------------------------------------------------

@pytest.mark.parametrize("pattern, durable, yes, no", [
    (".*养老.*", ".*养老.*", ["养老", "社区养老服务", "养养老"], ["养", "老养", ""]),
    ("1[3-9]\\d{9}", "1[3-9][0-9]{9}", ["13912345678"], ["12912345678", "1391234567", "1391234567a"]),
    ("\\d{17}[\\dX]", "[0-9]{17}[0-9X]", ["11010119900307123X"], ["11010119900307123x"]),
    ("a\\.b", "a%.b", ["a.b"], ["axb"]),
    ("50%", "50%%", ["50%"], ["50"]),
    ("(养|护)老院", "(养|护)老院", ["养老院", "护老院"], ["老院"]),
    ("\\w+@\\w+\\.com", "[0-9A-Z_a-z]+@[0-9A-Z_a-z]+%.com", ["a_1@b.com"], ["@b.com", "a@b.co"]),
    ("a\\s?b", "a[\t-\r ]?b", ["ab", "a b", "a\nb"], ["a  b"]),
    ('say ".*', 'say ".*', ['say "hi"'], ["say hi"]),
    ("[a\\-z]", "[az-]", ["-", "a", "z"], ["b"]),
    ("[\\^x]", "[x^]", ["^", "x"], ["a"]),
    ("\\^\\$", "^$", ["^$"], [""]),
    ("a+|b", "b|a+", ["a", "aa", "b"], ["ab", "ba"]),
    ("a+|b+", "aa*|b+", ["aaa", "bb"], ["ab"]),
])
def test_translation(pattern, durable, yes, no):
    rx = parse(pattern)
    assert rx.durable == durable
    for text in yes:
        assert rx.python.fullmatch(text), text
    for text in no:
        assert not rx.python.fullmatch(text), text
    validate_durable(rx.durable)


def test_ignore_case_folds_ascii_only():
    rx = parse("ab社", ignore_case=True)
    assert rx.durable == "[Aa][Bb]社"
    assert rx.python.fullmatch("AB社") and rx.python.fullmatch("aB社")
    assert parse("[a-c]x", ignore_case=True).durable == "[A-Ca-c][Xx]"


def test_class_members_that_json_escapes_stand_alone():
    # '"' and '\\' are moved by the runtime; a range across them would break, so it is cut
    rx = parse('[ -~]')
    assert rx.durable == '[ -!"#-$%%&-,.-[\\%]_-~^-]'
    validate_durable(rx.durable)
    for c in ' "\\~-^]%':
        assert rx.python.fullmatch(c)


# ---- refusals, with the offending column ------------------------------------------------------

@pytest.mark.parametrize("pattern, offset, words", [
    ("^abc", 0, "anchor"),
    ("abc$", 3, "anchor"),
    ("(ab)+", 0, "group cannot be repeated"),
    ("((b{0,1})+)+", 1, "group cannot be repeated"),
    ("a**", 2, "cannot be repeated"),
    ("a{2}{3}", 4, "cannot be repeated"),
    ("[^0-9]", 0, "negated"),
    ("x\\D", 1, "negated"),
    ("[一-龥]", 0, "at most 1000"),
    ("a{0}", 1, "repeats nothing"),
    ("a{1,101}", 1, "at most 100"),
    ("a{3,2}", 1, "m <= n"),
    ("养老|养护", 3, "ambiguous"),
    ("a+a[ab]+", 2, "ambiguous"),
    (".*\\d{3}x", 2, "one literal character"),
    (".*(养老|托育).*", 6, "one literal character"),
    (".*养老.*服务.*", 4, "only one part"),
    (".*ab.+", 4, "only one part"),
    ("a*|b*", 0, "X*"),
    ("(a", 0, "missing ')'"),
    ("a)", 1, "unbalanced"),
    ("a|", 2, "empty alternative"),
    ("\\q", 0, "unknown escape"),
    ("[a", 0, "missing ']'"),
    ("[z-a]", 2, "out of order"),
    ("\U0010005a", 0, "reserved"),
])
def test_refused_with_offset(pattern, offset, words):
    with pytest.raises(RegexError) as caught:
        parse(pattern)
    assert caught.value.offset == offset, str(caught.value)
    assert words in str(caught.value)


def test_limits_just_under_and_over():
    parse("a" * 200)
    with pytest.raises(RegexError, match="at most 200"):
        parse("a" * 201)
    parse("[" + chr(0x4E00) + "-" + chr(0x4E00 + 999) + "]")  # 1,000 code points
    with pytest.raises(RegexError, match="at most 1000 characters"):
        parse("[" + chr(0x4E00) + "-" + chr(0x4E00 + 1000) + "]")
    parse("a{1,100}")
    parse("((((a))))")  # four groups deep
    with pytest.raises(RegexError, match="nest at most 4"):
        parse("(((((a)))))")
    # weight: (code points + 1) x repetitions, summed; a literal weighs 2
    def span(i, n):
        return "[" + chr(0x4E00 + 1000 * i) + "-" + chr(0x4E00 + 1000 * i + n - 1) + "]"
    assert parse(span(0, 999) + span(1, 999) + "x" + span(2, 997)).weight == 3000
    with pytest.raises(RegexError, match="weight 3002"):
        parse(span(0, 999) + span(1, 999) + "x" + span(2, 997) + "y")


def test_validate_durable_refuses_what_parse_never_writes():
    for bad in ("[一-龥]", "((b{0,1})+)+", "%d+", "[^a]", "a+a[ab]+", ".*%d{3}x", "(", "a{0}", "[a-\"]"):
        with pytest.raises(RegexError):
            validate_durable(bad)


# ---- the differential test -------------------------------------------------------------------

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
            items = ["a", "b", "a-c", "0-9", "社", "一-丁", "\\d", "\\w", "\\s", '"', "\\\\", "-", "%", "\\]", "."]
            return "[" + "".join(r.choice(items) for _ in range(r.randint(1, 3))) + "]", False
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
            out += text + ("" if group else quantifier())
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
                    lo, hi = r.choice(atom[2])
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
                found.update(chr(c) for lo, hi in atom[2] for c in (lo, hi))
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


_CHILD = textwrap.dedent("""
    import json, sys
    from engine.backends import durable_runtime as R, safe_regex as S
    S._SEMANTIC_CHECKS = sys.argv[1] == "1"
    R._DISABLED = frozenset() if sys.argv[1] == "1" else frozenset({"limits"})
    spec = json.loads(sys.stdin.read())
    rules = {f"r{i}": {"all": [{"a": {"$and": [{"k": "a"}, {"q": i}, {"$mt": {"t": d}}]}}]}
             for i, (d, texts) in enumerate(spec)}
    try:
        rs = R.CompiledRuleset("differential", rules, probe=False)
    except Exception as exc:
        print(json.dumps({"error": str(exc)[:300]})); sys.exit(0)
    facts = [{"k": "a", "q": i, "t": t} for i, (d, texts) in enumerate(spec) for t in texts]
    print(json.dumps({"got": sorted([int(n[1:]), m["a"]["t"]] for n, m in rs.run(facts))}, ensure_ascii=False))
""")


def _durable_matches(batch, semantic: bool = True) -> tuple[set | None, str]:
    spec = [(rx.durable, texts) for _p, _i, rx, texts in batch]
    env = dict(os.environ, PYTHONPATH=str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    try:
        done = subprocess.run([sys.executable, "-c", _CHILD, "1" if semantic else "0"], input=json.dumps(spec),
                              capture_output=True, text=True, timeout=120, env=env)
    except subprocess.TimeoutExpired:
        return None, "hang"
    if done.returncode != 0:
        return None, f"exit {done.returncode}: {done.stderr[-300:]}"
    answer = json.loads(done.stdout)
    if "error" in answer:
        return None, answer["error"]
    return {(i, t) for i, t in answer["got"]}, ""


def _mismatches(batch, got) -> list:
    out = []
    for i, (pattern, ignore_case, rx, texts) in enumerate(batch):
        for text in texts:
            if (rx.python.fullmatch(text) is not None) != ((i, text) in got):
                out.append((pattern, ignore_case, rx.durable, text))
    return out


def test_generated_patterns_round_trip_through_the_durable_form():
    for pattern, ignore_case, rx, _texts in cases(7, 400):
        alts = validate_durable(rx.durable)
        assert safe_regex._to_durable(alts) == rx.durable, pattern


@pytest.mark.slow
@needs_durable
def test_differential_against_durable():
    """2,000 seeded patterns x their texts: durable's $mt against re.fullmatch.

    A characterisation, run with -m slow: the dialect's restrictions make durable agree
    on a quiet machine, but under load it has given a different answer for the same
    pattern and text (seen: '区{1}b|.*|...' with ignore_case). That is why the engine
    matches patterns in Python and never sends them to durable's $mt."""
    all_cases = cases(2024, 2000)
    assert len({c[0] for c in all_cases}) > 1500  # diverse
    total, mismatches, failures = 0, [], []
    for start in range(0, len(all_cases), 200):
        batch = all_cases[start:start + 200]
        got, error = _durable_matches(batch)
        if got is None:
            failures.append(error)
            continue
        total += sum(len(c[3]) for c in batch)
        mismatches += _mismatches(batch, got)
    assert not failures
    assert total > 30000
    assert not mismatches, mismatches[:10]


@pytest.mark.slow
@needs_durable
def test_negative_control_without_the_semantic_restrictions():
    """The same kind of patterns, restrictions off: durable refuses, crashes or mis-matches."""
    safe_regex._SEMANTIC_CHECKS = False
    try:
        all_cases = cases(99, 600)
    finally:
        safe_regex._SEMANTIC_CHECKS = True
    problems = 0
    for start in range(0, len(all_cases), 100):
        batch = all_cases[start:start + 100]
        got, error = _durable_matches(batch, semantic=False)
        problems += 1 if got is None else len(_mismatches(batch, got))
    assert problems > 0
