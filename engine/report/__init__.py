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
    if fmt == "json":
        from engine.report.formats.json import render_json

        return render_json(report)
    if fmt not in _RENDERERS:
        raise ValueError(f"unknown report format {fmt!r}; formats: {', '.join(FORMATS)}")
    module, function = _RENDERERS[fmt]
    renderer: Callable[[Report, str], str | bytes] = getattr(import_module(f"engine.report.formats.{module}"), function)
    return renderer(report, lang)
