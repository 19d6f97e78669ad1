"""Overlays of format 2 packs with `units:` and quotas, through the command line: an overlay inherits its base's
lists of units and may add lists of its own; it inherits `scoring.quotas` and `scoring.grade_quotas` and may
replace them under `overrides.scoring` (as it replaces the grades), with every error at the overlay's lines."""

from __future__ import annotations

import json
import shutil
import textwrap
from pathlib import Path

import yaml
from typer.testing import CliRunner

from engine.cli import app

ROOT = Path(__file__).resolve().parent.parent
PACKS = ROOT / "tests" / "packs"
runner = CliRunner()

OVERLAY = """\
pack:
  id: district
  version: 1.0.0
  title: {{zh: 区级细则, en: District rules}}
  subject: community
  edition: test
  format: {format}
  extends: ../{base}
"""


def run(*args: object):
    return runner.invoke(app, [str(a) for a in args])


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def overlay(tmp_path: Path, base: str, extra: str = "", fmt: int = 2) -> Path:
    """An overlay of a copy of tests/packs/BASE (and of the packs it names), with EXTRA appended."""
    for name in (base, "grid-sheet"):
        shutil.copytree(PACKS / name, tmp_path / name)
    write(tmp_path / "district" / "pack.yaml", OVERLAY.format(format=fmt, base=base) + textwrap.dedent(extra))
    return tmp_path / "district"


# -- units -----------------------------------------------------------------------------------------

GRID = "profile: {{name: {name}, subject: grid, year: 2024}}\nhouseholds: {{total: 100, visited: {visited}}}\n" \
       "events: 5\nincident: false\n"


def community(tmp_path: Path, lists: tuple[str, ...] = ("grids",)) -> Path:
    write(tmp_path / "sunny" / "units" / "a.yaml", GRID.format(name="一网格", visited=100))
    write(tmp_path / "sunny" / "units" / "b.yaml", GRID.format(name="二网格", visited=95))
    units = "".join(f"{name}: [{{file: units/a.yaml}}, {{file: units/b.yaml}}]\n" for name in lists)
    return write(tmp_path / "sunny" / "community.yaml",
                 "profile: {name: 阳光社区, subject: community, year: 2024}\n" + units)


def findings(result) -> dict[str, str]:
    assert result.exit_code == 0, result.output
    [report] = json.loads(result.stdout)["results"]
    return {finding["rule"]: finding["outcome"] for finding in report["findings"]}


def test_an_overlay_reads_the_units_of_its_base(tmp_path):
    pack = overlay(tmp_path, "rollup")
    expected = findings(run(community(tmp_path), "--pack", tmp_path / "rollup", "--format", "json"))
    assert findings(run(community(tmp_path), "--pack", pack, "--format", "json")) == expected
    assert expected == {"N1": "met", "N2": "met", "N3": "met", "N4": "met"}


def test_an_overlay_adds_a_list_of_units_of_its_own(tmp_path):
    pack = overlay(tmp_path, "rollup", """\
        units:
          cells: {pack: ../grid-sheet, title: {zh: 微网格, en: Cells}}
        rules:
          - id: C1
            kind: check
            title: {zh: 微网格均合格以上, en: Every cell passes}
            require: "all(cells, grade != 'fail')"
        """)
    check = run("pack", "check", pack)
    assert check.exit_code == 0, check.output
    assert "unit list cells: added" in check.output
    outcomes = findings(run(community(tmp_path, ("grids", "cells")), "--pack", pack, "--format", "json"))
    assert outcomes["C1"] == "met" and outcomes["N2"] == "met"


def test_a_list_of_units_the_base_declares_is_an_error_at_the_overlay(tmp_path):
    pack = overlay(tmp_path, "rollup", "units:\n  grids: {pack: ../grid-sheet}\n")
    result = run("pack", "check", pack)
    assert result.exit_code == 2
    assert (f"{pack / 'pack.yaml'}:10:3: error[pack-duplicate]: unit list 'grids' is already declared by the base "
            "pack") in result.output


# -- quotas ----------------------------------------------------------------------------------------

