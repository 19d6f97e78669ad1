"""Patterns of matches(): the front end's refusals (each at its character), RE2's meaning of
what is accepted, linear time on adversarial patterns, and no RE2 noise on stderr."""

from __future__ import annotations

import random
import re
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
import re2
from minimal_pack import manifest
from typer.testing import CliRunner

from engine.cli import app
from engine.expr import Checker, Env, ExprError, Symbol, compile_expr
from engine.expr import parse as parse_expr
from engine.expr import types as T
from engine.expr.safe_regex import MAX_PATTERN, MAX_PROGRAM, MAX_REPEAT, RegexError, parse

N = 100_000
_AB = "".join(random.Random(1).choices("ab", k=N))  # random: too many states for RE2's DFA on .*a.{30}


def accepts(pattern: str, text: str, **options: bool) -> bool:
    return parse(pattern, **options).fullmatch(text)


# ---- ordinary patterns a district writes ------------------------------------------------------

@pytest.mark.parametrize("pattern, yes, no", [
    ("(党支部|党总支|党委)", ["党支部", "党总支", "党委"], ["党小组", "党委会", "社区党委", ""]),
    ("[一-龥]{2,4}(街道|镇|乡)", ["陆家嘴街道", "周浦镇", "朱家角镇", "高东乡", "南京东路街道"],
     ["浦东新区陆家嘴街道", "镇", "浦镇", "陆家嘴街道办", "A村镇", "陆家嘴 街道"]),
    (".*养老.*服务", ["养老服务", "社区养老综合服务", "养老养老服务"], ["养老服务中心", "服务养老", "养服务"]),
    ("\\d{3}-\\d{8}|\\d{4}-\\d{7}", ["021-12345678", "0571-1234567"],
     ["021-1234567", "0571-12345678", "02112345678", "０２１-12345678", "021-12345678 "]),
])
def test_patterns_the_old_dialect_refused(pattern, yes, no):
    for text in yes:
        assert accepts(pattern, text), text
    for text in no:
        assert not accepts(pattern, text), text


@pytest.mark.parametrize("pattern, yes, no", [
    (".*养老.*", ["养老", "社区养老服务", "养养老"], ["养", "老养", ""]),
    ("1[3-9]\\d{9}", ["13912345678"], ["12912345678", "1391234567", "1391234567a"]),
    ("\\d{17}[\\dX]", ["11010119900307123X"], ["11010119900307123x"]),
    ("a\\.b", ["a.b"], ["axb"]),
    ("(养|护)老院", ["养老院", "护老院"], ["老院"]),
    ("养老|养护", ["养老", "养护"], ["养"]),
    ("\\w+@\\w+\\.com", ["a_1@b.com"], ["@b.com", "a@b.co"]),
    ("a\\s?b", ["ab", "a b", "a\nb"], ["a  b"]),
    ("[a\\-z]", ["-", "a", "z"], ["b"]),
    ("[\\^x]", ["^", "x"], ["a"]),
    ("\\^\\$", ["^$"], [""]),
    ("[^,]+,.*", ["甲,乙", "a,"], [",a", "ab"]),
    ("[^\\d\\s]{2}", ["ab", "社区"], ["a1", "a ", "abc"]),
    ("社区(党委)?", ["社区", "社区党委"], ["社区党"]),
    ("(ab)+", ["ab", "abab"], ["", "aba"]),
    ("(ab){2,3}", ["abab", "ababab"], ["ab", "abababab"]),
    ("\\p{Han}{2,4}", ["社区", "居民委员"], ["社", "社区abc", "ab"]),
    ("[[:digit:]]+号", ["12号"], ["一号"]),
    ("\\x{4e00}+", ["一一"], ["丁"]),
    ("(?P<street>[一-龥]+)路(?:\\d+)号", ["南京路100号"], ["南京路号"]),
    (".", ["\n", "社"], ["", "ab"]),  # '.' takes newlines too
    ("a*?b", ["aab"], ["aa"]),  # lazy or not, the whole text must match
    ("\\bab\\b", ["ab"], ["abc"]),
])
def test_meaning(pattern, yes, no):
    for text in yes:
        assert accepts(pattern, text), text
    for text in no:
        assert not accepts(pattern, text), text


@pytest.mark.parametrize("pattern", ["^abc$", "\\Aabc\\z", "^abc", "abc$"])
def test_anchors_at_the_ends_change_nothing(pattern):
    assert accepts(pattern, "abc")
    assert not accepts(pattern, "abc\n") and not accepts(pattern, "xabc") and not accepts(pattern, "abcx")


