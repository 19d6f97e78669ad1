"""What a service worker process does: engines built once, then one task per request.

The worker is set up with the same packs, parameters and backend as the command line's
`assess`: with `--pack`, one engine; without, the shipped packs each profile asks for (its
`profile.packs` or `profile.subject`), one engine per set, those of each subject compiled at
set-up and any other set the first time a profile asks for it (set-up time, not the request's).

A task's answer is plain data (picklable): `Reply("ok", bytes)` or `Reply("invalid", diagnostics)`,
diagnostics as the dictionaries of `Diagnostic.to_dict` — the fields the CLI prints.

Test hook (tests only): ASSESS_TEST_FAULT (as in engine.batch.run) — `crash=a.yaml;hang=b.yaml`
makes the worker die of SIGSEGV, or sleep for an hour, on a profile sent under that name.
"""

from __future__ import annotations

import dataclasses
import json
import os
import signal
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from engine.batch.run import FAULT_VARIABLE
from engine.batch.workers import untimed
from engine.errors import EngineError, InputError
from engine.expr.values import engine_arithmetic


@dataclass(frozen=True)
class WorkerConfig:
    packs: tuple[str, ...] | None  # pack directories; None: the shipped packs each profile asks for
    params: dict[str, Any] = field(default_factory=dict)
    backend: str = "auto"


@dataclass(frozen=True)
class Reply:
    status: Literal["ok", "invalid"]
    content: bytes = b""
    diagnostics: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class AssessTask:
    content: bytes
    name: str  # the profile's name in the report and diagnostics; never a path that is read
    fmt: str = "json"
    lang: str = "zh"
    validate_only: bool = False


@dataclass(frozen=True)
class RenderTask:
    content: bytes  # a Report JSON
    name: str
    fmt: str
    lang: str


@dataclass(frozen=True)
class RowTask:
    """One profile of a batch: its summary rows, as a batch's worker makes them."""

    content: bytes
    name: str


@dataclass
class Row:
    backend: str | None = None
    rows: list[tuple[str, Any]] = field(default_factory=list)  # (pack id, SummaryRow)
    groups: list[Any] = field(default_factory=list)  # the SummaryGroup of each pack that assessed it
    error: Any = None  # an ErrorEntry when the profile is invalid


class WorkerState:
    def __init__(self, config: WorkerConfig):
        self.config = config
        self.engines: dict[tuple[str, ...], Any] = {}  # an Engine, or the EngineError building it raised
        self.faults = _test_faults()

    def engine(self, dirs: Sequence[object]) -> Any:
        """The engine of these packs, built the first time (set-up, outside the request's timeout)."""
        from engine.api.engine import Engine

        key = tuple(str(d) for d in dirs)
        if key not in self.engines:
            with untimed():
                try:
                    self.engines[key] = Engine.from_dirs(list(key), params=self.config.params,
                                                         backend=self.config.backend)
                except EngineError as exc:  # the same error for every profile of these packs, as the CLI's
                    self.engines[key] = exc
        built = self.engines[key]
        if isinstance(built, EngineError):
            raise built
        return built

    def packs_for(self, content: bytes, name: str) -> Sequence[object]:
        """The packs that assess a profile, chosen as the CLI chooses them (diagnostics name the profile)."""
        if self.config.packs:
            return self.config.packs
        from engine.errors import display_path
        from engine.pack.discovery import packs_for_profile

        descriptor, path = tempfile.mkstemp(prefix="assess-serve-", suffix=".yaml")  # read by the chooser only
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(content)
        try:
            return packs_for_profile(path)
        except EngineError as exc:
            shown = display_path(Path(path))
            raise type(exc)([dataclasses.replace(d, file=name) if d.file == shown else d
                             for d in exc.diagnostics]) from None
        finally:
            os.unlink(path)


def setup(config: WorkerConfig) -> WorkerState:
    from engine.service.catalog import shipped_groups

    state = WorkerState(config)
    for dirs in [config.packs] if config.packs else shipped_groups():  # compiled before the first request
        state.engine(dirs)
    return state


