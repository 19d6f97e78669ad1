"""Shared test configuration.

Golden files lock whole outputs; they are rewritten only with
`pytest --update-golden` (never by a plain test run).
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest


def pytest_addoption(parser):
    parser.addoption("--update-golden", action="store_true", default=False,
                     help="rewrite the golden output files instead of comparing with them")


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: long or negative-control tests (run with -m slow)")


@pytest.fixture
def device(tmp_path):
    """device('null') / device('full'): a character device to write to.

    A private copy of /dev/null or /dev/full (made with mknod) where this process may make one (root), so that
    not even a broken engine could replace the system's own; a process that cannot make one cannot replace
    /dev/null either, and then uses it.
    """

    def make(name: str) -> Path:
        system = Path("/dev") / name
        if not system.exists() or not stat.S_ISCHR(system.stat().st_mode):
            pytest.skip(f"no {system} here")
        copy = tmp_path / f"dev-{name}"
        try:
            os.mknod(copy, stat.S_IFCHR | 0o666, system.stat().st_rdev)
            with open(copy, "rb"):  # a node on a 'nodev' mount cannot be opened
                pass
            return copy
        except OSError:
            if os.geteuid() == 0:
                pytest.skip("no private device node can be made here, and the system's is not risked as root")
            return system

    return make
