"""Overlays that extend, not only patch (format 2), through the command line: fields added to the elements
of a base's list, fields removed and retitled, a derived value redefined, parameters and inputs retitled; and
every error an overlay causes reported at the overlay's own lines, never inside the base's files. The
construct pack tests/packs/overlay-staff (a 30/10/60 staff evaluation on the shipped community pack) runs its
cases on both backends through the pytest plugin."""

from __future__ import annotations

import json
import re
import textwrap
from pathlib import Path

import pytest
from typer.testing import CliRunner

from engine.cli import app

ROOT = Path(__file__).resolve().parent.parent
STAFF = ROOT / "tests" / "packs" / "overlay-staff"
runner = CliRunner()
POSITION = re.compile(r"^(\S+?):(\d+):(\d+): error\[", re.M)

MANIFEST = """\
pack:
  id: district
  version: "2024.1"
  title: {zh: 区级细则, en: District sheet}
  subject: community
  edition: "2024"
  extends: community
  sources:
    - {id: district, title: 区级考核细则}
"""

PROFILE = """\
profile: {id: s, subject: community, year: 2024}
co_building: {enterprise_present: false}
staff:
  - {name: 张三, scores: {street: 90, party: 80, residents: 95}}
  - {name: 李四, scores: {street: 50, party: 60, residents: 55}}
"""


def run(*args: str):
    return runner.invoke(app, list(args), catch_exceptions=False)


def district(tmp_path: Path, body: str, *, format_2: bool = False) -> Path:
    pack = tmp_path / "district"
    pack.mkdir()
    manifest = MANIFEST.replace("  extends:", "  format: 2\n  extends:") if format_2 else MANIFEST
    (pack / "pack.yaml").write_text(manifest + textwrap.dedent(body), encoding="utf-8")
    return pack


def error_files(output: str) -> set[str]:
    return {match.group(1) for match in POSITION.finditer(output)}


@pytest.fixture()
def profile(tmp_path: Path) -> Path:
    path = tmp_path / "p.yaml"
    path.write_text(PROFILE, encoding="utf-8")
    return path


# -- the extra `staff` field that gave 19 errors in the base pack ----------------------------------------

EXTRA_FIELD = """\
inputs:
  staff.scores.street: {type: number, min: 0, max: 100, title: 街道考评}
"""


@pytest.mark.parametrize("command", ["check", "assess"])
def test_an_extra_staff_field_is_one_error_at_the_overlay(tmp_path, profile, monkeypatch, command):
    pack = district(tmp_path, EXTRA_FIELD)
    monkeypatch.chdir(tmp_path)
    result = run("pack", "check", "district") if command == "check" else run(str(profile), "--pack", "district")
    assert result.exit_code == 2, result.output
    assert error_files(result.output) == {"district/pack.yaml"}, result.output
    assert len(POSITION.findall(result.output)) == 1, result.output
    assert "district/pack.yaml:11:3: error[pack-input-shape]: 'staff.scores.street' is inside the base pack's " \
           "input 'staff', a list of objects" in result.output
    assert "add_fields: {scores.street: …}" in result.output
    assert "rules/community" not in result.output
    assert pack.is_dir()


def test_redeclaring_staff_is_one_error_at_the_overlay_with_the_way_to_extend_it(tmp_path, monkeypatch):
    district(tmp_path, """\
        inputs:
          staff:
            type: list
            items: {type: object, fields: {scores.street: {type: number}}}
        """)
    monkeypatch.chdir(tmp_path)
    result = run("pack", "check", "district")
    assert result.exit_code == 2
    assert "district/pack.yaml:11:3: error[pack-duplicate]: input 'staff' is already declared by the base pack" \
        in result.output
    assert "overrides.inputs.staff (format 2)" in result.output
    assert error_files(result.output) == {"district/pack.yaml"}


def test_the_format_2_way_needs_format_2(tmp_path, monkeypatch):
    district(tmp_path, """\
        overrides:
          inputs:
            staff: {add_fields: {scores.street: {type: number}}}
          parameters:
            w_residents: {default: 0.6}
        """)
    monkeypatch.chdir(tmp_path)
    result = run("pack", "check", "district")
    assert result.exit_code == 2
    assert "district/pack.yaml:11:3: error[pack-format-key]: 'inputs' needs format: 2" in result.output
    assert "district/pack.yaml:14:19: error[pack-format-key]: 'default' needs format: 2" in result.output


# -- errors an overlay causes in its base: at the overlay's change ----------------------------------------

BREAKING = """\
overrides:
  inputs:
    staff:
      fields:
        scores.enterprise: {removed: true}
        scores.comunity: {title: 社区评分}
  derived:
    training_rate: {expr: "ratio(party_members.trained, party_members.totl)"}
  parameters:
    w_community: {default: abc}
"""


