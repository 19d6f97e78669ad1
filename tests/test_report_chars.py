"""Every writer makes a valid file for any text a profile can hold, and the batch summary workbook is
reproducible.

A YAML escape can put into a profile any character but a lone surrogate: U+FFFE, U+FFFF, the C0 and C1
controls, U+2028, U+202E. XML 1.0 (xlsx, JUnit) and HTML forbid some of them; each writer shows those as
U+FFFD (engine/report/formats/chars.py) and keeps every character it may hold.
"""

from __future__ import annotations

import io
import json
import re
import xml.etree.ElementTree as ET
import zipfile
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from engine.cli import app
from engine.report.formats.chars import NOT_SHOWN
from engine.source import load as source

ROOT = Path(__file__).resolve().parent.parent
DEMO = str(ROOT / "tests" / "packs" / "demo")
STRONG = ROOT / "tests" / "profiles" / "demo-strong.yaml"
runner = CliRunner()

# Written as YAML escapes: the file itself holds only printable characters.
ODD = r"甲\uFFFE乙\uFFFF丙\x85丁\u2028戊\u202E己\x01\x1B\x7F\x0C庚\U0001FFFE辛"


def odd_profile(directory: Path, name: str = "odd.yaml", pid: str = "odd") -> Path:
    text = STRONG.read_text(encoding="utf-8")
    text = text.replace("id: demo-strong", f"id: {pid}").replace("name: 示范社区", f'name: "{ODD}"')
    text = text.replace("{name: 张三,", f'{{name: "张{ODD}",')
    path = directory / name
    path.write_text(text, encoding="utf-8")
    loaded = source.load_yaml(path).data
    assert loaded["profile"]["name"] == yaml.safe_load(f'x: "{ODD}"')["x"]  # the characters really are there
    return path


def write(profile: Path, fmt: str, out: Path) -> Path:
    result = runner.invoke(app, [str(profile), "--pack", DEMO, "--backend", "reference", "--format", fmt,
                                 "-o", str(out)])
    assert result.exit_code == 0, result.stderr
    return out


def assert_shown(text: str) -> None:
    assert not NOT_SHOWN.search(text)
    assert "甲\ufffd乙\ufffd丙\ufffd丁\u2028戊\u202e己\ufffd\ufffd\ufffd\ufffd庚\ufffd辛" in text


def test_the_score_sheet_workbook_opens(tmp_path):
    from openpyxl import load_workbook

    book = load_workbook(write(odd_profile(tmp_path), "xlsx", tmp_path / "r.xlsx"))
    texts = [cell.value for ws in book.worksheets for row in ws.iter_rows() for cell in row
             if isinstance(cell.value, str)]
    assert any("甲\ufffd乙" in t for t in texts) and any("张甲\ufffd乙" in t for t in texts)
    assert_shown(next(t for t in texts if "甲" in t))
    assert_shown(book.properties.title)


def test_junit_parses(tmp_path):
    text = write(odd_profile(tmp_path), "junit", tmp_path / "r.xml").read_text(encoding="utf-8")
    root = ET.fromstring(text.encode("utf-8"))
    assert_shown(root.get("name"))
    assert_shown(text)


def test_sarif_is_valid_json_with_the_same_texts(tmp_path):
    jsonschema = pytest.importorskip("jsonschema")
    from test_report_sarif import official_schema

    text = write(odd_profile(tmp_path), "sarif", tmp_path / "r.sarif").read_text(encoding="utf-8")
    log = json.loads(text)
    assert list(jsonschema.Draft4Validator(official_schema()).iter_errors(log)) == []
    texts = list(strings(log))
    assert not any(NOT_SHOWN.search(t) for t in texts)
    assert any("甲\ufffd乙" in t for t in texts)


def strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings(item)


def test_html_has_no_character_html_forbids(tmp_path):
    text = write(odd_profile(tmp_path), "html", tmp_path / "r.html").read_text(encoding="utf-8")
    parser = HTMLParser()
    parser.feed(text)
    parser.close()
    assert_shown(text)
    assert not re.search("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff]", text)


def test_the_batch_summary_workbook_opens_and_is_reproducible(tmp_path):
    from openpyxl import load_workbook

    odd = odd_profile(tmp_path)
    args = [str(odd), str(STRONG), "--pack", DEMO, "--backend", "reference", "-j", "1"]
    first, second = tmp_path / "a.xlsx", tmp_path / "b.xlsx"
    for out in (first, second):
        result = runner.invoke(app, [*args, "-o", str(out)])
        assert result.exit_code == 0, result.stderr
    book = load_workbook(first)
    names = [cell.value for row in book.worksheets[0].iter_rows() for cell in row if isinstance(cell.value, str)]
    assert any("甲\ufffd乙" in name for name in names)
    assert first.read_bytes() == second.read_bytes()  # no time of day inside
    with zipfile.ZipFile(io.BytesIO(first.read_bytes())) as archive:
        core = archive.read("docProps/core.xml").decode("utf-8")
    assert "2000-01-01T00:00:00Z" in core


@pytest.mark.parametrize("escape", [r"\ud800", r"\uDFFF", r"\ud83d\ude00"])
def test_a_lone_surrogate_escape_is_a_positioned_error_with_either_parser(tmp_path, monkeypatch, escape):
    """libyaml refuses a surrogate escape; PyYAML's own parser (used where libyaml is missing) does too now."""
    text = STRONG.read_text(encoding="utf-8").replace("name: 示范社区", f'name: "x{escape}y"')
    profile = tmp_path / "surrogate.yaml"
    profile.write_text(text, encoding="utf-8")
    line = next(i for i, t in enumerate(text.splitlines(), 1) if escape in t)
    for libyaml in (True, False):
        monkeypatch.setattr(source, "USE_LIBYAML", libyaml and source.yaml.__with_libyaml__)
        result = runner.invoke(app, [str(profile), "--pack", DEMO, "--backend", "reference", "--format", "json"])
        assert result.exit_code == 2, (libyaml, result.stdout, result.stderr)
        assert f"{profile}:{line}:" in result.stderr and "error[yaml-syntax]" in result.stderr
        assert "invalid Unicode character escape" in result.stderr
