"""The values some options take: languages, formats, backends (typer shows and checks them as choices)."""

from __future__ import annotations

from enum import Enum


class Lang(str, Enum):
    zh = "zh"
    en = "en"


class Format(str, Enum):
    text = "text"
    json = "json"


class ReportFormat(str, Enum):
    """Formats of an assessment report (engine.report.FORMATS); xlsx needs --output."""

    text = "text"
    json = "json"
    xlsx = "xlsx"
    html = "html"
    sarif = "sarif"
    junit = "junit"
    markdown = "markdown"


class BackendChoice(str, Enum):
    auto = "auto"
    durable = "durable"
    reference = "reference"


def values(choice: type[Enum]) -> list[str]:
    """The words an option of this choice accepts."""
    return [str(member.value) for member in choice]
