"""The catalog of diagnostic codes (engine/authoring/catalog, rendered into docs/reference/diagnostics.md)
is complete, and its examples are true.

(a) A static scan of engine/**/*.py finds every code the engine can emit: each is in the catalog, and the
    catalog lists no code nothing emits (likewise the reasons of `pack-limit`).
(b) Every example is run through the command line (typer's CliRunner, in a directory holding the example
    workspace and the example's files) and prints exactly the diagnostics the catalog shows: its own code,
    nothing else.
"""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

import pytest
from typer.testing import CliRunner

from engine.authoring.catalog import Entry, load_catalog, printed_code, printed_diagnostics, write_workspace
from engine.authoring.catalog.scan import LIMIT_SEEDS, scan
from engine.cli import app

CATALOG = load_catalog()
EXAMPLES = [entry for entry in CATALOG.entries.values() if entry.example is not None]
AREAS = "engine/authoring/catalog/codes/<area>.yaml"
EXIT_INVALID, EXIT_INTERNAL = 2, 3


@pytest.fixture(scope="module")
def scanned():
    return scan()


# -- (a) the catalog and the code base list the same codes ------------------------------------------

def test_the_scan_can_tell_every_code_argument(scanned):
    lines = [f"  {u.file}:{u.line}: {u.expression}" for u in scanned.unresolved]
    assert not lines, ("the scan cannot tell which code these emit; pass the code as a string literal (or a "
                       "parameter of a helper whose callers pass literals):\n" + "\n".join(lines))


def test_every_code_the_engine_emits_is_in_the_catalog(scanned):
    missing = {code: sites for code, sites in scanned.codes().items() if code not in CATALOG.entries}
    lines = [f"  {code}: emitted at {', '.join(site.where for site in sites)}" for code, sites in missing.items()]
    assert not lines, f"codes missing from the catalog (add an entry to {AREAS}):\n" + "\n".join(lines)


def test_the_catalog_lists_no_code_the_engine_never_emits(scanned):
    emitted = scanned.codes()
    unused = [f"  {code} ({entry.area.id}.yaml)" for code, entry in CATALOG.entries.items() if code not in emitted]
    assert not unused, "the catalog lists codes nothing emits (remove or rename them):\n" + "\n".join(unused)


def test_pack_limit_lists_every_reason_the_durable_checks_give():
    emitted = scan(seeds=LIMIT_SEEDS).codes()
    listed = CATALOG.entries["pack-limit"].data.reasons
    missing = [f"  {code}: emitted at {', '.join(s.where for s in sites)}"
               for code, sites in emitted.items() if code not in listed]
    unused = [f"  {code}" for code in listed if code not in emitted]
    assert not missing, "reasons missing from pack-limit's `reasons:` (pack.yaml):\n" + "\n".join(missing)
    assert not unused, "pack-limit lists reasons nothing gives:\n" + "\n".join(unused)


def test_few_codes_go_without_an_example():
    without = sorted(code for code, entry in CATALOG.entries.items() if entry.example is None)
    assert len(without) <= 5, f"every code should have an example that runs; without one: {without}"


def test_the_catalog_has_areas_and_every_entry_says_what_to_do():
    assert {area.id for area in CATALOG.areas} >= {"files", "pack", "profiles", "cli", "config"}
    for entry in CATALOG.entries.values():
        assert entry.data.summary.strip() and entry.data.fix.strip(), entry.code


# -- (b) every example prints what the catalog says --------------------------------------------------

def run_example(entry: Entry, directory: Path, monkeypatch: pytest.MonkeyPatch):
    write_workspace(entry, directory)
    monkeypatch.chdir(directory)
    for name in list(os.environ):
        if name.startswith("ASSESS_"):  # no configuration, source path or debug switch from outside
            monkeypatch.delenv(name)
    return CliRunner().invoke(app, entry.argv)


def _as_entry(printed: list[str]) -> str:
    """The printed diagnostics as they would be written in the catalog."""
    return "prints: |\n" + textwrap.indent("\n".join(printed), "  ")


@pytest.mark.parametrize("entry", EXAMPLES, ids=[entry.code for entry in EXAMPLES])
def test_the_example_prints_its_code_as_shown(entry, tmp_path, monkeypatch):
    result = run_example(entry, tmp_path, monkeypatch)
    assert result.exit_code != EXIT_INTERNAL, result.output
    printed = printed_diagnostics(result.output)
    found = {printed_code(diagnostic) for diagnostic in printed}
    assert found == {(entry.data.severity, entry.code)}, \
        f"`{entry.command}` should print {entry.data.severity}[{entry.code}] only; it printed:\n{result.output}"
    assert "\n".join(printed) == entry.prints, \
        f"{entry.code}: the engine now prints (update the entry in {entry.area.id}.yaml):\n{_as_entry(printed)}"
    if entry.data.severity == "error":
        assert result.exit_code == EXIT_INVALID, result.output


def test_an_example_runs_in_the_example_workspace(tmp_path, monkeypatch):
    """The workspace alone is clean: the pack checks without a diagnostic and its cases pass."""
    entry = CATALOG.entries["pack-not-found"]  # any entry; its example only changes the command
    write_workspace(entry, tmp_path)
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    check = runner.invoke(app, ["pack", "check", "pack"])
    assert check.exit_code == 0 and not printed_diagnostics(check.output), check.output
    test = runner.invoke(app, ["pack", "test", "pack", "--backend", "reference"])
    assert test.exit_code == 0, test.output
    assess = runner.invoke(app, ["profile.yaml", "--pack", "pack"])
    assert assess.exit_code == 0 and not printed_diagnostics(assess.output), assess.output


# -- the scan itself -------------------------------------------------------------------------------

def _package(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / "engine" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    return root / "engine"


ERRORS = """
    class Diagnostic:
        def __init__(self, file, line, col, severity, code, message, hint=None): ...
"""


def test_the_scan_follows_helpers_variables_and_prefixes(tmp_path):
    package = _package(tmp_path, {"__init__.py": "", "errors.py": ERRORS, "checks.py": """
        from engine.errors import Diagnostic

        def fail(where, code, message):
            return Diagnostic(where, 0, 0, "error", code, message)

        class Sink:
            def error(self, code, code_prefix=""):
                return Diagnostic("", 0, 0, "error", code_prefix + code, "")

        def check(value):
            code = "too-big" if value > 9 else "too-small"
            for limit, name in ((1, "first"), (2, "second")):
                fail("x", name, "")
            Sink().error("schema")
            return fail("x", code, "")

        def rebuilt(d):
            return Diagnostic(d.file, 0, 0, d.severity, d.code, d.message)

        def scanned():
            return Sink().error(code_prefix="case-", code="schema")
    """})
    found = scan(package)
    assert not found.unresolved
    assert set(found.codes()) == {"too-big", "too-small", "first", "second", "schema", "case-schema"}
    assert found.codes()["too-big"][0].where == "engine/checks.py:12"


def test_the_scan_reports_a_code_it_cannot_tell(tmp_path):
    package = _package(tmp_path, {"__init__.py": "", "errors.py": ERRORS, "checks.py": """
        from engine.errors import Diagnostic

        def check(kind):
            return Diagnostic("x", 0, 0, "error", f"bad-{kind}", "")
    """})
    found = scan(package)
    assert [(u.file, u.line) for u in found.unresolved] == [("engine/checks.py", 5)]
    assert not found.codes()