def handle(state: WorkerState, task: Any) -> Reply | Row:
    try:
        if isinstance(task, AssessTask):
            return _assess(state, task)
        if isinstance(task, RenderTask):
            return _render(task)
        if isinstance(task, RowTask):
            return _row(state, task)
    except EngineError as exc:
        return Reply("invalid", diagnostics=[d.to_dict() for d in exc.diagnostics])
    raise TypeError(f"unknown task {type(task).__name__}")


@engine_arithmetic
def _profile(state: WorkerState, content: bytes, name: str) -> tuple[Any, Any]:
    """(the engine, the validated profile) of a profile, exactly as `assess NAME` would have them."""
    from engine.source.load import load_yaml_bytes

    if state.faults:
        _inject_fault(state.faults, name)
    engine = state.engine(state.packs_for(content, name))
    document = load_yaml_bytes(content, name, error_class=InputError)
    return engine, engine.schema.validate(document, name)


@engine_arithmetic
def _assess(state: WorkerState, task: AssessTask) -> Reply:
    from engine.report import render

    if task.validate_only:
        return _validate(state, task)
    engine, profile = _profile(state, task.content, task.name)
    return Reply("ok", _as_bytes(render(engine.assess(profile), task.fmt, task.lang)))


def _validate(state: WorkerState, task: AssessTask) -> Reply:
    """{"valid": …, "diagnostics": […]}: the errors that keep the profile from being assessed, or its warnings."""
    try:
        diagnostics = _profile(state, task.content, task.name)[1].warnings
        valid = True
    except EngineError as exc:
        diagnostics, valid = exc.diagnostics, False
    body = {"valid": valid, "diagnostics": [d.to_dict() for d in diagnostics]}
    return Reply("ok", json.dumps(body, ensure_ascii=False, indent=2).encode("utf-8"))


@engine_arithmetic
def _render(task: RenderTask) -> Reply:
    from engine.report import render
    from engine.report.load import parse_report

    return Reply("ok", _as_bytes(render(parse_report(task.content, task.name), task.fmt, task.lang)))


@engine_arithmetic
def _row(state: WorkerState, task: RowTask) -> Row:
    """A profile's rows of the batch summary; an invalid profile is an error entry, as in a batch."""
    from engine.report.model import DiagnosticOut
    from engine.report.summary.build import group_of, rows_of
    from engine.report.summary.model import ErrorEntry

    try:
        engine, profile = _profile(state, task.content, task.name)
        report = engine.assess(profile)
    except EngineError as exc:
        reason = exc.diagnostics[0].message if exc.diagnostics else str(exc)
        return Row(error=ErrorEntry(file=task.name, status="invalid", reason=reason,
                                    diagnostics=[DiagnosticOut(**d.to_dict()) for d in exc.diagnostics]))
    return Row(report.engine.backend, rows_of(report), [group_of(pack) for pack in engine.packs])


def _as_bytes(content: str | bytes) -> bytes:
    return content.encode("utf-8") if isinstance(content, str) else content


def _test_faults() -> dict[str, str]:
    """ASSESS_TEST_FAULT='crash=a.yaml;hang=b.yaml' → {'a.yaml': 'crash', 'b.yaml': 'hang'} (tests only)."""
    faults = {}
    for part in filter(None, os.environ.get(FAULT_VARIABLE, "").split(";")):
        action, _, names = part.partition("=")
        for name in filter(None, names.split(",")):
            faults[name.strip()] = action.strip()
    return faults


def _inject_fault(faults: dict[str, str], name: str) -> None:
    action = faults.get(os.path.basename(name))
    if action == "crash":
        os.kill(os.getpid(), signal.SIGSEGV)
    elif action == "hang":
        time.sleep(3600)


__all__ = ["AssessTask", "RenderTask", "Reply", "Row", "RowTask", "WorkerConfig", "handle", "setup"]
