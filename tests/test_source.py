"""Tests of engine.source: YAML → plain data + positions.

Performance (measured 2026-11, CPython 3.11.7, PyYAML 6.0.3 with libyaml): a
287-line profile (staff list, events, CJK text; `_profile_text()` below)
loads with `load_yaml_bytes` in about 1.8 ms (median of 200 runs) against
3.1 ms for `yaml.load(text, Loader=yaml.CSafeLoader)`: a ratio of about 0.6.
(Our loader reads only parser events and skips PyYAML's node objects and
regex resolver; spans are computed lazily, 40 lookups ≈ 0.09 ms.) With the
pure-Python parser the ratio against `yaml.SafeLoader` is about 0.75.
`test_loading_is_not_slower_than_twice_csafeloader` re-measures it with a
loose bound (min of repeated runs, ratio < 2).
"""

from __future__ import annotations

import codecs
import datetime
import gc
import random
import stat
import time
from decimal import Decimal

import pytest
import yaml

from engine.errors import EngineError, InputError, PackError
from engine.source import load as source
from engine.source.limits import DEFAULT_LIMITS, Limits
from engine.source.load import Document, load_yaml, load_yaml_bytes
from engine.source.spans import Span


def load(text: str, **kwargs) -> Document:
    return load_yaml_bytes(text.encode("utf-8"), "t.yaml", **kwargs)


def errors_of(data, **kwargs) -> list:
    if isinstance(data, str):
        data = data.encode("utf-8")
    with pytest.raises(EngineError) as info:
        load_yaml_bytes(data, "t.yaml", **kwargs)
    assert all(d.file == "t.yaml" for d in info.value.diagnostics)
    return info.value.diagnostics


def codes(diagnostics) -> list[str]:
    return [d.code for d in diagnostics]


def where(diagnostic) -> tuple[int, int]:
    return diagnostic.line, diagnostic.col


@pytest.fixture(params=["libyaml", "pure"])
def parser(request, monkeypatch):
    """Run a test with libyaml and with PyYAML's pure-Python parser."""
    if request.param == "libyaml" and not yaml.__with_libyaml__:
        pytest.skip("libyaml not available")
    monkeypatch.setattr(source, "USE_LIBYAML", request.param == "libyaml")
    return request.param


# -- values ---------------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("null", None), ("Null", None), ("NULL", None), ("~", None), ("", None),
    ("true", True), ("True", True), ("TRUE", True), ("false", False), ("False", False), ("FALSE", False),
    ("0", 0), ("42", 42), ("-3", -3), ("+5", 5), ("007", 7), ("0010", 10),
    ("0.1", Decimal("0.1")), ("2.50", Decimal("2.50")), ("-1.5", Decimal("-1.5")), (".5", Decimal("0.5")),
    ("1.", Decimal("1")), ("1e3", Decimal("1E+3")), ("1.5E-2", Decimal("0.015")),
    ("2024-02-29", datetime.date(2024, 2, 29)), ("2024-06-30", datetime.date(2024, 6, 30)),
    ("2024-02-30", "2024-02-30"), ("2024-13-01", "2024-13-01"),
    ("yes", "yes"), ("no", "no"), ("on", "on"), ("off", "off"), ("Yes", "Yes"),
    ("0x1F", "0x1F"), ("0o17", "0o17"), ("1_000", "1_000"), (".inf", ".inf"), ("-.inf", "-.inf"), (".nan", ".nan"),
    ("4519户", "4519户"), ("1:30", "1:30"), ("12,5", "12,5"), ("１２", "１２"), ("٣", "٣"),
    ("复兴社区", "复兴社区"), ("nil", "nil"), ("none", "none"), ("2024-1-5", "2024-1-5"),
])
def test_plain_scalar_types(text, expected):
    value = load(f"v: {text}\n").data["v"]
    assert value == expected
    assert type(value) is type(expected)


def test_decimal_keeps_exact_text():
    value = load("v: 0.1\n").data["v"]
    assert isinstance(value, Decimal) and str(value) == "0.1" and value != 0.1


@pytest.mark.parametrize("text, expected", [
    ('"123"', "123"), ("'007'", "007"), ('"true"', "true"), ("''", ""), ('"null"', "null"),
    ("|\n  12\n", "12\n"), (">-\n  1.5\n", "1.5"),
])
def test_quoted_and_block_scalars_are_strings(text, expected):
    assert load(f"v: {text}\n").data["v"] == expected


def test_huge_integer_stays_text_instead_of_crashing():
    digits = "9" * 5000  # beyond CPython's int/str conversion limit
    assert load(f"v: {digits}\n").data["v"] == digits


def test_multiline_plain_scalar_is_folded():
    assert load("v: 第一\n  第二\n\n  第三\n").data["v"] == "第一 第二\n第三"