# ---- \d \w \s are ASCII; Chinese characters are written [一-龥] or \p{Han} ---------------------

@pytest.mark.parametrize("pattern, text, expected", [
    ("\\d", "5", True),
    ("\\d", "１", False),  # full-width digit
    ("\\d", "²", False),
    ("\\d", "٣", False),  # Arabic-Indic digit
    ("\\D", "１", True),
    ("\\w", "社", False),
    ("\\w", "é", False),
    ("\\w", "_", True),
    ("\\W", "社", True),
    ("[一-龥]", "社", True),
    ("\\p{Han}", "社", True),
    ("\\p{Han}", "a", False),
    ("\\s", " ", True),
    ("\\s", "\t", True),
    ("\\s", "\u3000", False),  # ideographic space
    ("\\s", "\xa0", False),
    ("\\s", "\v", False),  # RE2's \s is [\t\n\f\r ]
])
def test_perl_classes_are_ascii(pattern, text, expected):
    assert accepts(pattern, text) is expected


def test_case():
    assert not accepts("ab社", "AB社")
    assert accepts("ab社", "AB社", ignore_case=True) and accepts("ab社", "aB社", ignore_case=True)
    assert accepts("é", "É", ignore_case=True)  # RE2 folds by Unicode, not ASCII only
    assert not accepts("[^a]", "A", ignore_case=True) and accepts("[^a]", "b", ignore_case=True)


def test_lone_surrogates_are_one_replacement_character_each():
    assert accepts("a.b", "a\ud800b") and accepts("a\\x{fffd}b", "a\udfffb")
    assert not accepts("ab", "a\ud800b")


# ---- refusals, with the offending characters ------------------------------------------------------

REFUSED = [
    # pattern, offset, end, words
    ("(a)\\1", 3, 5, "back-references"),
    ("(?P<n>a)(?P=n)", 8, 12, "back-references"),
    ("(a)\\k<1>", 3, 5, "back-references"),
    ("(a)\\g1", 3, 5, "back-references"),
    ("养老(?=服务)", 2, 5, "look-ahead"),
    ("养老(?!院)", 2, 5, "look-ahead"),
    ("(?<=社区)养老", 0, 4, "look-behind"),
    ("a(?<!b)c", 1, 5, "look-behind"),
    ("(?>a+)b", 0, 3, "atomic"),
    ("a*+b", 2, 3, "possessive"),
    ("a++b", 2, 3, "possessive"),
    ("a?+b", 2, 3, "possessive"),
    ("a{2}+b", 4, 5, "possessive"),
    ("abc\\Z", 3, 5, "no \\Z"),
    ("(?i)abc", 0, 2, "inline flags"),
    ("a(?i:b)", 1, 3, "inline flags"),
    ("(?s).", 0, 2, "inline flags"),
    ("(?#note)a", 0, 3, "comments"),
    ("(?R)", 0, 3, "not a kind of group"),
    ("[\\u4e00-\\u9fa5]", 1, 3, "no \\u"),
    ("a\\Cb", 1, 3, "single byte"),
    ("\\Qa.b\\E", 0, 2, "\\Q"),
    ("a\\0", 1, 3, "octal"),
    ("a\\q", 1, 3, "unknown escape"),
    ("\\社", 0, 2, "not an escape"),
    ("a\\", 1, 2, "lone"),
    ("a{1001}", 1, 7, f"at most {MAX_REPEAT}"),
    ("a{2,1001}", 1, 9, f"at most {MAX_REPEAT}"),
    ("(a{100}){11}", 8, 12, "multiply: 1100"),
    ("((a{10}|b){10}){11}c", 15, 19, "multiply: 1100"),
    ("a{3,2}", 1, 6, "m <= n"),
    ("a{,3}", 1, 2, "starts a repetition"),
    ("a{x}", 1, 2, "starts a repetition"),
    ("*a", 0, 1, "nothing to repeat"),
    ("a|+b", 2, 3, "nothing to repeat"),
    ("(*a)", 1, 2, "nothing to repeat"),
    ("^*", 1, 2, "nothing to repeat"),
    ("a**", 2, 3, "cannot be repeated"),
    ("a{2}{3}", 4, 7, "cannot be repeated"),
    ("a*??", 3, 4, "cannot be repeated"),
    ("a^b", 1, 2, "very start"),
    ("(^a)", 1, 2, "very start"),
    ("a$b", 1, 2, "very end"),
    ("a\\Ab", 1, 3, "very start"),
    ("a\\zb", 1, 3, "very end"),
    ("[z-a]", 1, 4, "out of order"),
    ("[\\d-z]", 3, 4, "a character at each end"),
    ("[\\b]", 1, 3, "inside"),
    ("ab[cd", 2, 3, "missing ']'"),
    ("a(b(c)", 1, 2, "missing ')'"),
    ("a)", 1, 2, "unbalanced"),
    ("(?P<n", 0, 1, "missing '>'"),
    ("\\p", 0, 2, "needs a class name"),
    ("\\x{110000}", 0, 10, "no such character"),
    ("\\xZ", 0, 2, "hex digits"),
    ("\\p{Han}{1000}", 0, 13, "too large once its repetitions are counted out"),
    ("", 0, 1, "empty pattern"),
    ("a" * (MAX_PATTERN + 1), MAX_PATTERN, MAX_PATTERN + 1, f"at most {MAX_PATTERN} characters"),
]


