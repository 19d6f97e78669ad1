"""Batch assessment: many profiles in supervised worker processes, summarised and ranked.

    from engine.batch.run import BatchOptions, find_profiles, run_batch
    result = run_batch(find_profiles(["profiles/"]), BatchOptions(packs=["rules/community"], jobs=4))
    for group in result.summary.groups:          # one ranked table per pack
        for row in group.rows: print(row.rank, row.label, row.total, row.grade)
    result.summary.errors                         # profiles invalid, crashed, timed out

Each worker process builds its Engine once (with `packs`, in its set-up;
without, once per set of shipped packs that profiles ask for) and assesses
the chunks of profiles it is sent (engine/workers.py supervises them: a
crash or a hang costs one profile an error entry, and the worker is
replaced). Per-profile reports are rendered and written by the workers;
only a compact summary row per profile and pack comes back. Summaries are
identical whatever the number of workers: rows are ranked, errors listed in
input order.

A worker's time compiling packs it had not needed yet (without `packs`, the
first profile of each subject) is set-up, charged to no profile's timeout:
a timeout is the profile's own time.

Test hook (tests only): the environment variable ASSESS_TEST_FAULT, read by
a worker when it starts, makes it fail on purpose for named profile files —
`crash=a.yaml,b.yaml;hang=c.yaml;raise=d.yaml` (SIGSEGV, sleep for an hour,
raise RuntimeError) — and `slow-packs=SECONDS` makes every engine a worker
builds take that much longer. It is never set in normal use; when it is unset
the only cost is one test of an empty dict per profile.
"""

from __future__ import annotations

import glob
import os
import signal
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from engine.batch.ranking import Quota, apply_quotas, check_quotas, pack_quotas, rank, replaced
from engine.batch.workers import Failure, SetupFailed, WorkerPool, untimed
from engine.errors import Diagnostic, EngineError, InputError, PackError, UsageError
from engine.expr.values import engine_arithmetic
from engine.pack.model import Pack
from engine.profile.validate import Profile
from engine.report.model import DiagnosticOut, EngineInfo, Report
from engine.report.output import OutputError
from engine.report.summary.model import ErrorEntry, Summary, SummaryGroup, SummaryRow
from engine.version import __version__

PROFILE_SUFFIXES = (".yaml", ".yml")
EXTENSIONS = {"text": ".txt", "json": ".json", "xlsx": ".xlsx", "html": ".html", "sarif": ".sarif",
              "junit": ".junit.xml", "markdown": ".md"}
FAULT_VARIABLE = "ASSESS_TEST_FAULT"


@dataclass
class BatchOptions:
    packs: list[str] | None = None  # pack directories; None: the shipped packs each profile asks for
    params: dict[str, Any] = field(default_factory=dict)  # --set
    backend: str = "auto"
    jobs: int | None = None  # worker processes; None: the CPUs available to this process
    timeout: float | None = 60.0  # seconds per profile; None: no limit
    formats: tuple[str, ...] = ()  # per-profile reports to write into output_dir
    lang: str = "zh"
    output_dir: str | None = None
    review: Any = None  # engine.review.Review
    baseline: Any = None  # engine.baseline.Baseline
    quotas: list[Quota] = field(default_factory=list)
    keep_reports: bool = False  # return every Report (memory: ~150 KB each)
    chunk_size: int | None = None


@dataclass
class BatchResult:
    summary: Summary
    reports: dict[str, Report] = field(default_factory=dict)  # by file, with keep_reports
    workers_started: int = 0
    worker_pids: list[int] = field(default_factory=list)


@dataclass(frozen=True)
class Task:
    path: str
    stem: str  # the name of its reports in output_dir


@dataclass
class Done:
    """What a worker sends back for one profile."""

    file: str
    backend: str | None = None
    rows: list[tuple[str, SummaryRow]] = field(default_factory=list)
    groups: list[SummaryGroup] = field(default_factory=list)  # tables of packs this worker had not described yet
    error: ErrorEntry | None = None
    report: Report | None = None
    quotas: dict[str, list[Quota]] = field(default_factory=dict)  # each pack's own grade quotas, as described


