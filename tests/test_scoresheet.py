"""`assess pack doc`: the score sheet (维度 | 项目 | 标准及要求 | 分值 | 评分办法 | 依据), generated method texts,
source coverage; shipped packs' sheets and the generated docs are never stale."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from engine.authoring import docs as docsgen
from engine.authoring.scoresheet import render_scoresheet, source_coverage
from engine.cli import app
from engine.pack.build import load_pack
from engine.report.wording import generated_method, method_text, readable

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "tests" / "packs" / "demo"
runner = CliRunner()


@pytest.fixture(scope="module")
def demo():
    return load_pack(DEMO)


def rows(text: str, head: str) -> list[list[str]]:
    lines = text.splitlines()
    start = lines.index(head)
    out = []
    for line in lines[start + 2:]:
        if not line.startswith("|"):
            break
        out.append([cell.strip() for cell in line.strip("|").split(" | ")])
    return out


def test_the_sheet_has_the_officials_layout(demo):
    sheet = render_scoresheet(demo, "zh", "tests/packs/demo")
    items = rows(sheet, "| 维度 | 项目 | 标准及要求 | 分值 | 评分办法 | 依据 |")
    assert len(items) == sum(1 for r in demo.rules if r.kind == "item")
    assert items[0][0] == "D1 组织建设（40分）" and items[1][0] == ""  # the dimension on its first row only
    train = next(r for r in items if r[1].startswith("D1.train"))
    assert train[3] == "10" and train[5] == "《测试依据》「每年党员培训率达90%以上」"  # a source by its title
    assert "「党员培训率」 ≥ 「党员培训率要求」(90%)得10分" in train[4]
    assert "## 加分项" in sheet and "加分合计不超过5分。" in sheet
    assert "## 一票否决" in sheet and "评为“不合格”" in sheet
    grades = rows(sheet, "| 等次 | 总分 | 其他条件 |")
    assert grades[0] == ["优秀", "90分以上（含）", "无一票否决；各维度得分不低于其分值的70%"]
    assert grades[1][1] == "80分以上（含）、不满90分"
    assert "| “10有”标准的十项内容 | 未设定（相应条目不评定） |" in sheet  # a parameter by its title, not its id
    assert "ten_you_items" not in sheet and "demo-src" not in sheet


def test_the_coverage_of_the_sources(demo):
    coverage = source_coverage(demo)
    assert coverage["demo-src"]["无越级上访"] == ["P.petition", "V.petition"]
    assert coverage["demo-src"]["每年党员培训率达90%以上"] == ["D1.train", "params.training_min"]
    sheet = render_scoresheet(demo, "en")
    sources = rows(sheet, "| Source document | Date | File | Clauses cited | Items |")
    assert sources[0][0] == "Test source" and sources[0][3] == "13"
    assert "| “无越级上访” | P.petition, V.petition |" in sheet


def test_method_texts_own_or_generated(demo):
    homes = demo.rule("D1.homes")
    assert method_text(homes, demo, "zh") == generated_method(homes, demo, "zh")  # the demo gives none
    ledgers = generated_method(demo.rule("D2.ledgers"), demo, "zh")
    assert ledgers == "达到98%得15分；90%至98%得7.5分；其余不得分。"
    meetings = generated_method(demo.rule("D1.meetings"), demo, "zh")
    assert "每次扣0.5分，最多扣10分，扣完为止" in meetings
    assert generated_method(demo.rule("D3.staff"), demo, "en").startswith("Each element of “Community staff”")
    assert "the grade is" in generated_method(demo.rule("V.cult"), demo, "en")
    assert "取消评优资格" in generated_method(demo.rule("V.petition"), demo, "zh")
    assert "从「服务群众」中扣除" in generated_method(demo.rule("P.petition"), demo, "zh")
    assert "最多加4分" in generated_method(demo.rule("B.honours"), demo, "zh")
    assert "「“10有”标准的十项内容」未设定时本项不评定" in generated_method(demo.rule("D1.ten_you"), demo, "zh")
    cobuilding = load_pack(ROOT / "rules" / "co-building-unit")
    own = cobuilding.rule("U1.1")
    assert method_text(own, cobuilding, "zh") == own.method.zh


def test_conditions_read_with_titles(demo):
    assert readable(demo.rule("D1.cards").require, demo, "zh") == \
        "「流动党员联系卡」 属于 「已建立的卡片」 且 「流动党员活动记录卡」 属于 「已建立的卡片」"
    assert readable(demo.rule("D1.train").applies_when, demo, "en") == "“Party members” > 0"


def test_the_command_writes_and_checks(tmp_path):
    out = tmp_path / "SHEET.md"
    assert runner.invoke(app, ["pack", "doc", str(DEMO), "-o", str(out)]).exit_code == 0
    assert out.read_text(encoding="utf-8").startswith("<!-- 由 `assess pack doc")
    assert runner.invoke(app, ["pack", "doc", str(DEMO), "-o", str(out), "--check"]).exit_code == 0
    out.write_text(out.read_text(encoding="utf-8") + "edited\n", encoding="utf-8")
    stale = runner.invoke(app, ["pack", "doc", str(DEMO), "-o", str(out), "--check"])
    assert stale.exit_code == 1 and "stale score sheet" in stale.stderr
    english = runner.invoke(app, ["pack", "doc", str(DEMO), "--lang", "en"])
    assert "| Dimension | Item | Standard and requirements | Points | Scoring method | Source |" in english.stdout


def test_shipped_score_sheets_and_generated_docs_are_current():
    stale = docsgen.stale()
    assert not stale, ("generated files are stale: " + ", ".join(str(p.relative_to(ROOT)) for p in stale)
                       + "; run `python -m engine.authoring.docs`")


def test_every_shipped_pack_has_a_score_sheet():
    for pack_dir in (p for p in (ROOT / "rules").iterdir() if (p / "pack.yaml").is_file()):
        assert (pack_dir / "SCORESHEET.md").is_file() and (pack_dir / "SCORESHEET.en.md").is_file()


def test_the_reference_lists_every_key_and_function():
    from engine.expr.functions import REGISTRY
    from engine.pack.schema import RULE_KINDS, Rule

    text = (ROOT / "docs" / "reference" / "keys-and-functions.md").read_text(encoding="utf-8")
    for name in REGISTRY:
        assert f"### `{name}`" in text
    for model in (Rule, *RULE_KINDS):
        assert f"### {model.__name__}" in text
        for key, field in model.model_fields.items():
            assert f"| `{key}` |" in text and field.description, key
    assert "### RulePatch" in text and "### Overrides" in text and "### CaseExpectation" in text
