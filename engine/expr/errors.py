"""Errors found in one expression, located by character offset."""

from __future__ import annotations


class ExprError(Exception):
    """A problem at `start` (character offset) of the expression source.

    The pack loader turns it into a Diagnostic at the matching file column.
    """

    def __init__(self, code: str, message: str, start: int = 0, end: int | None = None, hint: str | None = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.start = start
        self.end = start + 1 if end is None else end
        self.hint = hint

    def __repr__(self) -> str:
        return f"ExprError({self.code!r}, {self.message!r}, {self.start})"


# Cost bounds: an expression is data written by a pack author; it must not be
# able to make the engine slow or exhaust memory.
MAX_SOURCE_CHARS = 2000
MAX_NODES = 400
MAX_DEPTH = 40
MAX_STRING_CHARS = 500
MAX_LIST_ITEMS = 500
MAX_NUMBER = 10**9  # engine numbers stay within ±1e9 (see values.py)
MAX_ITERATION_NESTING = 2  # e.g. count(staff, count(trainings, ...) > 1)
