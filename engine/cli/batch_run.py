"""A batch from the command line: options → engine.batch.run.run_batch → summary → exit code.

Imported only for a batch, so `assess profile.yaml` never loads multiprocessing.
"""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from engine.cli.common import (
    EXIT_BELOW,
    EXIT_INTERNAL,
    EXIT_INVALID,
    EXIT_OK,
    load_review,
    output_file,
    parse_sets,
    refuse_overwriting_inputs,
    usage_error,
    write_output,
)
from engine.cli.thresholds import Thresholds, row_failures

if TYPE_CHECKING:
    from engine.batch.run import BatchOptions
    from engine.pack.model import Pack
    from engine.report.summary.model import Summary

SUFFIX_FORMATS = {".csv": "csv", ".json": "json", ".xlsx": "xlsx", ".txt": "text"}


def assess_many(args: list[str], *, formats: list[str], lang: str, output: Path | None, packs: list[Path] | None,
                sets: list[str] | None, thresholds: Thresholds, baseline: Path | None,
                waivers: list[Path] | None, adjustments: list[Path] | None, as_of: dt.date | None, backend: str,
                jobs: int | None, timeout: float | None, output_dir: Path | None, summary_format: str | None,
                quotas: list[str]) -> int:
    from engine.batch.ranking import parse_quota
    from engine.batch.run import BatchOptions, find_profiles
    from engine.report.summary.render import render_summary

    if thresholds.fail_on_regression and baseline is None:
        usage_error("--fail-on-regression", "--fail-on-regression needs a --baseline to compare with")
    path = output_file(output)
    shape = summary_format or SUFFIX_FORMATS.get(path.suffix.lower() if path else "", "text")
    if shape == "xlsx" and path is None and (output is None or sys.stdout.isatty()):
        usage_error("--summary-format", "an xlsx summary is a binary file",
                    hint="give the file: --output summary.xlsx (or -o - into a pipe)")
    parsed_quotas = [parse_quota(q) for q in quotas]
    files = find_profiles(args)
    refuse_overwriting_inputs(output, files)
    params = parse_sets(sets or [])
    given = waivers or adjustments or as_of is not None  # --as-of alone judges vetoes that last on that date
    review = load_review(waivers, adjustments, _packs_to_check(packs), as_of) if given else None
    previous = None
    if baseline is not None:
        from engine.review.baseline import Baseline

        previous = Baseline.load(baseline)
        for warning in previous.warnings:
            typer.echo(warning.format(), err=True)
    options = BatchOptions(packs=[str(p) for p in packs] if packs else None, params=params, backend=backend,
                           jobs=jobs, timeout=timeout, formats=tuple(formats) if output_dir else (), lang=lang,
                           output_dir=str(output_dir) if output_dir else None, review=review, baseline=previous,
                           quotas=parsed_quotas)
    summary = _run_reporting_interruption(files, options, output_dir)
    _say_errors(summary)
    write_output(render_summary(summary, shape, lang), output)
    failed = _thresholds(summary, thresholds)
    statuses = {e.status for e in summary.errors}
    if statuses & {"crashed", "timeout", "error"}:
        return EXIT_INTERNAL
    if statuses & {"invalid", "unwritten"}:
        return EXIT_INVALID
    return EXIT_BELOW if failed else EXIT_OK


def _run_reporting_interruption(files: list[str], options: BatchOptions, output_dir: Path | None) -> Summary:
    """The batch's summary; stopped by Ctrl-C or SIGTERM, it says on stderr how far it got, and writes no summary
    (a ranking of the profiles that happened to be done would be no ranking)."""
    from engine.batch.run import run_batch

    done = 0

    with progress_bar(len(files)) as bar:
        def tick(count: int, total: int) -> None:
            nonlocal done
            done = count
            if bar is not None:
                bar(count, total)

        try:
            return run_batch(files, options, on_result=tick).summary
        except KeyboardInterrupt:
            kept = f"; their reports in {output_dir} are complete" if output_dir is not None and done else ""
            typer.echo(f"interrupted: {done} of {len(files)} profiles assessed{kept}; no summary was written",
                       err=True)
            raise


def _packs_to_check(packs: list[Path] | None) -> list[Pack]:
    """The packs waivers and adjustments may name: those given, else every shipped pack."""
    from engine.pack.build import load_pack
    from engine.pack.discovery import shipped_packs

    return [load_pack(p) for p in (packs or shipped_packs())]


def _say_errors(summary: Summary) -> None:
    from engine.errors import Diagnostic

    for error in summary.errors:
        if error.diagnostics:
            for d in error.diagnostics:
                typer.echo(Diagnostic(**d.model_dump()).format(), err=True)
        else:
            typer.echo(f"{error.file}: error[{error.status}]: {error.reason}", err=True)


def _thresholds(summary: Summary, thresholds: Thresholds) -> bool:
    """Say on stderr which profiles fail the thresholds asked for, and by how much; True if any does."""
    failed = False
    for group in summary.groups:
        for row in group.rows:
            line = row_failures(row, group.pack, thresholds)
            if line is not None:
                failed = True
                typer.echo(line, err=True)
    return failed


@contextmanager
def progress_bar(total: int) -> Iterator[Callable[[int, int], None] | None]:
    """A progress bar on a terminal (stderr); nothing otherwise."""
    if total < 2 or not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    with Progress(TextColumn("assess"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  TimeRemainingColumn(), console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task("assess", total=total)
        yield lambda done, _total: bar.update(task, completed=done)
