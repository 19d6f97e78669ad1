"""The `assess` command: arguments → library call → renderer → exit code.

`main` holds the typer apps and the option types, `common` what the commands
share (exit codes, error handling, writing output); one module per command
group registers its commands on `app` when imported, here.

Exit codes: 0 ok; 1 the assessment fell below --fail-under (or a veto
applied with --fail-on-veto, or it regressed against --baseline with
--fail-on-regression); 2 invalid input, pack or usage, or an output that
cannot be written; 3 an internal error (a bug: please report it, and nothing
else); 130 Ctrl-C, 143 SIGTERM. A batch exits with the most severe of its
profiles: 3 if one crashed or hung a worker, 2 if one was invalid or its
report could not be saved, 1 if one failed a threshold (engine/cli/run.py).
"""

from __future__ import annotations

# each module registers its commands on `app` when imported
from engine.cli import compare, config, explain, pack, profile, render, run, schema, serve  # noqa: F401
from engine.cli.main import app

__all__ = ["app", "entry"]


def entry() -> None:
    app()
