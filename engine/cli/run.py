"""`assess PROFILE…`: one profile → its report; many (files, directories, globs) → a ranked summary.

One profile (a single existing file, no batch option) is assessed in this
process, exactly as always. Anything else is a batch: worker processes
(`--jobs`), a per-profile `--timeout`, a summary table on stdout or in
`--output` (text, csv, json, xlsx), per-profile reports in `--output-dir`.

Batch exit codes, the most severe wins: 3 a profile crashed or hung a
worker, or hit an internal error; 2 a profile was invalid or its report
could not be saved (or the packs, options or files given were); 1 every
profile was assessed but some fell below --fail-under, had a veto
(--fail-on-veto) or regressed against the baseline (--fail-on-regression);
0 otherwise. Ctrl-C (130) and SIGTERM (143) stop a batch quietly: the
reports written stay, no summary is written (engine/cli/batch_run.py).

`--output -` (or /dev/stdout) is standard output, where an xlsx goes too when
it is not a terminal; an --output naming one of the profiles is refused.
"""

from __future__ import annotations

import datetime as dt
import glob
import os
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from engine.cli.choices import BackendChoice, Lang, ReportFormat
from engine.cli.common import (
    EXIT_BELOW,
    EXIT_OK,
    guarded,
    load_review,
    parse_as_of,
    parse_sets,
    refuse_overwriting_inputs,
    require_output,
    say_warnings,
    usage_error,
    write_output,
)
from engine.cli.main import app
from engine.cli.settings import with_configured_parameters
from engine.cli.thresholds import Thresholds, report_failures

if TYPE_CHECKING:
    from engine.report.model import Report
    from engine.review.baseline import Baseline


class SummaryFormat(str, Enum):
    text = "text"
    csv = "csv"
    json = "json"
    xlsx = "xlsx"


@app.command("run", help="Assess a profile (the default command: `assess profile.yaml`), or many profiles — files, "
                         "directories, globs — into a ranked summary.")
def run(
    ctx: typer.Context,
    profiles: list[Path] = typer.Argument(..., help="Profiles (YAML): files, directories or globs."),
    lang: Lang = typer.Option(Lang.zh, "--lang", help="Report language."),
    fmt: list[ReportFormat] | None = typer.Option(
        None, "--format", help="Report format (xlsx needs --output). In a batch, the format(s) of the reports "
                               "written to --output-dir (repeatable)."),
    output: Path | None = typer.Option(None, "--output", "-o",
                                          help="Write the report (in a batch: the summary) to this file; "
                                               "- for standard output."),
    packs: list[Path] | None = typer.Option(None, "--pack", help="A rule pack directory (repeatable). "
                                               "Default: the shipped packs for the profile's subject."),
    sets: list[str] | None = typer.Option(None, "--set", callback=with_configured_parameters,
                                          help="Set a pack parameter: NAME=VALUE or PACK:NAME=VALUE."),
    fail_under: float | None = typer.Option(None, "--fail-under", help="Exit 1 if a total is below this."),
    fail_on_veto: bool = typer.Option(False, "--fail-on-veto", help="Exit 1 if a veto applies."),
    fail_on_regression: bool = typer.Option(False, "--fail-on-regression",
                                            help="Exit 1 if a total or grade is lower than in --baseline, or a "
                                                 "veto is new."),
    baseline: Path | None = typer.Option(None, "--baseline", help="An earlier JSON report (or batch summary, or "
                                            "a directory of them) to compare with: per-rule and per-dimension "
                                            "deltas, findings new or cleared, grade change."),
    waivers: list[Path] | None = typer.Option(None, "--waivers", help="A waiver file (YAML; repeatable)."),
    adjustments: list[Path] | None = typer.Option(None, "--adjustments",
                                                     help="A file of reviewer adjustments, 酌情扣分/加分 (YAML; "
                                                          "repeatable)."),
    as_of: str | None = typer.Option(None, "--as-of", help="Judge waivers' expiry, and whether vetoes that "
                                     "last are still in force, on this date (YYYY-MM-DD). Default: the last day of "
                                     "each profile's assessment period."),
    backend: BackendChoice = typer.Option(BackendChoice.auto, "--backend",
                                          help="Matching backend: durable (default where installed) or reference."),
    jobs: int | None = typer.Option(None, "--jobs", "-j", min=1,
                                       help="Batch: worker processes. Default: the CPUs available."),
    timeout: float = typer.Option(60.0, "--timeout", min=0,
                                  help="Batch: seconds allowed per profile before its worker is killed (0: none)."),
    output_dir: Path | None = typer.Option(None, "--output-dir",
                                              help="Batch: write each profile's report here, in each --format."),
    summary_format: SummaryFormat | None = typer.Option(
        None, "--summary-format", help="Batch: the summary as text, csv (UTF-8 with BOM), json or xlsx. Default: "
                                       "from the --output extension, else text."),
    quota: list[str] | None = typer.Option(None, "--quota", help="Batch: at most this share (or number) of the "
                                              "profiles in a grade, e.g. excellent=30% (repeatable); options after "
                                              "commas: base=all|graded|passed|GRADE (what the share is of), "
                                              "round=floor|ceil|half_up, per=INPUT (counted in each group, e.g. "
                                              "per=community.type)."),
) -> None:
    formats = [f.value for f in fmt or []]
    configured = _configured_formats(ctx)
    if not _is_batch(profiles, output_dir, summary_format, quota):
        def single() -> None:
            if len(formats) > 1:
                usage_error("--format", "one profile has one report: give one --format",
                            hint=f"{configured} gives several formats; choose one with --format" if configured
                            else "for several formats, write a batch: --output-dir DIR")
            fmt_one = formats[0] if formats else ReportFormat.text.value
            require_output(fmt_one, output)
            refuse_overwriting_inputs(output, profiles)
            code = _assess_one(profiles[0], fmt_one, lang.value, output, packs, sets,
                               Thresholds(fail_under, fail_on_veto, fail_on_regression), baseline, waivers,
                               adjustments, parse_as_of(as_of), backend.value)
            if code:
                raise typer.Exit(code)

        guarded(single)
        return

    def many() -> None:
        from engine.cli.batch_run import assess_many

        if formats and output_dir is None and not configured:
            usage_error("--format", "in a batch, --format is the format of the per-profile reports written to "
                                    "--output-dir",
                        hint="give --output-dir DIR, or choose the summary's format with --summary-format")
        code = assess_many(
            [str(p) for p in profiles], formats=formats or ["text"], lang=lang.value, output=output, packs=packs,
            sets=sets, thresholds=Thresholds(fail_under, fail_on_veto, fail_on_regression),
            baseline=baseline, waivers=waivers, adjustments=adjustments, as_of=parse_as_of(as_of),
            backend=backend.value, jobs=jobs,
            timeout=timeout or None, output_dir=output_dir,
            summary_format=summary_format.value if summary_format else None, quotas=quota or [])
        if code:
            raise typer.Exit(code)

    guarded(many)