@pytest.mark.parametrize("text, expected", [
    ("!!str 0.1", "0.1"), ("!!str 2024-01-01", "2024-01-01"), ("!!int '12'", 12), ("!!int 007", 7),
    ("!!float 3", Decimal("3")), ("!!float 0.25", Decimal("0.25")), ("!!bool TRUE", True),
    ("!!null ''", None), ("!!null ~", None), ("! 12", "12"), ("!<tag:yaml.org,2002:str> 5", "5"),
    ("!!map {a: 1}", {"a": 1}), ("!!seq [1]", [1]),
])
def test_standard_tags_are_honoured(text, expected):
    value = load(f"v: {text}\n").data["v"]
    assert value == expected and type(value) is type(expected)


def test_tags_that_do_not_fit_or_are_unknown_are_all_reported():
    text = (
        "a: !!python/object/apply:os.system [ls]\n"
        "b: !!binary aGVsbG8=\n"
        "c: !!set {x, y}\n"
        "d: !!timestamp 2024-01-01\n"
        "e: !custom 5\n"
        "f: !!int abc\n"
        "g: !!bool yes\n"
        "h: !!map [1]\n"
        "i: !!seq x\n"
        "j: !!float .inf\n"
        "k: !!python/name:os.system\n"
    )
    found = errors_of(text)
    assert codes(found) == ["yaml-tag"] * 11
    assert [d.line for d in found] == list(range(1, 12))
    assert all(d.col == 4 for d in found)  # at the tag
    assert "'!!python/object/apply:os.system' is not supported" in found[0].message
    assert "'abc' is not a valid !!int" in found[5].message


# -- keys -------------------------------------------------------------------------

def test_scalar_keys_are_kept_as_source_text():
    data = load("2024: a\ntrue: b\n1.50: c\n007: d\n2024-01-01: e\n'quoted': f\n\"null\": g\n").data
    assert list(data) == ["2024", "true", "1.50", "007", "2024-01-01", "quoted", "null"]


def test_null_and_collection_keys_are_errors():
    found = errors_of("null: 1\n~: 2\n? [1, 2]\n: 3\n? {a: 1}\n: 4\nok: 5\n? !!null x\n: 6\n")
    assert codes(found) == ["key-type", "key-type", "key-type", "key-type", "yaml-tag"]
    assert [where(d) for d in found] == [(1, 1), (2, 1), (3, 3), (5, 3), (8, 3)]


def test_empty_explicit_keys_are_errors(parser):
    found = errors_of("m: {? : 1, b: 2}\n?\n: 1\n")
    assert codes(found) == ["key-type", "key-type"] and [d.line for d in found] == [1, 2]


# -- duplicate keys ---------------------------------------------------------------

def test_every_duplicate_key_is_reported_at_its_second_occurrence():
    text = (
        "名称: 复兴社区\n"  # 1
        "venue:\n"  # 2
        "  area: 100\n"  # 3
        "  rooms: 5\n"  # 4
        "  area: 200\n"  # 5
        "staff:\n"  # 6
        "  - {name: 张三, name: 李四}\n"  # 7
        "名称: 又一个\n"  # 8
    )
    found = errors_of(text)
    assert codes(found) == ["duplicate-key"] * 3
    assert [where(d) for d in found] == [(5, 3), (7, 16), (8, 1)]
    assert "'area'" in found[0].message and "line 3" in found[0].hint
    assert "line 7" in found[1].hint
    assert "'名称'" in found[2].message and "line 1" in found[2].hint


def test_duplicate_keys_and_other_errors_are_reported_together():
    found = errors_of("a: 1\na: 2\nb: !!binary x\nc: *nope\n")
    assert codes(found) == ["duplicate-key", "yaml-tag", "yaml-alias"]


def test_duplicate_before_a_syntax_error_is_kept():
    found = errors_of("a: 1\na: 2\nb: [1, 2\n")
    assert codes(found) == ["duplicate-key", "yaml-syntax"]


# -- merge keys and aliases ---------------------------------------------------------

MERGE = """\
base: &base
  x: 1
  y: 2
extra: &extra {y: 20, z: 30}
one:
  <<: *base
  y: 99
many:
  w: 0
  <<: [*base, *extra]
inline:
  <<: {q: 1}
  r: 2
"""


def test_merge_keys_follow_yaml_merge_semantics(parser):
    data = load(MERGE).data
    assert data["one"] == {"x": 1, "y": 99}  # explicit key wins, no duplicate-key error
    assert data["many"] == {"w": 0, "x": 1, "y": 2, "z": 30}  # earlier merged mapping wins
    assert list(data["many"]) == ["w", "x", "y", "z"]  # merged keys sit where '<<' was
    assert data["inline"] == {"q": 1, "r": 2}
    assert "<<" not in data["one"]


def test_merged_values_have_spans_at_their_definition(parser):
    src = load(MERGE).source
    assert src.value(("one", "x")) == Span(2, 6, 2, 7)
    assert src.key(("one", "x")) == Span(2, 3, 2, 4)
    assert src.value(("one", "y")) == Span(7, 6, 7, 8)  # the explicit one
    assert src.value(("many", "z")) == Span(4, 26, 4, 28)
    assert src.keys_at(("many",)) == ["w", "x", "y", "z"]
    assert src.value(("many",)) == Span(9, 3, 10, 22)