@pytest.mark.parametrize("pattern, offset, end, words", REFUSED)
def test_refused_with_offset_and_hint(pattern, offset, end, words):
    with pytest.raises(RegexError) as caught:
        parse(pattern)
    error = caught.value
    assert words in error.message
    assert (error.offset, error.end) == (offset, end), str(error)
    assert error.hint


SYMBOLS = {"name": Symbol("input", "name", T.STRING)}


def quoted(pattern: str) -> str:
    return "'" + pattern.replace("\\", "\\\\").replace("'", "\\'") + "'"


def check(source: str) -> None:
    Checker(SYMBOLS, []).check(parse_expr(source), ())


@pytest.mark.parametrize("pattern, offset, end, words", REFUSED)
def test_refused_in_an_expression_at_its_column(pattern, offset, end, words):
    """The pattern's offsets carried into the expression, through the escapes of the string literal
    (every backslash of the pattern is written twice there)."""
    source = f"matches(name, {quoted(pattern)})"
    with pytest.raises(ExprError) as caught:
        check(source)
    error = caught.value
    first = len("matches(name, '")
    assert error.code == "expr-regex" and words in error.message and error.hint
    assert error.start == first + offset + pattern[:offset].count("\\")
    assert error.end == max(first + end + pattern[:end].count("\\"), error.start + 1)


def test_escapes_before_the_fault_shift_its_column():
    with pytest.raises(ExprError) as caught:
        check("matches(name, '\\\\d\\\\1')")  # the pattern \d\1
    assert (caught.value.start, caught.value.end) == (18, 21)
    assert "matches(name, '\\\\d\\\\1')"[18:21] == "\\\\1"


def test_limits_just_under_and_over():
    parse("a" * MAX_PATTERN)
    parse("a{1000}")
    parse("a{0,1000}")
    parse("(a{10}){100}")
    parse("((a{10}){10}){10}")
    parse("(a{1000})*")  # * is no count: RE2 does not multiply it
    assert parse(".{1000}").compiled.programsize <= MAX_PROGRAM  # '.' is several steps of RE2's program
    parse("\\p{Han}{2,100}")
    with pytest.raises(RegexError, match="too large"):
        parse("\\pL{2,10}")  # \pL is some 1,200 steps
    for pattern in ("a{1001}", "(a{10}){101}", "((a{10}){10}){11}"):
        with pytest.raises(RegexError):
            parse(pattern)


def _counts_refused_by_re2(pattern: str) -> bool:
    options = re2.Options()
    options.log_errors = False
    try:
        re2.compile(pattern, options)
    except re2.error as error:
        return b"invalid repetition size" in error.args[0]
    return False


def _counts_refused_by_us(pattern: str) -> bool:
    try:
        parse(pattern)
    except RegexError as error:
        return "multiply" in error.message or f"at most {MAX_REPEAT} repetitions" in error.message
    return False


def test_nested_counts_are_refused_exactly_where_re2_refuses_them():
    """The front end's product of nested counts against RE2's own verdict on the same pattern."""
    r = random.Random(7)
    seen = {True: 0, False: 0}
    for _ in range(400):
        pattern = r.choice(["a", ".", "[ab]"])
        for _level in range(r.randint(1, 3)):
            low = r.choice([0, 1, 2, 3, 7, 10, 30, 99, 100, 333, 334, 500, 1000, 1001])
            count = r.choice([f"{{{low}}}", f"{{{low},}}", f"{{0,{low}}}", "*", "+"])
            pattern = f"(?:{pattern}){count}"
        refused = _counts_refused_by_re2(pattern)
        assert _counts_refused_by_us(pattern) == refused, pattern
        seen[refused] += 1
    assert min(seen.values()) > 50


