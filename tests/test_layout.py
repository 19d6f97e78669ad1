"""The package layout: stages of the data flow, no import circles, and the public API in `engine`."""

from __future__ import annotations

import ast
import pathlib
import re
import subprocess
import sys
from graphlib import CycleError, TopologicalSorter

import grimp

import engine

REPO = pathlib.Path(__file__).resolve().parents[1]
STAGES = ["source", "expr", "pack", "profile", "evaluation", "backends", "review", "report", "api", "batch",
          "testing", "authoring", "service", "cli"]


def test_the_folders_are_the_stages_and_nothing_is_loose():
    packages = sorted(p.name for p in (REPO / "engine").iterdir() if (p / "__init__.py").is_file())
    assert packages == sorted(STAGES)
    loose = sorted(p.name for p in (REPO / "engine").glob("*.py"))
    assert loose == ["__init__.py", "__main__.py", "errors.py", "version.py"]


def test_no_module_imports_itself_through_others():
    """Every import counts, also those inside functions: a circle hidden in a function is still a circle."""
    graph = grimp.build_graph("engine", exclude_type_checking_imports=True)
    edges = {m: graph.find_modules_directly_imported_by(m) for m in graph.modules}
    try:
        tuple(TopologicalSorter(edges).static_order())
    except CycleError as exc:
        raise AssertionError(f"import circle: {' -> '.join(exc.args[1])}") from None


def test_a_circle_is_caught(tmp_path, monkeypatch):
    """The check above would fail on a circle (a negative control on a throwaway package)."""
    package = tmp_path / "circled"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("def f():\n    from circled import b\n")
    (package / "b.py").write_text("from circled import a\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    graph = grimp.build_graph("circled")
    edges = {m: graph.find_modules_directly_imported_by(m) for m in graph.modules}
    try:
        tuple(TopologicalSorter(edges).static_order())
    except CycleError:
        return
    raise AssertionError("the circle a -> b -> a was not found")


def test_each_stage_imports_only_the_stages_below_it():
    """The layers contract in pyproject.toml (import-linter)."""
    done = subprocess.run([sys.executable, "-c", "import sys; from importlinter.cli import lint_imports_command; "
                           "sys.exit(lint_imports_command())"], cwd=REPO, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 kept, 0 broken" in done.stdout


def test_the_public_api_is_engine_all():
    done = subprocess.run([sys.executable, "-c", "import engine; print(engine.__all__)"], capture_output=True,
                          text=True, check=True)
    names = ast.literal_eval(done.stdout.strip())
    for name in ("Engine", "Report", "render", "load_pack", "EngineError", "InputError", "PackError", "UsageError",
                 "Review", "run_batch", "__version__"):
        assert name in names
    for name in names:
        assert getattr(engine, name) is not None


def test_importing_engine_loads_no_stage():
    """`import engine` is cheap: the names are imported on first use."""
    code = "import sys, engine; print(sorted(m for m in sys.modules if m.startswith('engine.')))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert ast.literal_eval(done.stdout.strip()) == ["engine.version"]


def test_the_readme_library_section_imports_only_from_engine():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Use as a library"):]
    section = section[:section.index("\n## ", 5)]
    imports = re.findall(r"^\s*(from \S+ import .+|import \S+)", section, re.M)
    assert imports, "the library section shows no import"
    assert all(line.startswith("from engine import ") for line in imports), imports


def test_the_version_is_written_once():
    pyproject = (REPO / "pyproject.toml").read_text(encoding="utf-8")
    assert 'dynamic = ["version"]' in pyproject and 'path = "engine/version.py"' in pyproject
    written = [p for p in (REPO / "engine").rglob("*.py")
               if re.search(r"^__version__\s*=", p.read_text(encoding="utf-8"), re.M)]
    assert written == [REPO / "engine" / "version.py"]