# -- inputs -------------------------------------------------------------------------------

def find_profiles(args: Sequence[str | os.PathLike[str]]) -> list[str]:
    """Files as given; directories (recursively) and globs give their .yaml/.yml files, sorted; no duplicates."""
    found: list[str] = []
    seen: set[str] = set()
    for arg in map(str, args):
        if glob.has_magic(arg) and not os.path.isfile(arg):
            matches = [m for m in sorted(glob.glob(arg, recursive=True))
                       if os.path.isfile(m) and m.endswith(PROFILE_SUFFIXES)]
            if not matches:
                raise UsageError([Diagnostic(arg, 0, 0, "error", "no-profiles", "no profile files match this pattern")])
        elif os.path.isdir(arg):
            matches = sorted(str(p) for p in Path(arg).rglob("*") if p.is_file() and p.suffix in PROFILE_SUFFIXES
                             and not any(part.startswith(".") for part in p.relative_to(arg).parts))
            if not matches:
                raise UsageError([Diagnostic(arg, 0, 0, "error", "no-profiles", "no .yaml profiles in this directory")])
        else:
            matches = [arg]
        for match in matches:
            key = os.path.abspath(match)
            if key not in seen:
                seen.add(key)
                found.append(match)
    return found


def report_stems(files: Sequence[str]) -> list[str]:
    """A distinct report name per profile: its file name without extension, then -2, -3 … in input order."""
    used: set[str] = set()
    stems = []
    for file in files:
        base = Path(file).name.rsplit(".", 1)[0] or "profile"
        stem, n = base, 2
        while stem.lower() in used:
            stem, n = f"{base}-{n}", n + 1
        used.add(stem.lower())
        stems.append(stem)
    return stems


# -- the run ----------------------------------------------------------------------------------

@engine_arithmetic
def run_batch(files: Sequence[str], options: BatchOptions,
              on_result: Callable[[int, int], None] | None = None) -> BatchResult:
    """Assess every file; never raises for a bad profile (it becomes an error entry).

    Raises UsageError/PackError (EngineError) for what stops the whole batch: bad packs or
    parameters, an output directory that cannot be made, a quota naming no grade.
    """
    files = list(files)
    if options.output_dir is not None:
        _make_dir(options.output_dir)
    tasks = [Task(f, s) for f, s in zip(files, report_stems(files), strict=True)]
    config = _Config(options.packs, options.params, options.backend, tuple(options.formats), options.lang,
                     options.output_dir, options.review, options.baseline, options.keep_reports,
                     tuple(dict.fromkeys(q.per for q in options.quotas if q.per is not None)))
    pool = WorkerPool(_setup, (config,), _assess, jobs=options.jobs, timeout=options.timeout,
                      chunk_size=options.chunk_size)
    done: dict[int, Done | Failure] = {}
    try:
        for count, (index, outcome) in enumerate(pool.run(tasks), 1):
            done[index] = outcome
            if on_result is not None:
                on_result(count, len(tasks))
    except SetupFailed as exc:
        if exc.diagnostics:
            raise EngineError(exc.diagnostics) from None
        raise
    result = BatchResult(_summary(files, done, options), workers_started=pool.started, worker_pids=pool.pids)
    if options.keep_reports:
        result.reports = {o.file: o.report for o in done.values() if isinstance(o, Done) and o.report is not None}
    return result


def _make_dir(path: str) -> None:
    try:
        Path(path).mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError([Diagnostic(path, 0, 0, "error", "output-dir",
                                     f"cannot create the output directory: {exc.strerror or exc}")]) from None