# ---- what RE2 itself refuses, and silence on stderr ----------------------------------------------

@pytest.mark.parametrize("pattern, named", [
    ("社区\\p{Foo}", "\\p{Foo}"),
    ("[[:chinese:]]", "[:chinese:]"),
    ("\\pQ", "\\pQ"),
])
def test_re2_refusals_are_diagnostics_at_the_start_and_nothing_on_stderr(pattern, named, capfd):
    with pytest.raises(RegexError) as caught:
        parse(pattern)
    assert caught.value.offset == 0 and caught.value.end == len(pattern)
    assert "RE2" in caught.value.message and named in caught.value.message and caught.value.hint
    with pytest.raises(ExprError) as in_expression:
        check(f"matches(name, {quoted(pattern)})")
    assert in_expression.value.code == "expr-regex" and in_expression.value.start == len("matches(name, '")
    out, err = capfd.readouterr()
    assert (out, err) == ("", "")


def test_matching_past_re2s_memory_for_its_fast_matcher_is_silent(capfd):
    """`.*a.{30}` needs more states than RE2's fast matcher may keep; RE2 then falls back to its
    slower linear matcher and, unless told not to, logs that it did."""
    rx = parse(".*a.{30}")
    assert rx.fullmatch(_AB + "a" + _AB[:30]) and not rx.fullmatch(_AB + "b" + _AB[:30])
    assert capfd.readouterr() == ("", "")


def test_negative_control_re2_with_its_default_options_writes_to_stderr():
    """What the two tests above would see without log_errors=False (in a child: RE2 writes to fd 2)."""
    code = textwrap.dedent("""
        import random, re2
        try:
            re2.compile(r"\\p{Foo}")
        except re2.error:
            pass
        options = re2.Options()
        options.never_capture = options.dot_nl = True  # as safe_regex has them, but for log_errors
        r = random.Random(1)
        re2.compile(r".*a.{30}", options).fullmatch("".join(r.choice("ab") for _ in range(100_000)))
    """)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and "p{Foo}" in done.stderr and "DFA out of memory" in done.stderr


# ---- linear time ------------------------------------------------------------------------------

