"""Parameters whose value depends on the profile (format 2 `by` with `rows` or `bands`), through the command
line: the row that applied in the text and JSON reports, null rows not assessed, an absent attribute missing
data, positioned errors for tables that do not fit their input, the format 2 error in a format 1 pack, and an
overlay that replaces a table. The construct pack tests/packs/paramtables runs its cases on both backends
through the pytest plugin."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
from typer.testing import CliRunner

from engine.cli import app

ROOT = Path(__file__).resolve().parent.parent
PACK = ROOT / "tests" / "packs" / "paramtables"
runner = CliRunner()

RURAL = """\
profile: {id: c, subject: community, year: 2024}
community: {type: 农村型}
households: 3000
service: {coverage: 99}
staff: {full_time: 8}
venue: {area: 600}
"""


def run(*args: str):
    return runner.invoke(app, list(args), catch_exceptions=False)


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


@pytest.fixture()
def rural(tmp_path: Path) -> Path:
    return write(tmp_path / "p.yaml", RURAL)


def test_the_text_report_says_which_row_applied(rural):
    result = run(str(rural), "--pack", str(PACK))
    assert result.exit_code == 0, result.output
    out = result.output
    assert "按画像取值的参数：" in out
    assert "服务覆盖率要求 — 按社区类型「农村型」：依据未给出数值，相关项目未评定" in out
    assert "专职工作人员最少人数 — 按户数「3000户以上」：9" in out
    assert "每百户用房面积（平方米） — 按社区类型「农村型（表中未列，取默认值）」：20" in out
    english = run(str(rural), "--pack", str(PACK), "--lang", "en").output
    assert "Fewest full-time staff — Households 3000 households or more: 9" in english


def test_the_json_report_gives_the_row_and_the_value(rural):
    report = json.loads(run(str(rural), "--pack", str(PACK), "--format", "json").output)
    result = report["results"][0]
    params = {p["name"]: p for p in result["parameters"]}
    assert params["staff_min"] == {"name": "staff_min",
                                   "title": {"zh": "专职工作人员最少人数", "en": "Fewest full-time staff"},
                                   "value": 9, "source": "table", "by": "households",
                                   "by_title": {"zh": "户数", "en": "Households"},
                                   "row": {"zh": "3000户以上", "en": "3000 households or more"}}
    assert params["coverage_min"]["value"] is None and params["coverage_min"]["format"] == "percent"
    findings = {f["rule"]: f for f in result["findings"]}
    assert findings["C1"]["outcome"] == "not_assessed" and findings["C1"]["unset_params"] == ["coverage_min"]
    assert result["not_assessed"] == [{"rule": "C1", "title": {"zh": "服务覆盖率达标", "en": "Service coverage"},
                                       "params": ["coverage_min"]}]


def test_without_the_attribute_the_rules_ask_for_it(tmp_path):
    profile = write(tmp_path / "p.yaml", "profile: {subject: community, year: 2024}\nservice: {coverage: 99}\n")
    report = json.loads(run(str(profile), "--pack", str(PACK), "--format", "json").output)
    result = report["results"][0]
    c1 = next(f for f in result["findings"] if f["rule"] == "C1")
    assert c1["outcome"] == "missing_data" and c1["missing_inputs"] == ["community.type"]
    assert {p["name"]: p.get("row") for p in result["parameters"]}["coverage_min"] is None
    text = run(str(profile), "--pack", str(PACK)).output
    assert "服务覆盖率要求 — 社区类型未填，无法取值" in text


def test_the_score_sheet_gives_the_table_and_the_method_names_it(tmp_path):
    out = tmp_path / "sheet.md"
    assert run("pack", "doc", str(PACK), "-o", str(out)).exit_code == 0
    sheet = out.read_text(encoding="utf-8")
    assert "| 服务覆盖率要求 | 按社区类型：城市型 90%；城乡结合型 85%；农村型 未设定 |" in sheet
    assert "| 专职工作人员最少人数 | 按户数：<1000 5；≥1000，<3000 7；3000户以上 9 |" in sheet
    assert "「服务覆盖率」 ≥ 「服务覆盖率要求」（按社区类型取值）得10分" in sheet
    assert "params." not in sheet


# -- errors, at the table ----------------------------------------------------------------------------------

MANIFEST = """\
pack:
  id: t
  version: 1.0.0
  title: 测试
  subject: community
  edition: test
  format: {format}
  sources: [{{id: t, title: 测试}}]
