"""The manifest of a minimal pack, for tests that build small packs in a temporary directory."""

from __future__ import annotations

HEAD = """\
pack:
  id: t
  version: 1
  title: 测试
  subject: community
  edition: "2024"
  sources:
    - {id: s, title: 来源}
"""

GRADES = """\
    - {id: good, title: 好, at_least: 60}
    - {id: bad, title: 差, below: 60}
"""


def manifest(parameters: str = "", grades: str = GRADES) -> str:
    """pack.yaml of a pack `t` with one dimension D1 of 100 points and two grades; `parameters` is the
    YAML of a `parameters:` section (with its heading), or nothing."""
    return HEAD + parameters + "dimensions:\n  - {id: D1, title: 组织, weight: 100}\nscoring:\n  grades:\n" + grades