ADVERSARIAL = [
    ("(a+)+b", ["a" * N, "a" * N + "c"], "a" * N + "b"),
    ("(a|a)*b", ["a" * N, "a" * N + "c"], "a" * N + "b"),
    ("(a*)*b", ["a" * N, "a" * N + "c"], "a" * N + "b"),
    ("(a|aa)*c", ["a" * N, "a" * N + "b"], "a" * N + "c"),
    (".*.*.*.*x", ["y" * N, "x" * N + "y"], "y" * N + "x"),
    ("(x+x+)+y", ["x" * N, "x" * N + "z"], "x" * N + "y"),
    ("(.*a){20}", ["a" * 19 + "b" * N, "ab" * (N // 2) + "b"], "ab" * (N // 2) + "a"),
    (".*a.{30}", ["b" * N, _AB + "b" + _AB[:30]], _AB + "a" + _AB[:30]),
    ("((a|b){1,10}){1,10}c", ["ab" * (N // 2), "a" * N + "d"], "ab" * 50 + "c"),
    ("(((a?){1,10}){1,10}){1,10}b", ["a" * N, "a" * N + "c"], "a" * 900 + "b"),
    ("((a{1,10}){1,10}){1,10}", ["a" * N, "a" * 1001], "a" * 1000),
    (".*养老.*服务", ["养老" * N, "服务养老" * (N // 4)], "养老" * N + "服务"),
    ("([一-龥]{2,4}(街道|镇|乡))+", ["陆家嘴街道" * (N // 5) + "x", "陆家嘴" * (N // 3)], "陆家嘴街道" * (N // 5)),
]


@pytest.mark.parametrize("pattern, no, yes", ADVERSARIAL, ids=[case[0] for case in ADVERSARIAL])
def test_adversarial_patterns_match_in_linear_time(pattern, no, yes):
    """A backtracking matcher takes astronomically long on these; RE2 takes milliseconds. The bound
    of one second per call is generous: it only has to tell linear from exponential."""
    rx = parse(pattern)
    for text, expected in [(text, False) for text in no] + [(yes, True)]:
        began = time.perf_counter()
        assert rx.fullmatch(text) is expected, (pattern, len(text))
        assert time.perf_counter() - began < 1.0, (pattern, len(text))


def test_negative_control_a_backtracking_matcher_is_exponential_on_the_same_patterns():
    """Python's re (a backtracker) on (a+)+b: every few more characters double the time, so the
    100,000-character texts above would take longer than the universe has existed."""
    def fastest(n: int) -> float:
        timings = []
        for _ in range(3):
            began = time.perf_counter()
            assert re.fullmatch("(a+)+b", "a" * n) is None
            timings.append(time.perf_counter() - began)
        return min(timings)

    assert fastest(22) > 4 * fastest(18)  # 2**4 = 16 times as much work


# ---- RE2 means what Python's re means on the patterns both accept --------------------------------

_POOL = list("ab社区老.-^%]\"x1 \n_") + ["中", "Z"]
_ESCAPED = set(".[]{}()|*+?\\^$-/")


def _literal(r: random.Random) -> str:
    c = r.choice(_POOL)
    return "\\n" if c == "\n" else ("\\" + c if c in _ESCAPED else c)


def _class(r: random.Random) -> str:
    items = ["a", "b", "a-c", "0-9", "社", "一-龥", "\\d", "\\w", "\\s", "\\D", '"', "\\\\", "\\-", "%", "\\]", "."]
    negated = "^" if r.random() < 0.2 else ""
    return "[" + negated + "".join(r.choice(items) for _ in range(r.randint(1, 3))) + "]"


def _quantifier(r: random.Random) -> str:
    k = r.random()
    if k < 0.5:
        return ""
    if k < 0.8:
        return r.choice(["*", "+", "?", "*?", "+?"])
    low = r.randint(0, 3)
    return r.choice([f"{{{max(low, 1)}}}", f"{{{low},{r.randint(max(low, 1), 4)}}}", f"{{{low},}}"])


def _random_pattern(r: random.Random, depth: int = 0) -> str:
    def atom() -> str:
        k = r.random()
        if k < 0.45:
            return _literal(r)
        if k < 0.55:
            return "."
        if k < 0.75:
            return _class(r)
        if k < 0.85 or depth >= 2:
            return r.choice(["\\d", "\\w", "\\s", "\\D", "\\W", "\\S"])
        return "(" + r.choice(["", "?:"]) + _random_pattern(r, depth + 1) + ")"

    def sequence() -> str:
        return "".join(atom() + _quantifier(r) for _ in range(r.randint(1, 4)))

    return "|".join(sequence() for _ in range(r.choice([1, 1, 2, 3])))


def test_re2_agrees_with_python_re_on_generated_patterns():
    """RE2 configured as we use it (whole text, '.' takes newlines, ASCII classes) against Python's
    re with DOTALL and ASCII, on short texts where backtracking costs nothing."""
    r = random.Random(2024)
    checked = 0
    for _ in range(1500):
        pattern = _random_pattern(r)
        rx = parse(pattern)
        python = re.compile(pattern, re.DOTALL | re.ASCII)
        for _text in range(12):
            text = "".join(r.choice(_POOL) for _ in range(r.randint(0, 6)))
            assert rx.fullmatch(text) == (python.fullmatch(text) is not None), (pattern, text)
            checked += 1
    assert checked == 18000


# ---- through the interpreter and the CLI -------------------------------------------------------------

def test_matches_in_an_expression():
    tree = parse_expr("matches(name, '[一-龥]{2,4}(街道|镇|乡)')")
    Checker(SYMBOLS, []).check(tree, ())
    run = compile_expr(tree)
    assert run(Env({"name": "陆家嘴街道"})) is True
    assert run(Env({"name": "浦东新区陆家嘴街道"})) is False


MANIFEST = manifest()


def test_pack_check_points_at_the_back_reference(tmp_path: Path):
    pack = tmp_path / "p"
    (pack / "rules").mkdir(parents=True)
    (pack / "pack.yaml").write_text(MANIFEST, encoding="utf-8")
    (pack / "inputs.yaml").write_text("inputs:\n  name: {type: string}\n", encoding="utf-8")
    rule = "    require: matches(name, '(a)\\\\1')\n"  # in the file: '(a)\\1', the pattern (a)\1
    (pack / "rules" / "r.yaml").write_text(
        "dimension: D1\nrules:\n  - id: R1\n    title: 名称\n    points: 10\n" + rule, encoding="utf-8")
    result = CliRunner().invoke(app, ["pack", "check", str(pack)])
    assert result.exit_code == 2
    column = rule.index("\\") + 1
    assert column == 32
    line = next(line for line in result.stdout.splitlines() if "error[expr-regex]" in line)
    assert f"r.yaml:6:{column}: error[expr-regex]" in line and "back-references" in line
    assert "hint:" in result.stdout and "Traceback" not in result.stdout