def test_bad_merge_values_and_repeated_merge_keys_are_errors():
    found = errors_of("s: &s 1\na:\n  <<: *s\nb:\n  <<: [*s]\nm: &m {k: 1}\nc:\n  <<: *m\n  <<: *m\n")
    assert codes(found) == ["yaml-merge", "yaml-merge", "duplicate-key"]
    assert [d.line for d in found] == [3, 5, 9]


def test_quoted_merge_key_is_an_ordinary_key():
    assert load("m: &m {a: 1}\nx:\n  '<<': *m\n").data["x"] == {"<<": {"a": 1}}


def test_aliases_expand_into_independent_copies(parser):
    doc = load("tpl: &t {tags: [a], n: 1}\nx: *t\ny: *t\nk: &k 名称\nv: *k\n")
    assert doc.data["x"] == doc.data["y"] == {"tags": ["a"], "n": 1}
    doc.data["x"]["tags"].append("changed")
    assert doc.data["y"]["tags"] == ["a"] and doc.data["tpl"]["tags"] == ["a"]
    assert doc.data["v"] == "名称"
    # the alias itself is where '*t' is written; what is inside it, at the anchor
    assert doc.source.value(("x",)) == Span(2, 4, 2, 6)
    assert doc.source.value(("x", "n")) == Span(1, 24, 1, 25)
    assert doc.source.keys_at(("y",)) == ["tags", "n"]


def test_aliased_key_uses_the_anchored_text():
    assert load("a: &k name\n*k : 1\n").data == {"a": "name", "name": 1}
    assert load('&k "007": a\nv: *k\nw: [&q 007, *q]\n').data == {"007": "a", "v": "007", "w": [7, 7]}


def test_undefined_and_recursive_aliases_are_errors(parser):
    found = errors_of("a: *nope\nb: &r [1, *r]\n")
    assert codes(found) == ["yaml-alias", "yaml-alias"]
    assert [where(d) for d in found] == [(1, 4), (2, 11)]


