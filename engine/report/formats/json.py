"""The JSON report: the Report model with its schema version; byte-identical for identical input."""

from __future__ import annotations

from engine.report.model import Report


def render_json(report: Report) -> str:
    # pydantic-core's serializer: several times faster than json.dumps with indent, same text
    return report.model_dump_json(indent=2) + "\n"
