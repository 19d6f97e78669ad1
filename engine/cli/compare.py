"""`assess compare BASELINE.json REPORT.json`: two saved reports of a community side by side (同比).

Nothing is re-assessed: the later report is rendered with its comparison.
"""

from __future__ import annotations

from pathlib import Path

import typer

from engine.cli.choices import Lang, ReportFormat
from engine.cli.common import EXIT_BELOW, guarded, require_output, write_output
from engine.cli.main import app


@app.command("compare", help="Compare a saved JSON report with an earlier one (e.g. last year's): the report, with "
                             "per-dimension and per-rule deltas, findings new or cleared and the grade change.")
def compare_command(
    baseline: Path = typer.Argument(..., metavar="BASELINE.json", help="The earlier report (or batch summary)."),
    report_file: Path = typer.Argument(..., metavar="REPORT.json", help="The later report."),
    fmt: ReportFormat = typer.Option(ReportFormat.text, "--format", help="Output format (xlsx needs --output)."),
    lang: Lang = typer.Option(Lang.zh, "--lang", help="Report language."),
    output: Path | None = typer.Option(None, "--output", "-o", help="Write the report to this file."),
    fail_on_regression: bool = typer.Option(False, "--fail-on-regression",
                                            help="Exit 1 if the total or grade is lower, or a veto is new."),
) -> None:
    def action() -> None:
        from engine.cli.run import compare_with
        from engine.errors import display_path
        from engine.report import render
        from engine.report.load import load_report
        from engine.review.baseline import Baseline

        require_output(fmt.value, output)
        report = load_report(report_file, display_path(report_file))
        compare_with(report, Baseline.load(baseline))
        write_output(render(report, fmt.value, lang.value), output)
        if fail_on_regression and report.baseline is not None and report.baseline.regression:
            raise typer.Exit(EXIT_BELOW)

    guarded(action)
