"""Top-level pytest configuration of a checkout.

The pytest plugin that collects rule-pack cases (engine/pytest_plugin.py) is
installed with the engine as a `pytest11` entry point; in a checkout that is
not installed, load it from here (never twice).
"""

from __future__ import annotations

import os
from importlib.metadata import entry_points


def _installed() -> bool:
    if os.environ.get("PYTEST_DISABLE_PLUGIN_AUTOLOAD"):
        return False
    return any(ep.value == "engine.testing.pytest_plugin" for ep in entry_points(group="pytest11"))


pytest_plugins = [] if _installed() else ["engine.testing.pytest_plugin"]
