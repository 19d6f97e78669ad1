"""The officials' words: what a score sheet, a report and `pack doc` say to the people who file them.

No expression syntax, no parameter identifier, no "seed" ever reaches them; every rule has a 评分办法;
bonus items show their 分值; a deduction's unit is the same in every format; sources are named by title.
"""

from __future__ import annotations

import io
import re
from functools import cache
from pathlib import Path

import pytest
from openpyxl import load_workbook

from engine.api.engine import Engine
from engine.authoring.explain import explain_text, profile_facts, rule_facts
from engine.authoring.scoresheet import render_scoresheet
from engine.errors import EngineError
from engine.expr.functions import REGISTRY
from engine.pack.build import load_pack
from engine.pack.discovery import packs_for_profile
from engine.report import render
from engine.report.model import Report
from engine.report.wording import GENERIC, readable

ROOT = Path(__file__).resolve().parent.parent
PROFILES = sorted((ROOT / "profiles").glob("*.yaml"))
SHIPPED = [ROOT / "rules" / "community", ROOT / "rules" / "co-building-unit"]
FORMATS = [(fmt, lang) for fmt in ("text", "markdown", "html", "xlsx") for lang in ("zh", "en")]

# a function call as the expression language writes it (not "case(s)", which is English)
CALL = re.compile(r"\b(" + "|".join(sorted(REGISTRY, key=len, reverse=True)) + r")\((?!s\))")
SEED = re.compile(r"种子|\bseeds?\d*\b|seed0\d\d", re.IGNORECASE)
SYNTAX = re.compile(r"params\.|[^\s=] ?[!=]= ?[^\s=]|&&")  # (not the "== heading ==" of a text report)


def _param_names() -> set[str]:
    return {name for directory in SHIPPED for name in load_pack(directory).params}


PARAM = re.compile(r"(?<![\w.])(" + "|".join(sorted(_param_names(), key=len, reverse=True)) + r")(?![\w])")


def leaks(text: str) -> list[str]:
    """What an official must never read: expression syntax, parameter identifiers, seed words."""
    found = []
    for pattern in (CALL, SEED, SYNTAX, PARAM):
        found += [match.group(0) for match in pattern.finditer(text)]
    return found


@cache
def report_of(profile: Path) -> Report:
    return Engine.from_dirs(packs_for_profile(profile), backend="reference").assess_file(str(profile))


def xlsx_text(data: bytes) -> str:
    book = load_workbook(io.BytesIO(data))
    cells = [str(value) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True)
             for value in row if value is not None]
    return "\n".join(cells)


def output(profile: Path, fmt: str, lang: str) -> str:
    rendered = render(report_of(profile), fmt, lang)
    return xlsx_text(rendered) if isinstance(rendered, bytes) else rendered


@pytest.mark.parametrize("fmt, lang", FORMATS, ids=[f"{f}-{lang}" for f, lang in FORMATS])
@pytest.mark.parametrize("profile", PROFILES, ids=[p.stem for p in PROFILES])
def test_no_expression_parameter_id_or_seed_reaches_a_report(profile, fmt, lang, monkeypatch):
    monkeypatch.chdir(ROOT)
    text = output(profile, fmt, lang)
    if fmt == "html":
        text = re.sub(r"<style>.*?</style>", "", text, flags=re.S)  # css is not read
    assert leaks(text) == []


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("directory", SHIPPED, ids=[d.name for d in SHIPPED])
def test_no_expression_parameter_id_or_seed_reaches_pack_doc(directory, lang):
    sheet = render_scoresheet(load_pack(directory), lang, f"rules/{directory.name}")
    assert leaks(sheet) == []


def test_every_rule_of_the_shipped_packs_has_a_method_in_every_excel_cell(monkeypatch):
    monkeypatch.chdir(ROOT)
    for profile in PROFILES:
        report = report_of(profile)
        for result in report.results:
            for finding in result.findings:
                assert finding.method is not None and finding.method.zh.strip() and finding.method.en.strip(), \
                    finding.rule
        book = load_workbook(io.BytesIO(render(report, "xlsx", "zh")))
        sheet = book.worksheets[0]
        head = next(row for row in sheet.iter_rows(values_only=True) if row and "评分办法" in row)
        method, rule, item = head.index("评分办法"), head.index("编号"), head.index("项目")
        for row in sheet.iter_rows(values_only=True):  # the rows of rules (not the closing veto summary)
            if row[rule] and row[item] and re.match(r"^[RUBPV]\d", str(row[rule])):
                assert row[method], f"{profile.stem} {row[rule]}: empty 评分办法"