def test_billion_laughs_is_stopped_quickly(parser):
    lines = ["a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    for prev, name in zip("abcdefgh", "bcdefghi", strict=True):
        lines.append(f"{name}: &{name} [" + ", ".join([f"*{prev}"] * 10) + "]")
    started = time.perf_counter()
    found = errors_of("\n".join(lines) + "\n")
    assert time.perf_counter() - started < 3
    assert codes(found) == ["too-many-nodes"]
    assert found[0].line == 6  # 10^6 nodes are passed while expanding the 'f' line (10 × 10^5)


def test_node_limit_counts_alias_expansions():
    text = "a: &a [1, 2, 3]\nb: *a\n"  # root, 2 keys, list + 3 items = 7, and *a expands to 4 more
    assert load(text, limits=Limits(max_nodes=11)).data["b"] == [1, 2, 3]
    assert codes(errors_of(text, limits=Limits(max_nodes=10))) == ["too-many-nodes"]


def test_alias_chains_that_nest_too_deep_are_rejected():
    lines = ["a0: &a0 [x]"] + [f"a{i}: &a{i} [*a{i - 1}]" for i in range(1, 80)]
    found = errors_of("\n".join(lines) + "\n")
    assert found[0].code == "too-deep" and found[0].line == 64 and "*a62" in found[0].message


# -- spans ------------------------------------------------------------------------

SPANS = """\
名称: 复兴社区 # comment
venue:
  area_m2: 850
  rooms: [党员之家, 妇女之家, {name: 青年之家, open: true}]
staff:
  - name: 张三
    age: 35
  - 李四

notes: |
  第一行
  第二行

empty:
"""


def test_spans_of_keys_and_values(parser):
    src = load(SPANS).source
    assert src.file == "t.yaml"
    assert src.value(("名称",)) == Span(1, 5, 1, 9)  # columns count characters, not bytes
    assert src.key(("名称",)) == Span(1, 1, 1, 3)
    assert src.value(("venue", "area_m2")) == Span(3, 12, 3, 15)
    assert src.key(("venue", "area_m2")) == Span(3, 3, 3, 10)
    assert src.value(("venue", "rooms")) == Span(4, 10, 4, 48)
    assert src.value(("venue", "rooms", 1)) == Span(4, 17, 4, 21)
    assert src.value(("venue", "rooms", 2)) == Span(4, 23, 4, 47)
    assert src.value(("venue", "rooms", 2, "open")) == Span(4, 42, 4, 46)
    assert src.key(("venue", "rooms", 2, "open")) == Span(4, 36, 4, 40)
    assert src.value(("staff", 0, "age")) == Span(7, 10, 7, 12)
    assert src.value(("staff", 1)) == Span(8, 5, 8, 7)
    assert src.value(("empty",)) == Span(14, 7, 14, 7)  # empty value: right after the colon


def test_spans_of_collections_end_at_their_last_value(parser):
    src = load(SPANS).source
    assert src.value(("venue",)) == Span(3, 3, 4, 48)
    assert src.value(("staff",)) == Span(6, 3, 8, 7)  # not at the blank line or the next key
    assert src.value(("staff", 0)) == Span(6, 5, 7, 12)
    assert src.value(("notes",)) == Span(10, 8, 12, 6)  # block scalar: trailing breaks excluded
    assert src.value(()) == Span(1, 1, 14, 7)


def test_missing_paths_and_list_items_have_no_key(parser):
    src = load(SPANS).source
    assert src.value(("nope",)) is None
    assert src.value(("staff", 5)) is None
    assert src.value(("staff", -1)) is None
    assert src.value(("staff", "0")) is None  # lists are indexed by int
    assert src.value(("venue", 0)) is None
    assert src.value(("staff", True)) is None
    assert src.key(("staff", 0)) is None
    assert src.key(()) is None
    assert src.key(("nope",)) is None


def test_nearest_returns_longest_existing_prefix(parser):
    src = load(SPANS).source
    assert src.nearest(("staff", 0, "salary", "x")) == (("staff", 0), Span(6, 5, 7, 12))
    assert src.nearest(("venue", "rooms", 1)) == (("venue", "rooms", 1), Span(4, 17, 4, 21))
    assert src.nearest(("zzz",)) == ((), Span(1, 1, 14, 7))
    assert src.nearest([]) == ((), Span(1, 1, 14, 7))


def test_keys_at(parser):
    src = load(SPANS).source
    assert src.keys_at(()) == ["名称", "venue", "staff", "notes", "empty"]
    assert src.keys_at(("venue", "rooms", 2)) == ["name", "open"]
    assert src.keys_at(("staff",)) == []
    assert src.keys_at(("名称",)) == []
    assert src.keys_at(("nope",)) == []


def test_spans_with_crlf_and_tagged_anchored_values(parser):
    src = load("a: 1\r\nb: &x !!str  值\r\nc:\r\n  - z\r\n").source
    assert src.value(("b",)) == Span(2, 4, 2, 15)  # starts at the properties
    assert src.value(("c", 0)) == Span(4, 5, 4, 6)


@pytest.mark.parametrize("text", ["", "# 只有注释\n# only comments\n", "\n\n   \n", "---\n", "--- # c\n...\n"])
def test_empty_documents(text, parser):
    doc = load(text)
    assert doc.data is None and doc.warnings == [] and doc.encoding == "utf-8"
    assert doc.source.nearest(("a", "b")) == ((), Span(1, 1, 1, 1))
    assert doc.source.value(()) == Span(1, 1, 1, 1)
    assert doc.source.value(("a",)) is None
    assert doc.source.keys_at(()) == []
    assert doc.source.locate(("a",), 3) == (1, 1)


def test_root_scalar_and_list():
    assert load("just text\n").data == "just text"
    doc = load("- 1\n- [2, 3]\n")
    assert doc.data == [1, [2, 3]]
    assert doc.source.value((1, 0)) == Span(2, 4, 2, 5)


# -- locate ------------------------------------------------------------------------

def _char_at(text: str, line: int, col: int) -> str:
    return text.splitlines()[line - 1][col - 1]


@pytest.mark.parametrize("text, offset, expected", [
    # plain, one line; CJK columns are characters
    ("rule: 党建引领 and x >= 3\n", 0, (1, 7)),
    ("rule: 党建引领 and x >= 3\n", 4, (1, 11)),
    ("rule: 党建引领 and x >= 3\n", 11, (1, 18)),
    # single-quoted: the opening quote and each '' count
    ("rule: 'it''s 中文 x'\n", 0, (1, 8)),
    ("rule: 'it''s 中文 x'\n", 3, (1, 12)),
    ("rule: 'it''s 中文 x'\n", 8, (1, 17)),
    # double-quoted with escapes: exact
    ('rule: "a\\t\\u4e2d中 \\"x\\""\n', 1, (1, 9)),
    ('rule: "a\\t\\u4e2d中 \\"x\\""\n', 2, (1, 11)),
    ('rule: "a\\t\\u4e2d中 \\"x\\""\n', 3, (1, 17)),
    ('rule: "a\\t\\u4e2d中 \\"x\\""\n', 6, (1, 21)),
    # literal block scalars: line of the content line, indentation + offset in line
    ("rule: |\n  第一行 x\n    缩进 y\n\n  last\n", 4, (2, 7)),
    ("rule: |\n  第一行 x\n    缩进 y\n\n  last\n", 6, (3, 3)),
    ("rule: |\n  第一行 x\n    缩进 y\n\n  last\n", 11, (3, 8)),
    ("rule: |\n  第一行 x\n    缩进 y\n\n  last\n", 14, (5, 3)),
    ("rule: |-\n   a\n   bc\n", 3, (3, 5)),
    ("rule: |+\n  a\n\n", 0, (2, 3)),
    ("rule: !!str |\n      标签 块\n", 3, (2, 10)),
    # folded and multi-line flow scalars: exact where the text is on the page
    ("rule: >\n  折叠 one\n  two\n", 7, (3, 3)),
    ("rule: plain\n  continued 中文\n", 16, (2, 13)),
    ('rule: "first\n  second"\n', 6, (2, 3)),
    # clamping
    ("rule: abc\n", -10, (1, 7)),
    ("rule: abc\n", 3, (1, 10)),
    ("rule: abc\n", 999, (1, 10)),
    ('rule: "abc"\n', 999, (1, 11)),
])
def test_locate(text, offset, expected, parser):
    assert load(text).source.locate(("rule",), offset) == expected


def test_locate_points_at_the_right_character_everywhere(parser):
    text = 'a: "x \\"中\\" y"\nb: \'p \'\'q\'\' 文\'\nc: |\n  第一行\n    第二 z\nd: 中文 plain text\n'
    doc = load(text)
    for key in "abcd":
        value = doc.data[key]
        for offset, char in enumerate(value):
            if char in ' \n"\'':
                continue
            assert _char_at(text, *doc.source.locate((key,), offset)) == char, (key, offset)


def test_locate_in_lists_aliases_and_non_scalars(parser):
    doc = load("l: [x, 'ab中c']\nt: &t 'tpl 中'\nu: *t\nm: {k: v}\n")
    assert doc.source.locate(("l", 1), 3) == (1, 12)
    assert doc.source.locate(("u",), 4) == (2, 12)  # inside the anchored text
    assert doc.source.locate(("m",), 5) == (4, 4)  # not a scalar: its start
    assert doc.source.locate(("m", "zz"), 5) == (4, 4)  # missing: nearest existing
    assert doc.source.locate(("m", "k"), "x") == (4, 8)  # nonsense offset: never raises


# -- nesting depth ------------------------------------------------------------------

DEEP = 100_000


@pytest.mark.parametrize("kind", ["flow-seq", "flow-map", "block-seq", "mixed"])
def test_100000_levels_give_too_deep_not_a_crash(kind, parser):
    text = {
        "flow-seq": "[" * DEEP + "]" * DEEP,
        "flow-map": "{a: " * DEEP + "1" + "}" * DEEP,
        "block-seq": "- " * DEEP + "x\n",
        "mixed": "k:\n  - " + "[{a: " * DEEP + "\n",
    }[kind]
    started = time.perf_counter()
    found = errors_of(text)
    assert time.perf_counter() - started < 2
    assert codes(found) == ["too-deep"]
    # level 65 is opened at: the 65th '[', the 65th '{', the 65th '- '; in "mixed" root map and
    # block list are levels 1-2, then each '[{a: ' adds two, so level 65 is the 32nd '['
    expected = {"flow-seq": (1, 65), "flow-map": (1, 4 * 64 + 1), "block-seq": (1, 129), "mixed": (2, 5 + 5 * 31)}
    assert where(found[0]) == expected[kind]


def test_deep_indented_mappings(parser):
    levels = 3000  # ~4.5 MB: indentation grows quadratically, so this is near the size limit
    text = "".join(" " * i + f"k{i}:\n" for i in range(levels)) + " " * levels + "x\n"
    started = time.perf_counter()
    found = errors_of(text)
    assert time.perf_counter() - started < 2
    assert codes(found) == ["too-deep"] and where(found[0]) == (65, 65)


def test_depth_limit_boundary():
    limits = Limits(max_depth=5)
    assert load("[[[[[1]]]]]", limits=limits).data == [[[[[1]]]]]
    found = errors_of("[[[[[[1]]]]]]", limits=limits)
    assert codes(found) == ["too-deep"] and where(found[0]) == (1, 6)
    assert load("a:\n b:\n  c:\n   d:\n    e: 1\n", limits=limits).data["a"]["b"]["c"]["d"] == {"e": 1}
    assert codes(errors_of("a:\n b:\n  c:\n   d:\n    e:\n     f: 1\n", limits=limits)) == ["too-deep"]


def test_default_limits():
    assert Limits(max_bytes=10 * 1024 * 1024, max_depth=64, max_nodes=1_000_000) == DEFAULT_LIMITS


def test_gc_state_is_restored():
    assert gc.isenabled()
    load("a: [1, 2]\n")
    errors_of("a: [1, 2\n")
    assert gc.isenabled()


# -- documents and syntax ----------------------------------------------------------

def test_multiple_documents_are_an_error(parser):
    found = errors_of("a: 1\n---\nb: 2\n")
    assert codes(found) == ["yaml-multiple-documents"] and where(found[0]) == (2, 1)
    assert codes(errors_of("--- a\n--- b\n")) == ["yaml-multiple-documents"]


def test_document_end_marker_followed_by_comments_is_one_document():
    assert load("a: 1\n...\n# trailing comment\n").data == {"a": 1}


def test_syntax_error_position_and_message(parser):
    found = errors_of("a: 1\nb: [1, 2\nc: 3\n")
    assert codes(found) == ["yaml-syntax"]
    assert found[0].line == 3
    assert "','" in found[0].message or "flow sequence" in found[0].message


def test_mapping_value_on_same_line(parser):
    found = errors_of("a: b: c\n")
    assert codes(found) == ["yaml-syntax"] and where(found[0]) == (1, 5)
    assert "mapping values are not allowed" in found[0].message


@pytest.mark.parametrize("text, line", [("a:\n\tb: 1\n", 2), ("a:\n  b: 1\n\t c: 2\n", 3), ("- x\n\t- y\n", 2)])
def test_tab_indentation_gets_a_hint(text, line, parser):
    found = errors_of(text)
    assert codes(found) == ["yaml-syntax"] and found[0].line == line
    assert found[0].hint == "YAML indentation uses spaces; replace the tab"


def test_tab_inside_a_value_is_fine():
    assert load("a: x\ty\n").data == {"a": "x\ty"}


def test_other_syntax_errors_get_no_tab_hint():
    assert errors_of("a: [1\n")[0].hint is None


def test_control_characters_are_reported_with_positions():
    found = errors_of("a: b\x01c\nb: 中\x1b\x7f\n")
    assert codes(found) == ["yaml-syntax"] * 3
    assert [where(d) for d in found] == [(1, 5), (2, 5), (2, 6)]
    assert "U+0001" in found[0].message


# -- encodings ----------------------------------------------------------------------

def test_utf8_is_the_norm():
    doc = load_yaml_bytes("名称: 复兴社区\n".encode(), "t.yaml")
    assert doc.encoding == "utf-8" and doc.warnings == [] and doc.data == {"名称": "复兴社区"}


def test_gbk_bytes_are_decoded_with_a_warning():
    doc = load_yaml_bytes("名称: 复兴社区\n".encode("gbk"), "t.yaml")
    assert doc.data == {"名称": "复兴社区"}
    assert doc.encoding == "gb18030"
    [warning] = doc.warnings
    assert (warning.severity, warning.code) == ("warning", "encoding")
    assert "decoded as GB18030, not UTF-8; save the file as UTF-8" in warning.message
    assert doc.source.value(("名称",)) == Span(1, 5, 1, 9)


def test_longer_gbk_text_with_punctuation():
    text = "# 社区档案\n名称: 复兴社区\n说明: “党建引领”，共建共治共享。（２０２４）\n"
    doc = load_yaml_bytes(text.encode("gbk"), "t.yaml")
    assert doc.data["说明"] == "“党建引领”，共建共治共享。（２０２４）" and len(doc.warnings) == 1


@pytest.mark.parametrize("declaration", [
    "# -*- coding: gb18030 -*-", "# coding: gb18030", "# coding: GBK", "# encoding=gb2312",
    "# vim: set fileencoding=gbk :",
])
def test_coding_declaration_decodes_without_warning(declaration):
    text = f"{declaration}\n名称: 复兴社区 堃\n"  # 堃 is in GBK/GB18030, not in GB2312
    doc = load_yaml_bytes(text.encode("gb18030"), "t.yaml")
    assert doc.data == {"名称": "复兴社区 堃"} and doc.encoding == "gb18030" and doc.warnings == []


def test_coding_declaration_on_second_line():
    doc = load_yaml_bytes("# 档案\n# coding: gbk\na: 中\n".encode("gbk"), "t.yaml")
    assert doc.data == {"a": "中"} and doc.warnings == []


def test_gb18030_four_byte_characters_with_declaration():
    doc = load_yaml_bytes("# coding: gb18030\na: 𠀀€\n".encode("gb18030"), "t.yaml")
    assert doc.data == {"a": "𠀀€"}


def test_undecodable_file_named_in_a_declaration_is_an_error():
    data = b"# coding: gbk\na: \xff\xfe\n"
    [error] = errors_of(data)
    assert error.code == "encoding" and where(error) == (2, 4)
    assert "declares coding 'gbk'" in error.message and "UTF-8" in error.hint


def test_unknown_declared_coding_is_an_error():
    [error] = errors_of("# coding: klingon\na: caf\xe9\n".encode("latin-1"))
    assert error.code == "encoding" and "klingon" in error.message


def test_utf8_file_with_a_stale_gbk_declaration_reads_as_utf8_with_a_warning():
    doc = load_yaml_bytes("# coding: gbk\n名称: 复兴\n".encode(), "t.yaml")
    assert doc.data == {"名称": "复兴"} and doc.encoding == "utf-8"
    assert codes(doc.warnings) == ["encoding"]


@pytest.mark.parametrize("text, codec, position", [
    ("Gemeinde: Müller straße\nname: café\n", "latin-1", (1, 12)),
    ("name: résumé\nx: ü\n", "latin-1", (1, 8)),
    ("a: 1\nb: “quoted” – text\n", "cp1252", (2, 4)),
    ("a: ok\nmot: été\n", "latin-1", (2, 6)),
])
def test_latin1_and_cp1252_are_errors_not_mojibake(text, codec, position):
    [error] = errors_of(text.encode(codec))
    assert error.code == "encoding" and error.severity == "error"
    assert where(error) == position
    assert "not valid UTF-8" in error.message and "UTF-8" in error.hint


def test_utf8_file_with_one_gbk_fragment_is_an_error_at_that_fragment():
    data = "名称: 复兴社区\n备注: ".encode() + "旧".encode("gbk") + b"\n"
    [error] = errors_of(data)
    assert error.code == "encoding" and where(error) == (2, 5)


def test_random_binary_is_a_clear_error():
    rng = random.Random(20240601)
    for _ in range(50):
        data = bytes(rng.randrange(1, 256) for _ in range(300))
        found = errors_of(data)
        assert found[0].code in {"encoding", "yaml-syntax"}, found


@pytest.mark.parametrize("bom_text, codec, name", [
    ("\ufeff名称: 复兴社区\n", "utf-16-le", "utf-16"),
    ("\ufeff名称: 复兴社区\n", "utf-16-be", "utf-16"),
    ("名称: 复兴社区\n", "utf-16", "utf-16"),
    ("名称: 复兴社区\n", "utf-32", "utf-32"),
    ("\ufeff名称: 复兴社区\n", "utf-32-be", "utf-32"),
    ("\ufeff名称: 复兴社区\n", "utf-8", "utf-8-sig"),
])
def test_byte_order_marks(bom_text, codec, name):
    doc = load_yaml_bytes(bom_text.encode(codec), "t.yaml")
    assert doc.data == {"名称": "复兴社区"} and doc.encoding == name and doc.warnings == []
    assert doc.source.value(("名称",)) == Span(1, 5, 1, 9)  # the BOM takes no column


def test_broken_utf16_is_an_error():
    [error] = errors_of(codecs.BOM_UTF16_LE + "a: 1\n".encode("utf-16-le") + b"\x00\xd8")  # lone surrogate
    assert error.code == "encoding" and "UTF-16" in error.message


def test_nul_byte_means_binary():
    [error] = errors_of(b"a: 1\nb: \x00\n")
    assert error.code == "encoding" and "NUL" in error.message and where(error) == (2, 4)


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_utf16_without_bom_is_recognised_in_the_error(codec):
    [error] = errors_of("名称: 复兴社区\nstaff:\n  - 张三\n".encode(codec))
    assert error.code == "encoding" and "UTF-16 without a byte-order mark" in error.message
    assert where(error) == (1, 1)  # where the byte-order mark is missing: every encoding error has a line:col


# -- files ---------------------------------------------------------------------------

def test_load_yaml_reads_a_file(tmp_path):
    path = tmp_path / "fuxing.yaml"
    path.write_bytes("名称: 复兴社区\n".encode())
    doc = load_yaml(path)
    assert doc.data == {"名称": "复兴社区"} and doc.source.file == str(path)
    assert load_yaml(str(path), display_name="profiles/fuxing.yaml").source.file == "profiles/fuxing.yaml"


def test_errors_use_display_name_and_error_class(tmp_path):
    path = tmp_path / "pack.yaml"
    path.write_text("a: 1\na: 2\n")
    with pytest.raises(PackError) as info:
        load_yaml(path, display_name="rules/x/pack.yaml", error_class=PackError)
    assert info.value.diagnostics[0].format().startswith("rules/x/pack.yaml:2:1: error[duplicate-key]: ")


def test_input_error_is_the_default(tmp_path):
    with pytest.raises(InputError):
        load_yaml_bytes(b"a: [", "t.yaml")


def test_missing_file(tmp_path):
    with pytest.raises(InputError) as info:
        load_yaml(tmp_path / "nope.yaml", display_name="nope.yaml")
    [error] = info.value.diagnostics
    assert (error.code, error.file, error.line) == ("file-not-found", "nope.yaml", 0)


def test_directory_and_other_os_errors(tmp_path):
    with pytest.raises(InputError) as info:
        load_yaml(tmp_path)
    assert codes(info.value.diagnostics) == ["io-error"]
    (tmp_path / "file").write_text("x")
    with pytest.raises(InputError) as info:
        load_yaml(tmp_path / "file" / "below.yaml")  # NotADirectoryError
    assert codes(info.value.diagnostics) == ["io-error"]


def test_file_too_large_is_checked_before_reading(tmp_path, monkeypatch):
    path = tmp_path / "big.yaml"
    path.write_bytes(b"".join(b"k%03d: 12\n" % i for i in range(50)))
    size = path.stat().st_size
    assert len(load_yaml(path, limits=Limits(max_bytes=size)).data) == 50
    real_open = open

    class NoRead:
        def __init__(self, *args, **kwargs):
            self.handle = real_open(*args, **kwargs)

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.handle.close()

        def fileno(self):
            return self.handle.fileno()

        def read(self, *args):
            raise AssertionError("read before the size check")

    monkeypatch.setattr("builtins.open", NoRead)
    with pytest.raises(InputError) as info:
        load_yaml(path, limits=Limits(max_bytes=size - 1))
    assert codes(info.value.diagnostics) == ["file-too-large"]


def test_file_growing_after_stat_is_caught(tmp_path, monkeypatch):
    path = tmp_path / "grows.yaml"
    path.write_bytes(b"a: 1\n" * 100)

    class SmallStat:
        st_size = 10
        st_mode = stat.S_IFREG | 0o644

    monkeypatch.setattr(source.os, "fstat", lambda fd: SmallStat())
    with pytest.raises(InputError) as info:
        load_yaml(path, limits=Limits(max_bytes=100))
    assert codes(info.value.diagnostics) == ["file-too-large"]


def test_bytes_too_large():
    data = b"- 1\n" * 10
    assert codes(errors_of(data, limits=Limits(max_bytes=39))) == ["file-too-large"]
    assert load_yaml_bytes(data, "t.yaml", limits=Limits(max_bytes=40)).data == [1] * 10


# -- robustness -----------------------------------------------------------------------

_SEEDS = [
    "名称: 复兴社区\nhouseholds: 4519\nstaff:\n  - {name: 张三, age: 35}\n  - name: \"李四\"\n    tags: [a, b]\n"
    "notes: |\n  一\n  二\n",
    "base: &b {x: 1, y: [1, 2]}\nm:\n  <<: *b\n  z: !!str 3\n? complex\n: v\n\"q\": 'it''s'\nl: [*b, *b]\n",
    "%YAML 1.1\n---\n- &a a\n- *a\n- !!int 3\n- >\n  folded\n  more\n...\n",
    "a: \"esc \\u4e2d \\x41\n  next\"\nb: 1.5e3\nc: 2024-02-30\nd: ~\nf: plain\n  multi\n",
]
_PIECES = list("[]{}:,-?|>!&*#\"'%@`\n\t \\a1.名") + ["\n  ", ": ", "- ", "&a ", "*a", "<<: ", "!!str ", "|-\n", "\r\n"]


def _mutate(rng: random.Random, text: str) -> str:
    chars = list(text)
    for _ in range(rng.randint(1, 5)):
        op, pos = rng.randrange(4), rng.randrange(len(chars) + 1)
        if op == 0 and chars:
            del chars[min(pos, len(chars) - 1)]
        elif op == 1:
            chars.insert(pos, rng.choice(_PIECES))
        elif op == 2 and chars:
            chars[min(pos, len(chars) - 1)] = rng.choice(_PIECES)
        else:
            other = rng.randrange(len(chars) + 1)
            chars[pos:pos] = chars[min(pos, other):max(pos, other)][:40]
    return "".join(chars)


def _paths(value, path=()):
    yield path
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _paths(item, path + (key,))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _paths(item, path + (index,))


def test_fuzz_only_engine_errors_come_out(parser):
    rng = random.Random(4242)
    outcomes = {"ok": 0, "error": 0}
    for case in range(400):
        if case % 4 == 0:
            data = bytes(rng.randrange(256) for _ in range(rng.randint(0, 120)))
        else:
            text = _mutate(rng, rng.choice(_SEEDS))
            data = text.encode(rng.choice(["utf-8", "utf-8", "utf-8", "gb18030", "utf-16"]))
        try:
            doc = load_yaml_bytes(data, "f.yaml")
        except EngineError as exc:
            assert exc.diagnostics and all(d.line >= 0 and d.col >= 0 for d in exc.diagnostics)
            outcomes["error"] += 1
            continue
        outcomes["ok"] += 1
        for path in _paths(doc.data):
            assert doc.source.value(path) is not None, (data, path)
            doc.source.key(path)
            doc.source.keys_at(path)
            doc.source.nearest(path + ("missing",))
            for offset in (-1, 0, 2, 10_000):
                line, col = doc.source.locate(path, offset)
                assert line >= 1 and col >= 1
    assert outcomes["ok"] > 20 and outcomes["error"] > 100  # the fuzz reaches both sides


# -- speed ----------------------------------------------------------------------------

def _profile_text(staff: int = 40) -> str:
    lines = ["# 复兴社区 党建档案", "id: fuxing", "名称: 复兴社区", "households: 4519", "area_km2: 1.25",
             "assessed_on: 2024-06-30", "venue:", "  area_m2: 850", "  activity_room:",
             "    homes: [党员之家, 妇女之家, 青年之家, 老年之家, 儿童之家]", '    open_hours: "8:30-17:30"', "staff:"]
    for i in range(staff):
        lines += [f"  - name: 张三{i}", f"    age: {30 + i % 30}", "    party_member: true",
                  f"    score: {80 + i % 20}.5", "    role: 网格员", f"    joined: 2019-0{1 + i % 9}-15"]
    lines.append("events:")
    lines += [f'  - {{date: 2024-0{1 + i % 9}-1{i % 10}, title: "主题党日活动{i}", attendees: {20 + i}}}'
              for i in range(30)]
    lines += ["notes: |", "  第一行说明", "  第二行说明"]
    return "\n".join(lines) + "\n"


@pytest.mark.skipif(not yaml.__with_libyaml__, reason="compares against libyaml")
def test_loading_is_not_slower_than_twice_csafeloader():
    text = _profile_text()
    data = text.encode()
    assert load_yaml_bytes(data, "p.yaml").data["staff"][3]["score"] == Decimal("83.5")

    def best(run, repeat=30):
        times = []
        for _ in range(repeat):
            started = time.perf_counter()
            run()
            times.append(time.perf_counter() - started)
        return min(times)

    baseline = best(lambda: yaml.load(text, Loader=yaml.CSafeLoader))
    ours = best(lambda: load_yaml_bytes(data, "p.yaml"))
    assert ours < 2 * baseline, f"{ours * 1e3:.2f} ms vs CSafeLoader {baseline * 1e3:.2f} ms"
