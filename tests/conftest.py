"""Shared test configuration.

Golden files lock whole outputs; they are rewritten only with
`pytest --update-golden` (never by a plain test run).
"""

from __future__ import annotations


def pytest_addoption(parser):
    parser.addoption("--update-golden", action="store_true", default=False,
                     help="rewrite the golden output files instead of comparing with them")


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: long or negative-control tests (run with -m slow)")
