"""pytest collects the test cases of rule packs: one test per case (Semgrep-style rule tests).

Any `*.yaml` under a pack's `tests/` folder (a folder whose parent holds
pack.yaml) that has a `cases:` list is collected, so
`pytest rules/community/tests/cases.yaml` or `pytest rules/` runs a pack's
cases like any other tests. Each case runs on both backends where
durable-rules is installed (`--pack-backend` chooses), and a failure shows the
same explanation as `assess pack test`: expected and actual outcome and points
per rule, with the profile values the rule read.

Installed with the engine as the `pytest11` entry point `assess`; a checkout
loads it from its top-level conftest.py.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from _pytest._code.code import TerminalRepr, TracebackStyle

    from engine.testing.cases import CaseResult, CaseRunner, LoadedCase

_CASES = re.compile(r"^cases\s*:", re.M)
_RUNNERS = pytest.StashKey["dict[Path, CaseRunner]"]()  # one runner (its compiled packs) per pack, per session


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("assess", "rule-pack test cases")
    group.addoption("--pack-backend", choices=("both", "durable", "reference"), default="both",
                    help="backends to run pack cases on: both (default; reference only where durable-rules is "
                         "not installed), durable or reference")


def pack_root(path: Path) -> Path | None:
    """The pack a case file belongs to: the parent of the nearest `tests` folder holding pack.yaml beside it."""
    for ancestor in path.parents:
        if ancestor.name == "tests" and (ancestor.parent / "pack.yaml").is_file():
            return ancestor.parent
    return None


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> PackCaseFile | None:
    if file_path.suffix not in (".yaml", ".yml") or pack_root(file_path) is None:
        return None
    try:
        head = file_path.read_text(encoding="utf-8-sig", errors="replace")
    except OSError:
        return None
    if not _CASES.search(head):
        return None  # a profile or fragment used by the cases, not a case file
    return PackCaseFile.from_parent(parent, path=file_path)


class PackCaseError(Exception):
    """A case file or pack that does not load: its diagnostics."""


class PackCaseFailure(Exception):
    """A case whose expectations did not hold on some backend."""


class PackCaseFile(pytest.File):
    def collect(self) -> Iterator[PackCaseItem]:
        from engine.errors import EngineError
        from engine.testing.cases import load_cases

        try:
            loaded_cases = load_cases(self.path)
        except EngineError as exc:
            raise PackCaseError("\n".join(d.format() for d in exc.diagnostics)) from None
        seen: dict[str, int] = {}
        for loaded in loaded_cases:
            name = loaded.case.name
            seen[name] = seen.get(name, 0) + 1
            if seen[name] > 1:
                name = f"{name} ({seen[name]})"
            yield PackCaseItem.from_parent(self, name=name, loaded=loaded)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException],
                     style: TracebackStyle | None = None) -> str | TerminalRepr:
        if isinstance(excinfo.value, PackCaseError):
            return str(excinfo.value)
        return super().repr_failure(excinfo)  # a collector's failures take no traceback style


class PackCaseItem(pytest.Item):
    def __init__(self, *, loaded: LoadedCase, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.loaded = loaded
        self.results: list[CaseResult] = []

    def _runner(self) -> CaseRunner:
        from engine.testing.cases import CaseRunner

        runners = self.config.stash.setdefault(_RUNNERS, {})
        root = pack_root(self.path)
        if root is None:  # collected only inside a pack's tests folder
            raise PackCaseError(f"{self.path}: not in the tests folder of a pack")
        if root not in runners:
            runners[root] = CaseRunner(root)
        return runners[root]

    def runtest(self) -> None:
        from engine.errors import EngineError
        from engine.testing.packtest import select_backends

        try:
            backends, _ = select_backends(self.config.getoption("--pack-backend") or "both")
            runner = self._runner()
            self.results = [runner.run(self.loaded, backend) for backend in backends]
        except EngineError as exc:
            raise PackCaseError("\n".join(d.format() for d in exc.diagnostics)) from None
        if any(not result.ok for result in self.results):
            raise PackCaseFailure()

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException],
                     style: TracebackStyle | None = None) -> str | TerminalRepr:
        from engine.testing.packtest import failure_text

        if isinstance(excinfo.value, PackCaseFailure):
            return "\n".join(failure_text(result) for result in self.results if not result.ok)
        if isinstance(excinfo.value, PackCaseError):
            return str(excinfo.value)
        return super().repr_failure(excinfo, style)

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, self.loaded.line - 1, f"case: {self.loaded.case.name}"