def _apply_quotas(ranked: list[SummaryGroup], done: dict[int, Done | Failure], run: list[Quota]) -> None:
    """The run's quotas (`--quota`) and each pack's own (`scoring.grade_quotas`), but a run's quota on a grade
    replaces the pack's on that grade."""
    declared = {pack: quotas for outcome in done.values() if isinstance(outcome, Done)
                for pack, quotas in outcome.quotas.items()}
    if run:
        check_quotas(ranked, run)
    own = {group.pack: replaced(group, declared.get(group.pack, []), run) for group in ranked}
    problems = []
    for group in ranked:
        try:
            check_quotas([group], own[group.pack])
        except UsageError as exc:
            problems += exc.diagnostics
    if problems:
        raise UsageError(problems)
    for group in ranked:
        apply_quotas(group, run + own[group.pack])


def _summary(files: list[str], done: dict[int, Done | Failure], options: BatchOptions) -> Summary:
    # A worker describes a pack with the first profile it assesses, which need not come first in input order
    # (the rest of a chunk whose worker failed is run later, by a worker that described its packs before).
    groups = {group.pack: group for outcome in done.values() if isinstance(outcome, Done) for group in outcome.groups}
    errors: list[ErrorEntry] = []
    backend = None
    for index, file in enumerate(files):
        outcome = done.get(index)
        if isinstance(outcome, Failure) or outcome is None:
            failure = outcome or Failure("error", "no result")
            reason = failure.reason if failure.kind != "error" else f"internal error: {failure.reason}"
            errors.append(ErrorEntry(file=file, status=failure.kind, reason=reason))
            continue
        for pack_id, row in outcome.rows:
            groups[pack_id].rows.append(row)
        if outcome.error is not None:
            errors.append(outcome.error)
        backend = backend or outcome.backend
    ranked = [groups[key] for key in sorted(groups)]
    for group in ranked:
        group.rows = rank(group.rows)
    _apply_quotas(ranked, done, options.quotas)
    assessed = len(files) - len(errors)
    warnings = []
    if options.review is not None:
        warnings = [DiagnosticOut(**d.to_dict()) for d in options.review.expired()]
    return Summary(engine=EngineInfo(version=__version__, backend=backend or options.backend), profiles=len(files),
                   assessed=assessed, groups=ranked, errors=errors,
                   baseline=options.baseline.source if options.baseline is not None else None, warnings=warnings)


# -- in the worker ------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Config:
    packs: list[str] | None
    params: dict[str, Any]
    backend: str
    formats: tuple[str, ...]
    lang: str
    output_dir: str | None
    review: Any
    baseline: Any
    keep_reports: bool
    group_keys: tuple[str, ...] = ()  # the inputs quotas group by (`--quota …,per=INPUT`)


class _State:
    def __init__(self, config: _Config):
        self.config = config
        self.engines: dict[tuple[str, ...], Any] = {}
        self.described: set[str] = set()
        self.faults, self.slow_packs = _test_faults()

    def engine(self, dirs: Sequence[str | os.PathLike[str]]) -> Any:
        """The engine of these packs, built the first time: set-up, outside the profile's timeout."""
        from engine.api.engine import Engine

        key = tuple(str(d) for d in dirs)
        if key not in self.engines:
            with untimed():
                if self.slow_packs:
                    time.sleep(self.slow_packs)
                self.engines[key] = Engine.from_dirs(list(key), params=self.config.params,
                                                     backend=self.config.backend)
        return self.engines[key]


def _setup(config: _Config) -> _State:
    state = _State(config)
    if config.packs:
        state.engine(config.packs)  # compile once, before the first profile (and its timeout)
    return state