def test_a_method_says_functions_in_words_and_never_prints_an_expression():
    pack = load_pack(ROOT / "rules" / "community")
    fund = pack.rule("R6.8")  # if(已设立, 投入 > 0, false): the guard reads as 'and'
    text = readable(fund.require, pack, "zh")
    assert text == "「已设立社区建设基金（或共建基金）」 且 「本考核期投入基金的金额」 > 0"
    deeds = readable(pack.rule("R4.7").require, pack, "zh")
    assert "考核期内的年数" in deeds and "periods" not in deeds
    assert "the number of years in the period" in readable(pack.rule("R4.7").require, pack, "en")


def test_a_function_without_words_is_said_generically(tmp_path):
    pack = load_pack(ROOT / "tests" / "packs" / "constructs")
    rule = pack.rule("matches_attr")  # a text pattern has no words an official reads
    assert readable(rule.require, pack, "zh") == GENERIC["zh"]
    assert "matches" not in readable(rule.require, pack, "en")


def test_calendar_functions_in_words():
    pack = load_pack(ROOT / "tests" / "packs" / "calendar")
    for rule in pack.rules:
        for expr in rule.expressions():
            for lang in ("zh", "en"):
                assert not CALL.search(readable(expr, pack, lang)), (rule.id, lang)


def test_bonus_items_show_their_points_per_occurrence_and_cap(monkeypatch):
    monkeypatch.chdir(ROOT)
    strong = ROOT / "profiles" / "strong-community.yaml"
    text = output(strong, "text", "zh")
    assert re.search(r"^B1 .*每项\+3分", text, re.M) and re.search(r"^B4 .*每次\+0.5分，最多\+2分", text, re.M)
    sheet = output(strong, "xlsx", "zh")
    assert "每项+3分" in sheet and "每次+0.5分，最多+2分" in sheet
    doc = render_scoresheet(load_pack(ROOT / "rules" / "community"), "zh")
    assert "| 每项+3分 |" in doc and "| 每次+0.5分，最多+2分 |" in doc and "| 每起−1分 |" in doc
    assert "每項+3分" not in doc  # (simplified characters only)
    assert "| 0 |" not in doc.split("## 加分项")[1].split("##")[0]


def test_a_deduction_shows_its_unit_in_every_format(monkeypatch):
    monkeypatch.chdir(ROOT)
    weak = ROOT / "profiles" / "weak-community.yaml"
    for fmt in ("text", "xlsx", "html", "markdown"):
        text = output(weak, fmt, "zh")
        assert "共3次" not in text and "共2次" not in text, fmt
    for fmt in ("text", "xlsx", "html"):
        assert "3起×1分，扣3分" in output(weak, fmt, "zh"), fmt
        assert "每起−1分" in output(weak, fmt, "zh"), fmt  # the 分值 of a deduction, with its unit


def test_unset_parameters_are_named_by_title(monkeypatch):
    monkeypatch.chdir(ROOT)
    strong = ROOT / "profiles" / "strong-community.yaml"
    for fmt in ("text", "xlsx", "html"):
        assert "「每百户居民社区办公和服务用房最低面积」未设定" in output(strong, fmt, "zh"), fmt
    assert "“Minimum legal publicity sessions per year” not set" in output(strong, "text", "en")


def test_sources_are_named_by_title_and_date_in_pack_doc():
    doc = render_scoresheet(load_pack(ROOT / "rules" / "community"), "zh")
    assert "| 《探索城市社区党建新途径（呼伦贝尔市）》 | 2022-04-02 |" in doc
    assert "### 《创新党建推工作，提升服务促和谐——XXX街道复兴社区党建工作经验交流材料》（2009-12）" in doc
    assert "参数「党员年度培训率要求」" in doc  # who cites a quote: a parameter by its title
    pack = load_pack(ROOT / "rules" / "community")
    assert "2017" in pack.meta.edition.zh and "非正式考核标准" in pack.meta.edition.zh


