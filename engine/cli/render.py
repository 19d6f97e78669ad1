"""`assess render REPORT.json`: a saved JSON report in another format or language, without re-assessing."""

from __future__ import annotations

from pathlib import Path

import typer

from engine.cli.choices import Lang, ReportFormat
from engine.cli.common import guarded, require_output, write_output
from engine.cli.main import app


@app.command("render", help="Render a saved JSON report (from --format json) in another format or language.")
def render_command(
    report_file: Path = typer.Argument(..., metavar="REPORT.json", help="A report written by --format json."),
    fmt: ReportFormat = typer.Option(ReportFormat.text, "--format", help="Output format (xlsx needs --output)."),
    lang: Lang = typer.Option(Lang.zh, "--lang", help="Report language."),
    output: Path | None = typer.Option(None, "--output", "-o", help="Write the report to this file."),
) -> None:
    def action() -> None:
        from engine.errors import display_path
        from engine.report import render
        from engine.report.load import load_report

        require_output(fmt.value, output)
        report = load_report(report_file, display_path(report_file))
        write_output(render(report, fmt.value, lang.value), output)

    guarded(action)