def _assess(state: _State, task: Task) -> Done:
    if state.faults:
        _inject_fault(state.faults, task.path)
    from engine.report.summary.build import group_of, rows_of

    config = state.config
    done = Done(task.path)
    try:
        if config.packs:
            engine = state.engine(config.packs)
        else:
            from engine.pack.discovery import packs_for_profile

            engine = state.engine(packs_for_profile(task.path))
        profile = engine.load_profile(task.path)
        report = engine.assess(profile, review=config.review)
    except (InputError, PackError, UsageError) as exc:
        from engine.errors import display_path

        done.error = ErrorEntry(file=display_path(Path(task.path)), status="invalid",
                                reason=exc.diagnostics[0].message if exc.diagnostics else str(exc),
                                diagnostics=[DiagnosticOut(**d.to_dict()) for d in exc.diagnostics])
        return done
    if config.baseline is not None:
        from engine.review.baseline import compare

        record = config.baseline.find(report)
        if record is not None:
            report.baseline = compare(report, record)
    done.backend = report.engine.backend
    try:
        outputs = _write_reports(report, config.output_dir, task.stem, config) if config.output_dir else []
    except OutputError as exc:  # a full disk, a read-only folder: said for this profile, never an internal error
        from engine.errors import display_path

        done.error = ErrorEntry(file=display_path(Path(task.path)), status="unwritten",
                                reason=f"{exc.diagnostics[0].file}: {exc.diagnostics[0].message}")
        return done
    done.rows = rows_of(report, outputs)
    _group_values(done.rows, engine.packs, profile, config.group_keys)
    for pack in engine.packs:
        if pack.id not in state.described:
            state.described.add(pack.id)
            group = group_of(pack)
            done.quotas[pack.id], group.quota_notes = pack_quotas(pack)
            done.groups.append(group)
    done.report = report if config.keep_reports else None
    return done


def _group_values(rows: list[tuple[str, SummaryRow]], packs: Sequence[Pack], profile: Profile,
                  keys: tuple[str, ...]) -> None:
    """Each row's values of the inputs quotas group by: those its pack declares with a single value (None when
    the profile leaves one empty); an input the pack does not declare is left out of the row."""
    by_id = {pack.id: pack for pack in packs}
    for pack_id, row in rows:
        pack = by_id[pack_id]
        inputs = pack.inputs
        for key in keys + tuple(q.per for q in pack.scoring.grade_quotas or [] if q.per is not None):
            spec = inputs.get(key)
            if spec is not None and spec.decl.type not in ("list", "object"):
                row.groups[key] = _group_value(profile.values.get(key))


def _group_value(value: Any) -> str | None:
    """A profile value as a group's name: '城市型', '3', 'true'; None when it is not given."""
    from engine.report.build import plain

    shown = plain(value)
    if shown is None:
        return None
    return str(shown).lower() if isinstance(shown, bool) else str(shown)


def _write_reports(report: Report, directory: str, stem: str, config: _Config) -> list[str]:
    from engine.report import render
    from engine.report.output import atomic_write_bytes, atomic_write_text  # OutputError on failure

    written = []
    for fmt in config.formats:
        path = os.path.join(directory, stem + EXTENSIONS[fmt])
        content = render(report, fmt, config.lang)
        if isinstance(content, bytes):
            atomic_write_bytes(path, content)
        else:
            atomic_write_text(path, content)
        written.append(path)
    return written


def _test_faults() -> tuple[dict[str, str], float]:
    """ASSESS_TEST_FAULT='crash=a.yaml;hang=b.yaml;slow-packs=2' → ({'a.yaml': 'crash', 'b.yaml': 'hang'}, 2.0)
    (tests only)."""
    faults = {}
    slow_packs = 0.0
    for part in filter(None, os.environ.get(FAULT_VARIABLE, "").split(";")):
        action, _, names = part.partition("=")
        if action.strip() == "slow-packs":
            slow_packs = float(names)
            continue
        for name in filter(None, names.split(",")):
            faults[name.strip()] = action.strip()
    return faults, slow_packs


def _inject_fault(faults: dict[str, str], path: str) -> None:
    action = faults.get(os.path.basename(path))
    if action == "crash":
        os.kill(os.getpid(), signal.SIGSEGV)
    elif action == "hang":
        time.sleep(3600)
    elif action == "raise":
        raise RuntimeError(f"test fault for {os.path.basename(path)}")
