"""The JSON report: the Report model with its schema version; byte-identical for identical input."""

from __future__ import annotations

import json

from .model import Report


def render_json(report: Report) -> str:
    return json.dumps(report.model_dump(mode="json"), ensure_ascii=False, indent=2) + "\n"