def _configured_formats(ctx: typer.Context) -> str | None:
    """`file:line` of the configuration's `format` when it gave --format, else None."""
    from engine.cli.settings import Config

    source = ctx.get_parameter_source("fmt")
    config = ctx.find_root().obj
    if source is None or source.name != "DEFAULT_MAP" or not isinstance(config, Config):
        return None
    return config.where("format")


def _is_batch(profiles: list[Path], output_dir: Path | None, summary_format: SummaryFormat | None,
              quota: list[str] | None) -> bool:
    if len(profiles) != 1 or output_dir is not None or summary_format is not None or quota:
        return True
    only = str(profiles[0])
    return not os.path.isfile(only) and (os.path.isdir(only) or glob.has_magic(only))


def _assess_one(profile: Path, fmt: str, lang: str, output: Path | None, packs: list[Path] | None,
                sets: list[str] | None, thresholds: Thresholds, baseline: Path | None, waivers: list[Path] | None,
                adjustments: list[Path] | None, as_of: dt.date | None, backend: str) -> int:
    from engine.api.engine import Engine
    from engine.pack.discovery import packs_for_profile
    from engine.report import render

    if thresholds.fail_on_regression and baseline is None:
        usage_error("--fail-on-regression", "--fail-on-regression needs a --baseline to compare with")
    dirs = list(packs) if packs else packs_for_profile(profile)
    engine = Engine.from_dirs(dirs, params=parse_sets(sets or []), backend=backend)
    review = load_review(waivers, adjustments, engine.packs, as_of)
    previous = None
    if baseline is not None:
        from engine.review.baseline import Baseline

        previous = Baseline.load(baseline)
    report = engine.assess_file(profile, review=review)
    if previous is not None:
        compare_with(report, previous)
    write_output(render(report, fmt, lang), output)
    if output is not None or fmt != "text":  # a text report on the terminal shows them already (提示)
        say_warnings(report.warnings)
    failures = report_failures(report, thresholds)
    for line in failures:
        typer.echo(line, err=True)
    return EXIT_BELOW if failures else EXIT_OK


def compare_with(report: Report, previous: Baseline) -> None:
    from engine.review.baseline import compare

    record = previous.only() or previous.find(report)
    if record is None:
        typer.echo(f"{previous.source}: warning[no-baseline]: no report of '{report.profile.id or report.profile.file}'"
                   f" in the baseline; nothing to compare", err=True)
        return
    report.baseline = compare(report, record)


__all__ = ["run", "compare_with"]
