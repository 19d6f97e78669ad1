"""`python -m engine` is the `assess` command."""

from .cli import entry

entry()
