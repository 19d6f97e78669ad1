"""Every pack's own cases, one test per case and backend (Semgrep-style rule tests)."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.backends import durable_available
from engine.casetest import CaseRunner, case_files, load_cases

ROOT = Path(__file__).resolve().parent.parent
PACKS = sorted(p for base in (ROOT / "tests" / "packs", ROOT / "rules") if base.is_dir()
               for p in base.iterdir() if (p / "pack.yaml").is_file())
BACKENDS = ["reference", "durable"]


def collect():
    params = []
    for pack_dir in PACKS:
        for path in case_files(pack_dir):
            for loaded in load_cases(path):
                for backend in BACKENDS:
                    marks = [pytest.mark.skipif(backend == "durable" and not durable_available()[0],
                                                reason="durable-rules is not installed here")]
                    params.append(pytest.param(pack_dir, loaded, backend, marks=marks,
                                               id=f"{pack_dir.name}::{loaded.case.name}::{backend}"))
    return params


RUNNERS: dict = {}


@pytest.mark.parametrize("pack_dir, loaded, backend", collect())
def test_case(pack_dir, loaded, backend):
    runner = RUNNERS.setdefault(pack_dir, CaseRunner(pack_dir, (backend,)))
    result = runner.run(loaded, backend)
    assert result.ok, result.describe()


def test_every_pack_has_cases():
    for pack_dir in PACKS:
        assert case_files(pack_dir), f"{pack_dir} has no tests/*.yaml"