def test_explain_names_sources_and_unset_parameters_in_words(monkeypatch):
    monkeypatch.chdir(ROOT)
    pack = load_pack(ROOT / "rules" / "community")
    profile = ROOT / "profiles" / "strong-community.yaml"
    result = next(r for r in report_of(profile).results if r.pack.id == "community")
    text = explain_text(rule_facts(pack, pack.rule("R3.2"), "zh"), "zh", profile_facts(result, "R3.2", "zh"))
    assert "《探索城市社区党建新途径（呼伦贝尔市）》（2022-04-02）" in text and "seed003" not in text
    assert "「每百户居民社区办公和服务用房最低面积」未设定" in text
    method = next(line for line in text.splitlines() if line.startswith("评分办法"))
    assert leaks(method) == []


def test_a_not_applicable_item_shows_a_dash_not_zero(monkeypatch):
    monkeypatch.chdir(ROOT)
    report = report_of(ROOT / "profiles" / "middling-community.yaml")
    na = [f for r in report.results for f in r.findings if f.outcome == "not_applicable" and f.kind == "item"]
    assert na, "the profile has items that do not apply"
    text = output(ROOT / "profiles" / "middling-community.yaml", "text", "zh")
    for finding in na:
        row = next(line for line in text.splitlines() if line.startswith(finding.rule + " "))
        assert re.search(r"\s—\s+不适用", row), row
    sheet = load_workbook(io.BytesIO(render(report, "xlsx", "zh"))).worksheets[0]
    rows = {row[-1]: row for row in sheet.iter_rows(values_only=True) if row and row[-1]}
    for finding in na:
        assert rows[finding.rule][5] == "—", finding.rule


def test_no_sentence_repeats_itself(monkeypatch):
    monkeypatch.chdir(ROOT)
    for profile in PROFILES:
        for lang in ("zh", "en"):
            for line in output(profile, "text", lang).splitlines():
                parts = [p.strip() for p in re.split(r" — |：|: ", line) if len(p.strip()) > 6]
                assert len(parts) == len(set(parts)), line
    text = output(ROOT / "profiles" / "strong-community.yaml", "text", "en")
    assert "bar the top grade — bars the top grade" not in text


def test_per_person_percentages_show_as_percentages():
    from engine.report.formats.text import _person_table
    from engine.report.model import Column, Row, TableOut, Text

    table = TableOut.model_construct(
        list="staff", title=Text(zh="表", en="Table"), label_title=Text(zh="姓名", en="Name"),
        columns=[Column(key="rate", title=Text(zh="比例", en="Share"), format="percent")],
        rows=[Row.model_construct(label="A", values={"rate": 0.955}), Row.model_construct(label="B",
                                                                                        values={"rate": 1.0})])
    text = _person_table(table, "zh")
    assert "95.5%" in text and "100%" in text and "0.96" not in text


def _test_packs():
    found = []
    for directory in sorted((ROOT / "tests" / "packs").iterdir()):
        if (directory / "pack.yaml").exists():
            try:
                found.append(load_pack(directory))
            except EngineError:  # packs that exist to fail loading are not score sheets
                continue
    return found


def test_every_generated_method_of_every_construct_pack_is_in_words():
    """Pass/fail, shares, tiers, deductions with caps, bonuses, vetoes, checks, clauses, an item's own bonus:
    each in words, with parameters by title and no function call."""
    from engine.report.wording import generated_method

    checked = 0
    for pack in _test_packs() + [load_pack(directory) for directory in SHIPPED]:
        ids = re.compile(r"(?<![\w.])(" + "|".join(map(re.escape, pack.params)) + r")(?!\w)") if pack.params else None
        for rule in pack.rules:
            for lang in ("zh", "en"):
                text = generated_method(rule, pack, lang)
                assert text.strip(" 。.") and not CALL.search(text) and not SYNTAX.search(text), (pack.id, rule.id)
                assert ids is None or not ids.search(text), (pack.id, rule.id, text)
                checked += 1
    assert checked > 400


def test_explain_gives_a_bonus_its_points_per_occurrence_not_zero():
    pack = load_pack(ROOT / "rules" / "community")
    text = explain_text(rule_facts(pack, pack.rule("B4"), "zh"), "zh")
    assert "分值 每次+0.5分，最多+2分" in text and "分值 0" not in text


def test_a_documented_parameter_value_is_shown_by_what_it_means():
    from engine.report.wording import param_value

    pack = load_pack(ROOT / "rules" / "community", {"evaluation_period": "half_year"})
    assert param_value(pack, "evaluation_period", "zh").startswith("半年一次")
