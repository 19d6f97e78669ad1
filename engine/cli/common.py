"""What the commands share: exit codes, error handling, `--set`, and writing output."""

from __future__ import annotations

import datetime as dt
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

import typer

from engine.errors import Diagnostic, EngineError, UsageError

if TYPE_CHECKING:
    from engine.pack.model import Pack
    from engine.report.model import DiagnosticOut
    from engine.review.apply import Review

EXIT_OK, EXIT_BELOW, EXIT_INVALID, EXIT_INTERNAL = 0, 1, 2, 3
EXIT_INTERRUPTED, EXIT_TERMINATED = 128 + signal.SIGINT, 128 + signal.SIGTERM  # 130, 143: as the shell reports

T = TypeVar("T")


def fail(diagnostics: Sequence[Diagnostic]) -> NoReturn:
    for diagnostic in diagnostics:
        typer.echo(diagnostic.format(), err=True)
    errors = sum(1 for d in diagnostics if d.severity == "error")
    if errors > 1:
        typer.echo(f"{errors} errors", err=True)
    raise typer.Exit(EXIT_INVALID)


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised where the program is, like Ctrl-C: what is being written is not left half, workers stop."""

    exit_code = EXIT_TERMINATED


def guarded(action: Callable[[], T]) -> T:
    """Run an action; bad input becomes diagnostics and exit 2, a bug exit 3; Ctrl-C 130, SIGTERM 143, quietly."""
    try:
        with _sigterm_raises():
            return action()
    except EngineError as exc:
        fail(exc.diagnostics)
    except typer.Exit:
        raise
    except KeyboardInterrupt as exc:
        raise typer.Exit(getattr(exc, "exit_code", EXIT_INTERRUPTED)) from None
    except Exception as exc:  # a bug in the engine, not bad input
        if os.environ.get("ASSESS_DEBUG"):
            raise
        typer.echo(f"internal error: {type(exc).__name__}: {exc}", err=True)
        typer.echo("This is a bug in the engine. Re-run with ASSESS_DEBUG=1 for details and please report it.",
                   err=True)
        raise typer.Exit(EXIT_INTERNAL) from None


@contextmanager
def _sigterm_raises() -> Iterator[None]:
    """SIGTERM raises `Terminated` while the action runs (signal handlers can only be set in the main thread)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, _raise_terminated)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous if previous is not None else signal.SIG_DFL)


def _raise_terminated(signum: int, frame: object) -> None:
    raise Terminated()


def parse_sets(values: Sequence[str] | None) -> dict[str, Any]:
    from engine.source.load import load_yaml_bytes

    found = {}
    for item in values or []:
        name, sep, raw = item.partition("=")
        if not sep or not name.strip():
            usage_error("--set", f"--set expects NAME=VALUE, got {item!r}")
        document = load_yaml_bytes(raw.encode("utf-8"), f"--set {name}", error_class=UsageError)
        found[name.strip()] = document.data
    return found


STDOUT_NAMES = ("-", "/dev/stdout")  # -o - writes to standard output, like -o /dev/stdout


def output_file(output: Path | None) -> Path | None:
    """The file to write; None for standard output (no --output, or `-o -` or /dev/stdout)."""
    return None if output is None or str(output) in STDOUT_NAMES else output


def require_output(fmt: str, output: Path | None) -> None:
    """A binary format (xlsx) is written to a file, or with `-o -` to a standard output that is not a terminal."""
    from engine.report import BINARY_FORMATS

    if fmt in BINARY_FORMATS and output_file(output) is None and (output is None or sys.stdout.isatty()):
        binary_needs_a_file(fmt)


def binary_needs_a_file(fmt: str) -> NoReturn:
    usage_error("--format", f"--format {fmt} writes a binary file",
                hint=f"give the file to write: --output report.{fmt} (or -o - into a pipe)")


def write_output(content: str | bytes, output: Path | None) -> None:
    """To the file (see engine.report.output: atomically, or into a device or FIFO as it is) or to stdout.

    Bytes go to stdout only when asked for with `-o -` and stdout is not a terminal.
    """
    path = output_file(output)
    if path is not None:
        from engine.report.output import atomic_write_bytes, atomic_write_text

        if isinstance(content, bytes):
            atomic_write_bytes(path, content)
        else:
            atomic_write_text(path, content)
        return
    if isinstance(content, bytes) and (output is None or sys.stdout.isatty()):
        binary_needs_a_file("xlsx")
    _write_stdout(content)


def _write_stdout(content: str | bytes) -> None:
    """Standard output, flushed here: a full disk or a closed pipe is an output error (exit 2), not a bug."""
    from engine.report.output import OutputError, cannot_write

    try:
        if isinstance(content, bytes):
            sys.stdout.flush()
            sys.stdout.buffer.write(content)
            sys.stdout.buffer.flush()
        else:
            sys.stdout.write(content)
            sys.stdout.flush()
    except OSError as exc:
        _discard_stdout()
        raise OutputError([cannot_write("<stdout>", exc)]) from None


def _discard_stdout() -> None:
    """What could not be written is dropped, so Python's own flush at exit does not fail again."""
    try:
        fd = sys.stdout.fileno()
    except (OSError, ValueError, AttributeError):  # not a real file (a test's capture)
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, fd)
    finally:
        os.close(devnull)


def refuse_overwriting_inputs(output: Path | None, inputs: Sequence[str | Path]) -> None:
    """`-o` naming one of the profiles read would replace it with the report: a usage error, nothing written."""
    path = output_file(output)
    if path is None:
        return
    for given in inputs:
        try:
            same = os.path.samefile(path, given)
        except OSError:  # either does not exist (yet): not the same file
            continue
        if same:
            usage_error("--output", f"--output {output} is the profile {given}: it would be replaced by the report",
                        hint="write the report to another file")


def usage_error(option: str, message: str, hint: str | None = None) -> NoReturn:
    raise UsageError([Diagnostic(option, 0, 0, "error", "usage", message, hint=hint)])


def load_review(waivers: Sequence[Path] | None, adjustments: Sequence[Path] | None,
                packs: list[Pack], as_of: dt.date | None = None) -> Review | None:
    """The waivers and adjustments given, checked against the packs (unknown rules: exit 2); with --as-of,
    the waivers expired on that date said once (without it, each profile's period decides, in its report). --as-of
    alone is a review too: the date vetoes that last are judged in force on."""
    if not waivers and not adjustments and as_of is None:
        return None
    from engine.review.adjustments import AdjustmentSet
    from engine.review.apply import Review
    from engine.review.waivers import WaiverSet

    review = Review(waivers=WaiverSet.load(list(waivers)) if waivers else None,
                    adjustments=AdjustmentSet.load(list(adjustments)) if adjustments else None, as_of=as_of)
    review.check(packs)
    for warning in review.expired():
        typer.echo(warning.format(), err=True)
    return review


def parse_as_of(value: str | None) -> dt.date | None:
    """--as-of YYYY-MM-DD: the date waivers' expiry (and vetoes that last) are judged on."""
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        usage_error("--as-of", f"--as-of expects a date written YYYY-MM-DD, got {value!r}",
                    hint="e.g. --as-of 2024-12-31")


def say_warnings(diagnostics: Sequence[Diagnostic | DiagnosticOut]) -> None:
    """The warnings of a report on stderr too, where a pipeline's log shows them (compiler style)."""
    for d in diagnostics:
        shown = d if isinstance(d, Diagnostic) else Diagnostic(**d.model_dump())
        typer.echo(shown.format(), err=True)
