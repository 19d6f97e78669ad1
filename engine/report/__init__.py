"""Report model and renderers (one module per output format)."""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module
from typing import TYPE_CHECKING

from engine.expr.values import engine_arithmetic

if TYPE_CHECKING:
    from engine.report.model import Report

FORMATS = ("text", "json", "xlsx", "html", "sarif", "junit", "markdown")
BINARY_FORMATS = frozenset({"xlsx"})  # bytes, for a file: never written to a terminal

# format -> (module, function); imported on use, so a text report never loads openpyxl or jinja2
_RENDERERS = {
    "text": ("text", "render_text"), "json": ("json", "render_json"), "xlsx": ("xlsx", "render_xlsx"),
    "html": ("html", "render_html"), "sarif": ("sarif", "render_sarif"), "junit": ("junit", "render_junit"),
    "markdown": ("markdown", "render_markdown"),
}


@engine_arithmetic
def render(report: Report, fmt: str, lang: str) -> str | bytes:
    """The report in a format: text for every format but those in BINARY_FORMATS (bytes)."""
    _check_arguments(report, fmt, lang)
    if fmt == "json":
        from engine.report.formats.json import render_json

        return render_json(report)
    module, function = _RENDERERS[fmt]
    renderer: Callable[[Report, str], str | bytes] = getattr(import_module(f"engine.report.formats.{module}"), function)
    return renderer(report, lang)


def _check_arguments(report: object, fmt: object, lang: object) -> None:
    """A caller's mistake is the project's UsageError (exit 2 on the command line), never a raw TypeError."""
    from engine.errors import Diagnostic, UsageError, did_you_mean
    from engine.report.model import Report

    problems: list[tuple[str, str, str | None]] = []
    if not isinstance(report, Report):
        problems.append(("report", f"render() takes a Report, got {type(report).__name__}", None))
    if fmt not in FORMATS:
        problems.append(("format", f"unknown report format {fmt!r}; formats: {', '.join(FORMATS)}",
                         did_you_mean(str(fmt), FORMATS)))
    if lang not in ("zh", "en"):
        problems.append(("lang", f"unknown language {lang!r}; languages: zh, en", None))
    if problems:
        raise UsageError([Diagnostic(what, 0, 0, "error", "usage", message, hint)
                          for what, message, hint in problems])
