"""Every pack's own cases run through the pytest plugin (engine/pytest_plugin.py): one test per case.

`pytest` collects tests/packs/*/tests/*.yaml and rules/*/tests/*.yaml itself
(testpaths include rules/); this module checks that every pack has cases and
that the plugin collects and reports them as it should.
"""

from __future__ import annotations

import os
import subprocess
import sys
from importlib.metadata import entry_points
from pathlib import Path

from engine.testing.cases import case_files, load_cases

ROOT = Path(__file__).resolve().parent.parent
PACKS = sorted(p for base in (ROOT / "tests" / "packs", ROOT / "rules") if base.is_dir()
               for p in base.iterdir() if (p / "pack.yaml").is_file())


def plugin_args() -> list[str]:
    """Load the plugin explicitly only where it is not installed as an entry point (never twice)."""
    installed = not os.environ.get("PYTEST_DISABLE_PLUGIN_AUTOLOAD") and any(
        ep.value == "engine.testing.pytest_plugin" for ep in entry_points(group="pytest11"))
    return [] if installed else ["-p", "engine.testing.pytest_plugin"]


def pytest_run(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *args],
                          capture_output=True, text=True, cwd=cwd, env=env)


def test_every_pack_has_cases():
    for pack_dir in PACKS:
        assert case_files(pack_dir), f"{pack_dir} has no tests/*.yaml"


def test_pytest_collects_one_test_per_case():
    cases = ROOT / "rules" / "co-building-unit" / "tests" / "cases.yaml"
    result = pytest_run("--collect-only", "-q", str(cases), cwd=ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    ids = [line for line in result.stdout.splitlines() if "cases.yaml::" in line]
    names = [loaded.case.name for loaded in load_cases(cases)]
    assert len(ids) == len(names) == len(set(ids))
    assert ids[0].endswith("::" + names[0])


def test_the_suite_does_not_collect_cases_twice():
    result = pytest_run("--collect-only", "-q", cwd=ROOT)
    ids = [line for line in result.stdout.splitlines() if "::" in line]
    demo_cases = [i for i in ids if "demo" in i and "full marks" in i]
    assert demo_cases == ["tests/packs/demo/tests/cases.yaml::full marks"], demo_cases


def test_a_failing_case_shows_expected_actual_and_values(tmp_path):
    pack = tmp_path / "p"
    (pack / "tests").mkdir(parents=True)
    (pack / "pack.yaml").write_text(
        "pack: {id: p, version: '1', title: p, subject: community, edition: '1'}\n"
        "dimensions: [{id: D1, title: d, weight: 100}]\n"
        "scoring: {grades: [{id: pass, title: 合格, at_least: 60}, {id: fail, title: 不合格, below: 60}]}\n"
        "inputs: {members: {type: integer, min: 0, title: 党员数}}\n"
        "rules: [{id: R1, title: 有党员, dimension: D1, points: 100, require: members > 0}]\n", encoding="utf-8")
    (pack / "tests" / "cases.yaml").write_text(
        "cases:\n"
        "  - name: no members\n    profile: {members: 0}\n    expect: {R1: met}\n"
        "  - name: members\n    profile: {members: 3}\n    expect: {R1: {outcome: met, points: 100}}\n",
        encoding="utf-8")
    result = pytest_run(*plugin_args(), "--pack-backend", "reference", str(pack / "tests" / "cases.yaml"),
                        cwd=tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "1 failed, 1 passed" in result.stdout
    assert "✗ R1 有党员" in result.stdout
    assert "expected  met" in result.stdout and "actual    not_met, 0 points" in result.stdout
    assert "members = 0" in result.stdout