@pytest.mark.parametrize("command", ["check", "assess"])
def test_every_error_an_overlay_causes_is_at_the_overlay(tmp_path, profile, monkeypatch, command):
    district(tmp_path, BREAKING, format_2=True)
    monkeypatch.chdir(tmp_path)
    result = run("pack", "check", "district") if command == "check" else run(str(profile), "--pack", "district")
    assert result.exit_code == 2, result.output
    assert error_files(result.output) == {"district/pack.yaml"}, result.output
    out = result.output
    # removing a field the base's composite and R7.1 read: once, at the removal, naming the first place
    assert re.search(r"district/pack\.yaml:15:\d+: error\[pack-overlay-breaks\]: this change of the overlay breaks "
                     r"the base pack in \d+ places; first at \S+inputs\.yaml:\d+:\d+: unknown input, derived value "
                     r"or field 'scores\.enterprise'", out), out
    assert "district/pack.yaml:16:9: error[pack-overlay-unknown]: the elements of 'staff' have no field " \
           "'scores.comunity'" in out and "did you mean 'scores.community'?" in out
    assert "district/pack.yaml:18:57: error[expr-unknown-name]: unknown input or derived value " \
           "'party_members.totl'" in out
    assert "district/pack.yaml:20:28: error[pack-param-type]: parameter 'w_community' must be a number" in out
    assert len(POSITION.findall(out)) == 4, out


def test_unknown_targets_of_the_new_sections_have_a_did_you_mean(tmp_path, monkeypatch):
    district(tmp_path, """\
        overrides:
          inputs:
            staf: {title: 工作人员}
          derived:
            staff.composit: {title: 综合}
        """, format_2=True)
    monkeypatch.chdir(tmp_path)
    out = run("pack", "check", "district").output
    assert "error[pack-overlay-unknown]: the base pack has no input 'staf'" in out
    assert "error[pack-overlay-unknown]: the base pack has no derived value 'staff.composit'" in out
    assert "did you mean 'staff.composite'?" in out


# -- the 30/10/60 overlay: its raters, its words -----------------------------------------------------------

def test_the_check_lists_every_extension_with_its_line(monkeypatch):
    monkeypatch.chdir(STAFF.parent)
    out = run("pack", "check", "overlay-staff").output
    assert "0 error(s)" in out and "param-unread" not in out
    for change in ("input staff: field scores.street added", "input staff: field scores.enterprise removed",
                   "input staff: title 社区工作人员联合考评（4:3:3） → 社区工作人员考评（30/10/60）",
                   "input staff: field scores.residents title 居民考评 → 居民测评",
                   "parameter w_residents: default 0.3 → 0.6",
                   "parameter w_residents: title 工作人员考评：居民考评权重 → 工作人员考评：居民测评权重",
                   "derived value staff.composite: expr round( if(co_building.enterprise_present,",
                   "dimension D7: title 队伍建设与考评 → 工作人员考评", "rule R7.2: notes",
                   "parameter w_enterprise: removed"):
        assert change in out, change


@pytest.mark.parametrize("fmt", ["text", "json", "html", "markdown"])
def test_the_report_speaks_of_the_overlays_raters(tmp_path, profile, fmt):
    out_file = tmp_path / f"report.{fmt}"
    result = run(str(profile), "--pack", str(STAFF), "--format", fmt, "-o", str(out_file))
    assert result.exit_code == 0, result.output
    text = out_file.read_text(encoding="utf-8")
    shown = ("街道考评", "党组织考评", "居民测评", "30/10/60") if fmt != "markdown" else ()  # markdown: no tables
    for word in shown:
        assert word in text, word
    for word in ("4:3:3", "企业考评", "4:3归一", "社区考评"):
        assert word not in text, word


def test_the_score_sheet_workbook_speaks_of_the_overlays_raters(tmp_path, profile):
    openpyxl = pytest.importorskip("openpyxl")
    out_file = tmp_path / "report.xlsx"
    assert run(str(profile), "--pack", str(STAFF), "--format", "xlsx", "-o", str(out_file)).exit_code == 0
    book = openpyxl.load_workbook(out_file)
    cells = " ".join(str(cell.value) for sheet in book.worksheets for row in sheet.iter_rows() for cell in row
                     if cell.value is not None)
    assert "街道考评" in cells and "30/10/60" in cells
    for word in ("4:3:3", "企业考评", "4:3归一"):
        assert word not in cells, word


def test_the_composite_is_the_overlays_in_the_json_table(tmp_path, profile):
    result = run(str(profile), "--pack", str(STAFF), "--format", "json")
    report = json.loads(result.output)
    table = report["results"][0]["tables"][0]
    keys = [column["key"] for column in table["columns"]]
    assert "scores.street" in keys and "scores.enterprise" not in keys and "scores.community" not in keys
    composite = {row["label"]: row["values"]["composite"] for row in table["rows"]}
    assert composite == {"张三": 92, "李四": 54}


def test_a_derived_value_redefined_as_text_is_blamed_on_its_expression(tmp_path, monkeypatch):
    district(tmp_path, """\
        overrides:
          dimensions:
            D7: {title: 队伍}
          derived:
            staff.composite: {expr: "'优秀'"}
            training_rate: {title: 培训率}
        """, format_2=True)
    monkeypatch.chdir(tmp_path)
    out = run("pack", "check", "district").output
    assert error_files(out) == {"district/pack.yaml"}, out
    assert re.search(r"^district/pack\.yaml:15:\d+: error\[pack-overlay-breaks\]: this change of the overlay breaks "
                     r"the base pack in \d+ places; first at \S+d7-staff\.yaml:\d+:\d+: cannot order string and "
                     r"number", out, re.M), out
    assert len(POSITION.findall(out)) == 1, out
