"""Roll-up (pack format 2, `units:`), through the command line: the units a community profile lists —
files inside its folder, or profiles written in place — are assessed by their own pack and the community's
rules read their results, on both backends and in a batch; unit files outside the profile's folder are
never read; missing or invalid unit profiles are errors at their positions; a unit whose grade is withheld
makes the rules that read the list missing data. The construct packs tests/packs/rollup (with its units'
pack tests/packs/grid-sheet) run their cases on both backends through the pytest plugin."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
from typer.testing import CliRunner

from engine.backends import durable_available
from engine.cli import app

BACKENDS = ["reference"] + (["durable"] if durable_available()[0] else [])  # durable: not on every Python
ROOT = Path(__file__).resolve().parent.parent
PACK = ROOT / "tests" / "packs" / "rollup"
runner = CliRunner()

GRID = """\
profile: {{name: {name}, subject: grid, year: 2024}}
households: {{total: 200, visited: {visited}}}
events: 5
incident: false
"""

COMMUNITY = """\
profile: {name: 阳光社区, subject: community, year: 2024}
grids:
  - {file: units/grid-1.yaml}
  - {file: units/grid-2.yaml}
  - profile: {name: 三网格, subject: grid, year: 2024}
    households: {total: 100, visited: 95}
    events: 5
    incident: false
