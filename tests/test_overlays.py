"""Overlays: `extends` a base pack, `overrides` change it; errors located in the overlay; reports name every layer."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from engine.api.engine import Engine
from engine.cli import app
from engine.errors import PackError
from engine.pack.build import load_pack
from engine.report import render

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "tests" / "packs" / "demo"
STRONG = ROOT / "tests" / "profiles" / "demo-strong.yaml"
runner = CliRunner()

MANIFEST = """\
pack:
  id: district
  version: "2024.1"
  title: {{zh: 区级细则, en: District sheet}}
  subject: community
  edition: "2024"
  extends: {extends}
  sources:
    - {{id: district, title: 区级考核细则}}
"""


def overlay(tmp_path: Path, body: str = "", *, extends: str | None = None, files: dict | None = None,
            name: str = "district") -> Path:
    pack = tmp_path / name
    (pack / "rules").mkdir(parents=True)
    manifest = MANIFEST.replace("district", name).format(extends=extends or str(DEMO))
    (pack / "pack.yaml").write_text(manifest + body, encoding="utf-8")
    for relative, text in (files or {}).items():
        path = pack / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return pack


def errors(path: Path) -> list:
    with pytest.raises(PackError) as caught:
        load_pack(path)
    return caught.value.diagnostics


def assess(path: Path):
    return Engine.from_dirs([path], backend="reference").assess_file(STRONG).results[0]


CHANGES = """\
dimensions:
  - {id: D4, title: {zh: 特色工作, en: Local work}, weight: 10}
overrides:
  parameters:
    training_min: 95
    ten_you_items: [有场所, 有党旗]
  dimensions:
    D1: {weight: 30, title: {zh: 组织, en: Org}}
  rules:
    D1.cards: {disabled: true, reason: 本区不考核五卡}
    D2.mediation:
      points: 8
      title: {zh: 调解成功率达标, en: Mediation target}
      recommend: {zh: 调解成功率须达到98%。, en: Reach 98 %.}
    D2.ledgers:
      tiers:
        - {when: "ratio(ledgers.closed, ledgers.opened) >= 95%", points: 15}
    P.petition: {deduct: {per: 1}}
  scoring:
    bonus_cap: 3
"""
NEW_RULES = {"rules/d4.yaml": """\
dimension: D4
rules:
  - id: D4.brand
    title: {zh: 党建品牌, en: A brand}
    points: 10
    require: count(honours) >= 1
    cite: {source: district, quote: 创建党建品牌}
