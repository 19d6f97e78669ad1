"""Reports for the renderer tests: the demo profile, and a hostile one whose texts try to be
formulas, markup and control characters (in the profile and in a rule title of a copied pack)."""

from __future__ import annotations

import shutil
from functools import cache
from pathlib import Path

from engine.api.engine import Engine

ROOT = Path(__file__).resolve().parent.parent
DEMO_PACK = ROOT / "tests" / "packs" / "demo"
DEMO_PROFILE = ROOT / "tests" / "profiles" / "demo-strong.yaml"

SCRIPT = "<script>alert('x')</script>"
# Staff names that a spreadsheet could read as a formula (or an error value)
FORMULAS = ["=cmd|' /C calc'!A0", "+SUM(1,2)", "-2+3", "@SUM(A1)", "\t=1+1", "\r=1+1", "#N/A", "＝1+1",
            " =HYPERLINK(\"http://x\")"]
RULE_TITLE = "=HYPERLINK(\"http://evil\",\"<b>点击</b>\")"  # the title given to rule D1.train

def _quoted(text: str) -> str:
    """Text inside a double-quoted YAML scalar."""
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\t", "\\t").replace("\r", "\\r")


HOSTILE_PROFILE = """\
profile:
  id: hostile
  name: "{} & \\"q\\" \\x01 | *b* [l](u) @all"
  year: 2024
party_members: {{total: 80, trained: 76, floating: 3}}
co_building: {{enterprise: true}}
venue:
  homes: [党员之家]
staff:
{}
""".format(SCRIPT, "\n".join(
    f'  - {{name: "{_quoted(name)}", scores: {{community: 50, enterprise: 70, residents: 55}}}}'
    for name in FORMULAS))


def hostile_pack(directory: Path) -> Path:
    """The demo pack with rule D1.train titled like a formula with markup, and a <script> pack title."""
    pack = directory / "hostile-pack"
    if not pack.exists():
        shutil.copytree(DEMO_PACK, pack)
        rules = pack / "rules" / "d1-organisation.yaml"
        text = rules.read_text(encoding="utf-8")
        old = "title: {zh: 党员年度培训率达标, en: Annual training rate reached}"
        assert old in text
        quoted = RULE_TITLE.replace("\\", "\\\\").replace('"', '\\"')
        rules.write_text(text.replace(old, f'title: {{zh: "{quoted}", en: "{quoted}"}}'), encoding="utf-8")
        meta = pack / "pack.yaml"
        text = meta.read_text(encoding="utf-8")
        old = "title: {zh: 示例社区考核（测试包）, en: Demo community assessment (test pack)}"
        assert old in text
        meta.write_text(text.replace(old, f'title: {{zh: "{SCRIPT}", en: "{SCRIPT}"}}'), encoding="utf-8")
    return pack


def hostile_profile(directory: Path) -> Path:
    path = directory / "hostile.yaml"
    path.write_text(HOSTILE_PROFILE, encoding="utf-8")
    return path


def assess(pack: Path, profile: Path):
    return Engine.from_dirs([pack], backend="reference").assess_file(profile)


@cache
def demo_report():
    return assess(DEMO_PACK, DEMO_PROFILE)


def hostile_report(directory: Path):
    return assess(hostile_pack(directory), hostile_profile(directory))
