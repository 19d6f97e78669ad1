"""Rule-based assessment engine for community Party-building and governance standards.

The documented library API is what this module exports (``engine.__all__``)::

    from engine import Engine, EngineError, render

    engine = Engine.from_dirs(["rules/community"])      # load, check, compile: once
    report = engine.assess_file("profiles/middling-community.yaml")
    print(render(report, "text", "zh"))

Names are imported on first use (PEP 562), so ``import engine`` and the
``assess`` command stay fast: a text report never loads openpyxl, and the CLI
never loads the batch machinery for a single profile.

The packages under ``engine/`` are the stages of the data flow, each importing
only the stages below it (checked by import-linter, ``pyproject.toml``)::

    source → pack → profile → evaluation → backends → review → report → api → batch
           (expr: the expression language packs are written in)          → testing → authoring → cli
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from engine.version import __version__

# public name -> the module that defines it
_EXPORTS: dict[str, str] = {
    # assessing
    "Engine": "engine.api.engine",
    "PackEvaluation": "engine.api.engine",
    "load_pack": "engine.pack.build",
    "Pack": "engine.pack.model",
    "RuleSpec": "engine.pack.model",
    "Profile": "engine.profile.validate",
    "Finding": "engine.evaluation.findings",
    "Scorecard": "engine.evaluation.scoring",
    # the report
    "Report": "engine.report.model",
    "PackResult": "engine.report.model",
    "render": "engine.report",
    "FORMATS": "engine.report",
    # review workflows
    "Review": "engine.review.apply",
    "WaiverSet": "engine.review.waivers",
    "AdjustmentSet": "engine.review.adjustments",
    "Baseline": "engine.review.baseline",
    "compare": "engine.review.baseline",
    # batches
    "BatchOptions": "engine.batch.run",
    "find_profiles": "engine.batch.run",
    "run_batch": "engine.batch.run",
    "Summary": "engine.report.summary.model",
    "render_summary": "engine.report.summary.render",
    "WorkerPool": "engine.batch.workers",
    # errors
    "Diagnostic": "engine.errors",
    "EngineError": "engine.errors",
    "InputError": "engine.errors",
    "PackError": "engine.errors",
    "UsageError": "engine.errors",
}

__all__ = ["__version__", *_EXPORTS]

if TYPE_CHECKING:  # what the names are, for type checkers and editors
    from engine.api.engine import Engine, PackEvaluation
    from engine.batch.run import BatchOptions, find_profiles, run_batch
    from engine.batch.workers import WorkerPool
    from engine.errors import Diagnostic, EngineError, InputError, PackError, UsageError
    from engine.evaluation.findings import Finding
    from engine.evaluation.scoring import Scorecard
    from engine.pack.build import load_pack
    from engine.pack.model import Pack, RuleSpec
    from engine.profile.validate import Profile
    from engine.report import FORMATS, render
    from engine.report.model import PackResult, Report
    from engine.report.summary.model import Summary
    from engine.report.summary.render import render_summary
    from engine.review.adjustments import AdjustmentSet
    from engine.review.apply import Review
    from engine.review.baseline import Baseline, compare
    from engine.review.waivers import WaiverSet


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'engine' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value  # looked up once
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