"""}


def test_an_overlay_changes_its_base(tmp_path):
    pack = load_pack(overlay(tmp_path, CHANGES, files=NEW_RULES))
    base = load_pack(DEMO)
    assert [(layer.id, layer.version) for layer in pack.layers] == [("demo", "1.0.0"), ("district", "2024.1")]
    assert pack.base.id == "demo" and base.base is None
    dims = {d.id: d for d in pack.dimensions}
    assert dims["D1"].weight == 30 and dims["D1"].title.zh == "组织" and dims["D4"].weight == 10
    assert pack.params["training_min"].value == Decimal("0.95")
    assert pack.params["ten_you_items"].value == ["有场所", "有党旗"]
    assert pack.rule("D1.cards") is None and base.rule("D1.cards") is not None
    assert pack.rule("D2.mediation").points == 8 and pack.rule("D2.mediation").title.en == "Mediation target"
    assert pack.rule("D2.mediation").recommend.text.zh == "调解成功率须达到98%。"
    assert [t.points for t in pack.rule("D2.ledgers").tiers] == [15]
    assert pack.rule("P.petition").deduct.per == 1 and pack.rule("P.petition").deduct.cap == 6  # cap kept
    assert pack.rule("D4.brand").dimension == "D4" and pack.scoring.bonus_cap == 3
    assert pack.rule("D1.ten_you").unset_params == ()  # assessable now that the overlay set the list
    assert {s for s in pack.sources} == {"demo-src", "district"}
    assert pack.meta.defaults_note == base.meta.defaults_note  # inherited when the overlay gives none


def test_the_changes_are_recorded_with_positions(tmp_path):
    pack = load_pack(overlay(tmp_path, CHANGES, files=NEW_RULES))
    described = {change.describe() for change in pack.changes}
    assert "rule D1.cards: disabled — 本区不考核五卡" in described
    assert "rule D2.mediation: points 10 → 8" in described
    assert "dimension D1: weight 40 → 30" in described
    assert "parameter training_min: default 90 → 95" in described
    assert "scoring: bonus_cap 5 → 3" in described
    assert "rule P.petition: deduct.per 2 → 1" in described
    assert "rule D4.brand: added (D4, 10 points)" in described
    points = next(c for c in pack.changes if c.describe() == "rule D2.mediation: points 10 → 8")
    file, line, col = points.position()
    assert file.endswith("district/pack.yaml")
    source = Path(file).read_text(encoding="utf-8").splitlines()
    assert source[line - 1][col - 1:].startswith("8")


def test_an_overlay_scores_with_its_changes(tmp_path):
    base = assess(DEMO)
    changed = assess(overlay(tmp_path, CHANGES, files=NEW_RULES))
    findings = {f.rule: f for f in changed.findings}
    assert "D1.cards" not in findings
    assert findings["D2.mediation"].points == 8
    assert findings["D1.ten_you"].outcome != "not_assessed"
    assert findings["D4.brand"].outcome in ("met", "not_met", "missing_data")
    assert {d.id for d in changed.dimensions} == {"D1", "D2", "D3", "D4"}
    assert changed.total != base.total


def test_reports_name_every_layer(tmp_path):
    path = overlay(tmp_path, CHANGES, files=NEW_RULES)
    report = Engine.from_dirs([path], backend="reference").assess_file(STRONG)
    data = json.loads(render(report, "json", "en"))
    assert data["results"][0]["pack"]["layers"] == [{"id": "demo", "version": "1.0.0"},
                                                     {"id": "district", "version": "2024.1"}]
    assert "(district 2024.1 ← demo 1.0.0," in render(report, "text", "zh")
    plain = Engine.from_dirs([DEMO], backend="reference").assess_file(STRONG)
    assert json.loads(render(plain, "json", "en"))["results"][0]["pack"]["layers"] == [
        {"id": "demo", "version": "1.0.0"}]
    assert "(demo 1.0.0," in render(plain, "text", "zh")


def test_an_overlay_of_an_overlay(tmp_path):
    first = overlay(tmp_path, "overrides:\n  rules:\n    D2.mediation: {points: 8}\n")
    second = overlay(tmp_path, "overrides:\n  rules:\n    D2.mediation: {points: 6}\n", extends="../district",
                     name="street")
    pack = load_pack(second)
    assert [layer.id for layer in pack.layers] == ["demo", "district", "street"]
    assert pack.rule("D2.mediation").points == 6
    assert [c.describe() for c in pack.changes] == ["source street: added (区级考核细则)",
                                                    "rule D2.mediation: points 8 → 6"]
    assert load_pack(first).rule("D2.mediation").points == 8


def test_extends_a_shipped_pack_by_id(tmp_path):
    pack = load_pack(overlay(tmp_path, "", extends="co-building-unit"))
    assert pack.layers[0].id == "co-building-unit" and len(pack.rules) == len(load_pack(
        ROOT / "rules" / "co-building-unit").rules)


@pytest.mark.parametrize("body, code, fragment, hint", [
    ("overrides:\n  rules:\n    D2.mediaton: {points: 8}\n", "pack-overlay-unknown",
     "the base pack has no rule 'D2.mediaton'", "did you mean 'D2.mediation'?"),
    ("overrides:\n  dimensions:\n    D9: {weight: 8}\n", "pack-overlay-unknown", "no dimension 'D9'", "D1, D2, D3"),
    ("overrides:\n  parameters:\n    trainig_min: 95\n", "pack-overlay-unknown", "no parameter 'trainig_min'",
     "did you mean 'training_min'?"),
    ("overrides:\n  rules:\n    D1.train: {disabled: true}\n", "pack-overlay-dependency",
     "rule D1.train cannot be disabled: rule D2.joint reads met('D1.train')", "disable D2.joint too"),
    ("overrides:\n  rules:\n    D1.homes: {tiers: [{when: 'true', points: 1}]}\n", "pack-overlay-shape",
     "rule D1.homes does not score by tiers", "disable it"),
    ("overrides:\n  rules:\n    D1.homes: {deduct: {per: 1}}\n", "pack-overlay-shape", "rule D1.homes has no 'deduct'",
     None),
    ("overrides:\n  rules:\n    V.cult: {points: 3}\n", "rule-shape", "a veto rule has no 'points'",
     "'points' is a key of item and bonus rules"),  # a change is checked against the keys of the rule's kind
    ("rules:\n  - {id: D1.train, title: x, dimension: D1, points: 1, require: 'true'}\n", "pack-duplicate",
     "rule id 'D1.train' is already used by the base pack", "overrides.rules.D1.train"),
    ("dimensions:\n  - {id: D1, title: x, weight: 1}\n", "pack-duplicate", "dimension 'D1' is already declared",
     "overrides.dimensions.D1"),
    ("parameters:\n  pass_mark: {type: number, default: 1, title: x}\n", "pack-duplicate",
     "parameter 'pass_mark' is already declared", "overrides.parameters"),
    ("scoring:\n  grades: [{id: all, title: x}]\n", "pack-overlay", "an overlay inherits its base's scoring", None),
])
def test_overlay_errors_are_located_in_the_overlay(tmp_path, body, code, fragment, hint):
    path = overlay(tmp_path, body)
    found = [d for d in errors(path) if d.code == code]
    assert found, errors(path)
    diagnostic = found[0]
    assert fragment in diagnostic.message
    assert diagnostic.file.endswith("district/pack.yaml") and diagnostic.line > 8
    if hint:
        assert hint in (diagnostic.hint or "")


def test_patched_parts_are_checked_where_the_overlay_wrote_them(tmp_path):
    body = ("overrides:\n  parameters:\n    pass_mark: lots\n  rules:\n    D2.ledgers:\n      tiers:\n"
            "        - {when: 'ratio(ledgers.closd, ledgers.opened) >= 95%', points: 15}\n"
            "    V.cult: {points: 3}\n")
    found = {d.code: d for d in errors(overlay(tmp_path, body))}
    lines = (tmp_path / "district" / "pack.yaml").read_text(encoding="utf-8").splitlines()
    for code, text in [("pack-param-type", "lots"), ("expr-unknown-name", "ledgers.closd"), ("rule-shape", "3")]:
        diagnostic = found[code]
        assert diagnostic.file.endswith("district/pack.yaml"), diagnostic
        assert lines[diagnostic.line - 1][diagnostic.col - 1:].startswith(text), diagnostic
    assert "did you mean 'ledgers.closed'?" in found["expr-unknown-name"].hint


def test_extends_cycles_and_unknown_bases(tmp_path):
    overlay(tmp_path, "", extends="../b", name="a")
    overlay(tmp_path, "", extends="../a", name="b")
    cycle = errors(tmp_path / "a")
    assert cycle[0].code == "pack-cycle" and "packs extend each other" in cycle[0].message
    assert cycle[0].line == 7  # the extends: line that closes the cycle
    missing = errors(overlay(tmp_path, "", extends="comunity", name="c"))
    assert missing[0].code == "pack-extends" and missing[0].hint == "did you mean 'community'?"
    path = errors(overlay(tmp_path, "", extends="../nowhere", name="d"))
    assert path[0].code == "pack-extends" and path[0].line == 7


def test_overrides_need_extends(tmp_path):
    pack = tmp_path / "p"
    pack.mkdir()
    text = (DEMO / "pack.yaml").read_text(encoding="utf-8") + "overrides:\n  rules:\n    D1.train: {points: 1}\n"
    (pack / "pack.yaml").write_text(text, encoding="utf-8")
    found = errors(pack)
    assert found[0].code == "pack-overlay" and "extends none" in found[0].message


def test_pack_check_shows_what_an_overlay_changes(tmp_path):
    path = overlay(tmp_path, CHANGES, files=NEW_RULES)
    result = runner.invoke(app, ["pack", "check", str(path)])
    assert result.exit_code == 0, result.stdout
    out = result.stdout
    assert "overlay district 2024.1 ← demo 1.0.0; 14 change(s) to demo" in out
    assert "district/pack.yaml:" in out and "rule D1.cards: disabled — 本区不考核五卡" in out
    data = json.loads(runner.invoke(app, ["pack", "check", str(path), "--format", "json"]).stdout)
    summary = data["packs"][0]
    assert [layer["id"] for layer in summary["layers"]] == ["demo", "district"]
    change = next(c for c in summary["changes"] if c["target"] == "rule D2.mediation" and c["change"] == "points")
    assert (change["before"], change["after"]) == (10, 8) and change["line"] > 0


def test_pack_check_of_an_overlay_does_not_repeat_its_base_warnings(tmp_path):
    """The demo base warns that ten_you_items is unset; an overlay that changes nothing does not repeat it."""
    result = runner.invoke(app, ["pack", "check", str(overlay(tmp_path, ""))])
    assert "param-unset" not in result.stdout
    assert "info[inherited]: 1 warning(s) and note(s) of the base pack demo are not repeated here" in result.stdout
    own = overlay(tmp_path, "dimensions:\n  - {id: D4, title: x, weight: 10}\n", name="own")
    out = runner.invoke(app, ["pack", "check", str(own)]).stdout
    assert "warning[weights-total]: the dimension weights add up to 110, not 100" in out
    assert "warning[dimension-empty]: dimension D4 has no item rules" in out