parameters:
{parameters}
dimensions:
  - {{id: D, title: 基础, weight: 100}}
scoring:
  not_applicable: exclude
  grades:
    - {{id: a, title: 达标, at_least: 60}}
    - {{id: b, title: 未达标, below: 60}}
"""

INPUTS = """\
inputs:
  community.type: {type: enum, values: [城市型, 农村型], title: 社区类型}
  households: {type: integer, title: 户数}
  rate: {type: percent, title: 比率}
rules:
  - id: R1
    dimension: D
    title: 比率达标
    points: 100
    require: rate >= params.p
"""


def pack_with(tmp_path: Path, parameter: str, fmt: int = 2) -> Path:
    root = tmp_path / "t"
    body = textwrap.indent(textwrap.dedent(parameter), "  ")
    write(root / "pack.yaml", MANIFEST.format(format=fmt, parameters=body.rstrip("\n")))
    write(root / "inputs.yaml", INPUTS)
    return root


@pytest.mark.parametrize(("parameter", "expected"), [
    ("p: {type: percent, title: 要求, by: comunity.type, rows: {城市型: 90}}",
     "t/pack.yaml:10:37: error[pack-param-table]: 'comunity.type' is not an input of the profile\n"
     "  hint: did you mean 'community.type'?"),
    ("p: {type: percent, title: 要求, by: community.type, rows: {城市: 90}}",
     "t/pack.yaml:10:60: error[pack-param-table]: '城市' is not a value of 'community.type' (城市型, 农村型)\n"
     "  hint: did you mean '城市型'?"),
    ("p: {type: percent, title: 要求, by: households, rows: {城市型: 90}}",
     "t/pack.yaml:10:55: error[pack-param-table]: rows need an input of kinds (enum or text); 'households' is "
     "integer\n  hint: use bands: for a number"),
    ("p: {type: percent, title: 要求, by: households, bands: [{below: 1000, value: 90}, {at_least: 999, value: 80}]}",
     "t/pack.yaml:10:83: error[pack-param-table]: bands go from the lowest up and do not overlap: this band starts "
     "before the one above it ends"),
    ("p: {type: percent, title: 要求, by: community.type, rows: {城市型: 很高}}",
     "t/pack.yaml:10:65: error[pack-param-type]: parameter 'p' must be a percentage"),
])
def test_a_table_that_does_not_fit_its_input_is_an_error_at_the_table(tmp_path, monkeypatch, parameter, expected):
    pack_with(tmp_path, parameter)
    monkeypatch.chdir(tmp_path)
    result = run("pack", "check", "t")
    assert result.exit_code == 2, result.output
    assert expected in result.output, result.output


def test_a_format_1_pack_cannot_use_a_table(tmp_path, monkeypatch):
    pack_with(tmp_path, "p: {type: percent, title: 要求, by: community.type, rows: {城市型: 90}}", fmt=1)
    monkeypatch.chdir(tmp_path)
    out = run("pack", "check", "t").output
    assert "t/pack.yaml:10:33: error[pack-format-key]: 'by' needs format: 2" in out
    assert "t/pack.yaml:10:53: error[pack-format-key]: 'rows' needs format: 2" in out


def test_an_overlay_replaces_the_rows(tmp_path, rural, monkeypatch):
    write(tmp_path / "district" / "pack.yaml", f"""\
        pack:
          id: district
          version: 1.0.0
          title: 区级
          subject: community
          edition: test
          format: 2
          extends: {PACK}
          sources: [{{id: d, title: 区级细则}}]
        overrides:
          parameters:
            coverage_min: {{rows: {{城市型: 95, 农村型: 80}}, title: 服务覆盖率要求（区定）}}
        """)
    monkeypatch.chdir(tmp_path)
    check = run("pack", "check", "district").output
    assert "parameter coverage_min: rows" in check and "0 error(s)" in check
    out = run(str(rural), "--pack", "district").output
    assert "服务覆盖率要求（区定） — 按社区类型「农村型」：80%" in out
