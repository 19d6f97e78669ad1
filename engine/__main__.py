"""`python -m engine` is the `assess` command."""

from engine.cli import entry

entry()