TEN = [("甲", 96, 94), ("乙", 92, 92), ("丙", 90, 94), ("丁", 86, 84), ("戊", 84, 84), ("己", 82, 82), ("庚", 80, 80),
       ("辛", 78, 80), ("壬", 76, 76), ("癸", 76, 76)]
MOVED_DOWN = "乙、丙：由优秀调为称职（优秀不超过20%：10人中至多2人；同分并列整体调整）"
AT_LEAST = "壬、癸：由称职调为基本称职（基本称职及以下不少于10%：10人中至少1人；同分并列整体调整）"


def ten_staff(tmp_path: Path) -> Path:
    data = {"profile": {"id": "ten", "name": "十人社区", "subject": "community", "year": 2024},
            "community": {"type": "城市型", "street": "东街道"}, "work": {"score": 90},
            "staff": [{"name": n, "scores": {"community": c, "residents": r}} for n, c, r in TEN]}
    path = tmp_path / "ten.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def test_an_overlay_keeps_the_quotas_of_its_base(tmp_path):
    pack = overlay(tmp_path, "quotas")
    result = run(ten_staff(tmp_path), "--pack", pack)
    assert result.exit_code == 0, result.output
    assert MOVED_DOWN in result.stdout and AT_LEAST in result.stdout


def test_an_overlay_replaces_the_band_and_grade_quotas(tmp_path):
    pack = overlay(tmp_path, "quotas", """\
        overrides:
          scoring:
            quotas:
              - {rule: R2.staff, band: excellent, at_most: 30%, order_by: composite}
            grade_quotas: []
        """)
    check = run("pack", "check", pack)
    assert check.exit_code == 0, check.output
    assert ("district/pack.yaml:12:7: scoring: quotas R2.staff excellent ≤ 20%; R2.staff basic ≥ 10%; "
            "R3.volunteers star ≤ 1; R3.volunteers star ≤ params.star_share → R2.staff excellent ≤ 30%") in check.output
    assert "district/pack.yaml:13:19: scoring: grade_quotas excellent ≤ params.excellent_share → none" in check.output
    result = run(ten_staff(tmp_path), "--pack", pack)
    assert result.exit_code == 0, result.output
    assert "由优秀调为称职" not in result.stdout and "由称职调为基本称职" not in result.stdout  # 3 of 10 may be 优秀


def test_a_batch_ranks_by_the_overlays_grade_quotas(tmp_path):
    pack = overlay(tmp_path, "quotas", """\
        overrides:
          scoring:
            grade_quotas: [{grade: excellent, at_most: 1}]
        """)
    batch = tmp_path / "batch"
    for pid in ("a", "b"):
        write(batch / f"{pid}.yaml", ten_staff(tmp_path).read_text(encoding="utf-8").replace("id: ten", f"id: {pid}"))
    result = run(batch, "--pack", pack, "--backend", "reference", "-j", "1", "--summary-format", "json")
    assert result.exit_code == 0, result.output
    [group] = json.loads(result.stdout)["groups"]
    [quota] = group["quotas"]
    assert (quota["grade"], quota["allowed"]) == ("excellent", 1)


def test_an_error_in_the_overlays_quotas_is_at_the_overlays_line(tmp_path):
    pack = overlay(tmp_path, "quotas", """\
        overrides:
          scoring:
            quotas:
              - {rule: R9, band: excellent, at_most: 20%, order_by: composite}
            grade_quotas: [{grade: outstanding, at_most: 1}]
        """)
    result = run("pack", "check", pack)
    assert result.exit_code == 2
    assert f"{pack / 'pack.yaml'}:12:" in result.output and "error[band-quota]: no rule 'R9'" in result.output
    assert f"{pack / 'pack.yaml'}:13:" in result.output and "error[grade-quota]" in result.output


def test_quotas_in_an_overlay_need_format_2(tmp_path):
    pack = overlay(tmp_path, "quotas", "overrides:\n  scoring:\n    grade_quotas: []\n", fmt=1)
    result = run("pack", "check", pack)
    assert result.exit_code == 2
    assert f"{pack / 'pack.yaml'}:" in result.output
    assert "error[pack-format-key]: 'grade_quotas' needs format: 2" in result.output
