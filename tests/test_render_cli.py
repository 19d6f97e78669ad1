"""`assess render`: a saved JSON report in another format or language; output files; lazy imports."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from report_inputs import DEMO_PACK, DEMO_PROFILE, ROOT
from typer.testing import CliRunner

from engine.cli import app
from engine.report import FORMATS
from engine.report.load import JsonPositions

runner = CliRunner()
CASES = [(str(DEMO_PROFILE), ["--pack", str(DEMO_PACK)])] + [
    (f"profiles/{p.name}", []) for p in sorted((ROOT / "profiles").glob("*.yaml"))]


def run(*args: str):
    return runner.invoke(app, list(args), catch_exceptions=False)


def saved_json(tmp_path: Path, profile: str, packs: list[str]) -> Path:
    out = tmp_path / (Path(profile).stem + ".json")
    result = run(profile, *packs, "--format", "json", "--output", str(out), "--backend", "reference")
    assert result.exit_code == 0, result.output
    return out


@pytest.mark.parametrize("profile, packs", CASES, ids=[Path(c[0]).stem for c in CASES])
def test_round_trip_text_equals_direct_text(profile, packs, tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)
    saved = saved_json(tmp_path, profile, packs)
    for lang in ("zh", "en"):
        direct = run(profile, *packs, "--lang", lang, "--backend", "reference")
        rendered = run("render", str(saved), "--lang", lang)
        assert rendered.exit_code == 0, rendered.output
        assert rendered.stdout == direct.stdout
        assert "tests/profiles" in rendered.stdout or "profiles/" in rendered.stdout


def test_every_text_format_renders_the_same_from_json(tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)
    saved = saved_json(tmp_path, str(DEMO_PROFILE), ["--pack", str(DEMO_PACK)])
    for fmt in [f for f in FORMATS if f != "xlsx"]:
        direct = run(str(DEMO_PROFILE), "--pack", str(DEMO_PACK), "--format", fmt, "--lang", "en",
                     "--backend", "reference")
        rendered = run("render", str(saved), "--format", fmt, "--lang", "en")
        assert rendered.exit_code == 0 and rendered.stdout == direct.stdout, fmt
    assert run("render", str(saved), "--format", "json").stdout == saved.read_text(encoding="utf-8")


def test_xlsx_needs_an_output_file(tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)
    result = run(str(DEMO_PROFILE), "--pack", str(DEMO_PACK), "--format", "xlsx", "--backend", "reference")
    assert result.exit_code == 2 and "error[usage]: --format xlsx writes a binary file" in result.output
    assert "--output" in result.output and "Traceback" not in result.output
    direct, rendered = tmp_path / "direct.xlsx", tmp_path / "rendered.xlsx"
    assert run(str(DEMO_PROFILE), "--pack", str(DEMO_PACK), "--format", "xlsx", "-o", str(direct),
               "--backend", "reference").exit_code == 0
    saved = saved_json(tmp_path, str(DEMO_PROFILE), ["--pack", str(DEMO_PACK)])
    assert run("render", str(saved), "--format", "xlsx").exit_code == 2
    assert run("render", str(saved), "--format", "xlsx", "--output", str(rendered)).exit_code == 0
    assert direct.read_bytes()[:2] == b"PK" and direct.read_bytes() == rendered.read_bytes()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temporary files left


def test_html_to_a_file(tmp_path):
    out = tmp_path / "report.html"
    result = run(str(DEMO_PROFILE), "--pack", str(DEMO_PACK), "--format", "html", "-o", str(out),
                 "--backend", "reference")
    assert result.exit_code == 0 and result.stdout == ""
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def test_bad_reports_are_diagnostics_with_positions(tmp_path):
    broken = tmp_path / "broken.json"
    broken.write_text('{\n  "schema_version": "1",\n  "results": [\n', encoding="utf-8")
    result = run("render", str(broken))
    assert result.exit_code == 2 and f"{broken}:4:1: error[json]: invalid JSON" in result.output

    old = tmp_path / "old.json"
    old.write_text('{\n  "schema_version": "0",\n  "results": []\n}\n', encoding="utf-8")
    result = run("render", str(old))
    assert result.exit_code == 2
    assert f"{old}:2:21: error[report-schema-version]: the report has schema version '0'; this engine reads " \
           "schema version '1'" in result.output
    assert "hint: re-create it" in result.output

    other = tmp_path / "other.json"
    other.write_text('{"name": "not a report"}', encoding="utf-8")
    assert "error[not-a-report]" in run("render", str(other)).output

    report = json.loads(run(str(DEMO_PROFILE), "--pack", str(DEMO_PACK), "--format", "json",
                            "--backend", "reference").stdout)
    report["results"][0]["total"] = "high"
    report["results"][0]["surprise"] = 1
    wrong = tmp_path / "wrong.json"
    text = json.dumps(report, ensure_ascii=False, indent=2)
    wrong.write_text(text, encoding="utf-8")
    result = run("render", str(wrong))
    assert result.exit_code == 2 and "Traceback" not in result.output
    line = next(i for i, t in enumerate(text.splitlines(), 1) if t.strip() == '"total": "high",')
    assert f"{wrong}:{line}:16: error[report-invalid]: results.0.total: Input should be a valid number" \
           in result.output
    assert "results.0.surprise: Extra inputs are not permitted" in result.output

    assert "error[io]" in run("render", str(tmp_path / "absent.json")).output


def test_json_positions():
    text = '{\n "a": [1, {"b": "x\\"y"}],\n "c": null\n}'
    positions = JsonPositions(text)
    assert positions.at(("a", 1, "b")) == (2, 17)
    assert positions.at(("c",)) == (3, 7)
    assert positions.at(("a", 5, "z")) == (2, 7)  # an absent path: its nearest parent


def test_text_assessment_does_not_import_report_libraries():
    code = (
        "import sys\n"
        "from typer.testing import CliRunner\n"
        "from engine.cli import app\n"
        f"result = CliRunner().invoke(app, [{str(DEMO_PROFILE)!r}, '--pack', {str(DEMO_PACK)!r}, "
        "'--backend', 'reference'])\n"
        "assert result.exit_code == 0, result.output\n"
        "print(sorted(m for m in ('openpyxl', 'jinja2', 'engine.report.formats.xlsx', 'engine.report.formats.html') "
        "if m in sys.modules))\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
    # and the libraries are there for the formats that need them
    code = code.replace("'--backend', 'reference']", "'--backend', 'reference', '--format', 'html']")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert done.returncode == 0 and "jinja2" in done.stdout