"""


def run(*args: str):
    return runner.invoke(app, list(args), catch_exceptions=False)


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


@pytest.fixture()
def community(tmp_path: Path) -> Path:
    write(tmp_path / "sunny" / "units" / "grid-1.yaml", GRID.format(name="一网格", visited=190))
    write(tmp_path / "sunny" / "units" / "grid-2.yaml", GRID.format(name="二网格", visited=100))
    return write(tmp_path / "sunny" / "community.yaml", COMMUNITY)


@pytest.mark.parametrize("backend", BACKENDS)
def test_the_community_rules_read_the_units_results(community, backend):
    result = run(str(community), "--pack", str(PACK), "--backend", backend, "--format", "json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)["results"][0]
    outcomes = {f["rule"]: f["outcome"] for f in report["findings"]}
    assert outcomes == {"N1": "met", "N2": "met", "N3": "met", "N4": "not_met"}  # 二网格 visited 50 %: fails
    n4 = next(f for f in report["findings"] if f["rule"] == "N4")
    assert {s["label"]: s["outcome"] for s in n4["subjects"]} == {"一网格": "met", "二网格": "not_met",
                                                                 "三网格": "met"}
    assert report["total"] == 100


def test_the_text_report_lists_each_unit(community):
    result = run(str(community), "--pack", str(PACK))
    assert result.exit_code == 0, result.output
    assert "二网格    40  fail       否          否                  100%  未达标" in result.output  # N4's table


def test_a_batch_assesses_the_units_of_each_profile(community, tmp_path):
    other = write(tmp_path / "sunny" / "other.yaml", COMMUNITY.replace("阳光社区", "月亮社区").replace(
        "  - {file: units/grid-2.yaml}\n", ""))
    result = run(str(community), str(other), "--pack", str(PACK), "--jobs", "2")
    assert result.exit_code == 0, result.output
    assert "阳光社区" in result.output and "月亮社区" in result.output and "2/2" in result.output


@pytest.mark.parametrize("written", ["../outside.yaml", "/etc/passwd", "units/../../outside.yaml"])
def test_a_unit_file_outside_the_profile_folder_is_never_read(community, written):
    write(community.parent.parent / "outside.yaml", GRID.format(name="外网格", visited=190))
    community.write_text(COMMUNITY.replace("units/grid-2.yaml", written), encoding="utf-8")
    result = run(str(community), "--pack", str(PACK))
    assert result.exit_code == 2
    assert f"community.yaml:4:12: error[unit-outside]: the unit file '{written}' is outside this profile's folder" \
        in result.output


def test_a_link_that_leads_out_of_the_folder_is_outside(community):
    outside = write(community.parent.parent / "outside.yaml", GRID.format(name="外网格", visited=190))
    (community.parent / "units" / "link.yaml").symlink_to(outside)
    community.write_text(COMMUNITY.replace("units/grid-2.yaml", "units/link.yaml"), encoding="utf-8")
    result = run(str(community), "--pack", str(PACK))
    assert result.exit_code == 2 and "error[unit-outside]" in result.output


def test_a_missing_unit_file_is_an_error_at_its_entry(community):
    community.write_text(COMMUNITY.replace("grid-2.yaml", "grid-9.yaml"), encoding="utf-8")
    result = run(str(community), "--pack", str(PACK))
    assert result.exit_code == 2
    assert "community.yaml:4:12: error[unit-file]: no unit profile at 'units/grid-9.yaml'" in result.output


def test_an_invalid_unit_profile_is_an_error_in_its_own_file(community):
    write(community.parent / "units" / "grid-2.yaml", GRID.format(name="二网格", visited="很多"))
    result = run(str(community), "--pack", str(PACK))
    assert result.exit_code == 2
    assert "units/grid-2.yaml:2:35: error[type]: households.visited must be a whole number" in result.output


def test_an_invalid_unit_written_in_place_is_an_error_at_its_place(community):
    community.write_text(COMMUNITY.replace("events: 5", "events: -1"), encoding="utf-8")
    result = run(str(community), "--pack", str(PACK))
    assert result.exit_code == 2
    assert "community.yaml:7:13: error[" in result.output


def test_an_entry_that_is_not_a_unit_is_an_error(community):
    community.write_text(COMMUNITY.replace("{file: units/grid-1.yaml}", "units/grid-1.yaml"), encoding="utf-8")
    result = run(str(community), "--pack", str(PACK))
    assert result.exit_code == 2
    assert "community.yaml:3:5: error[unit-entry]: a unit is {file: PATH} or a unit's profile written in place" \
        in result.output


def test_a_withheld_unit_makes_the_rules_that_read_the_list_missing_data(community):
    write(community.parent / "units" / "grid-2.yaml", "profile: {name: 二网格, subject: grid, year: 2024}\n"
                                                      "events: 5\nincident: false\n")
    saved = community.parent / "r.json"
    result = run(str(community), "--pack", str(PACK), "--format", "json", "--output", str(saved))
    assert result.exit_code == 0, result.output
    report = json.loads(saved.read_text(encoding="utf-8"))
    assert {f["outcome"] for f in report["results"][0]["findings"]} == {"missing_data"}
    warning = next(w for w in report["warnings"] if w["code"] == "unit-withheld")
    assert warning["line"] == 4 and "二网格" in warning["message"]


def test_units_need_format_2(tmp_path):
    pack = tmp_path / "pack"
    for path in PACK.rglob("*.yaml"):
        write(pack / path.relative_to(PACK), path.read_text(encoding="utf-8"))
    (pack / "pack.yaml").write_text((PACK / "pack.yaml").read_text(encoding="utf-8").replace(
        "  format: 2\n", "").replace("../grid-sheet", str(ROOT / "tests" / "packs" / "grid-sheet")),
        encoding="utf-8")
    result = run("pack", "check", str(pack))
    assert "pack.yaml:9:1: error[pack-format-key]: 'units' needs format: 2" in result.output


def test_a_unit_pack_that_is_not_there_is_an_error_at_its_name(tmp_path):
    pack = tmp_path / "pack"
    write(pack / "pack.yaml", (PACK / "pack.yaml").read_text(encoding="utf-8").replace("../grid-sheet",
                                                                                         "../grid-shet"))
    result = run("pack", "check", str(pack))
    assert result.exit_code == 2
    assert "pack.yaml:12:11: error[unit-pack]: no pack to assess the units at '../grid-shet'" in result.output


def test_the_profile_template_asks_for_the_units_files():
    result = run("profile", "init", "--pack", str(PACK))
    assert result.exit_code == 0, result.output
    assert "# 网格：每个单位一个档案文件（放在本档案所在文件夹内），由考核包 grid 评定，例如：\n" \
           "#   - {file: units/grids-1.yaml}\ngrids:" in result.output
    assert "withheld" not in result.output
