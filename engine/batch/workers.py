"""Supervised worker processes: set up once, fed chunks of tasks, killed and replaced when they fail.

durable_rules can crash the process (SIGSEGV) or hang while holding the GIL
(docs/explanation/durable-rules.md §5, §8), and neither can be caught inside the
process. So evaluation runs in worker processes watched from here:

- each worker runs `setup(*args)` once (build the Engine: compile the packs),
  then `handle(state, task)` for every task of each chunk it is sent, and
  answers each task as soon as it is done;
- a worker that dies (a signal, an exit) costs the task it was on — reported
  as a `Failure` — and is replaced; the rest of its chunk goes back to the queue;
- a task that runs longer than `timeout` seconds gets its worker killed
  (SIGKILL: a C loop holding the GIL ignores everything else) and replaced;
- an exception raised by `handle` is a `Failure` of that task; the worker goes on;
- the time a task spends inside `untimed()` (e.g. compiling packs the worker
  had not needed yet) is set-up, charged to no task: only `setup_timeout`
  limits it, so a worker's first profile is not timed out for the packs
  every later one uses;
- a failure of `setup` (bad packs) stops everything: `SetupFailed`.

Workers are started with the 'spawn' method: a fresh interpreter, the same on
every platform, no state inherited from the parent (nor its threads).

The protocol, worker to parent, one message per pipe write:
    ("ready", pid)                                   set-up done
    ("fatal", message, diagnostics, error class)     set-up failed; the worker exits
    ("done", task index, result)                     a task's result
    ("error", task index, reason, traceback)         a task raised
    ("untimed", task index) … ("timed", task index)  the task's set-up: its clock stops in between
and parent to worker: a chunk `[(task index, task), ...]`, or None to exit.
A worker answers the tasks of its chunks in the order it was sent them; anything
else is a `WorkerProtocolError` (a bug, checked also under `python -O`).

A hand-written pool rather than a library (pebble's ProcessPool was tried): a
pool initializer that fails or crashes only gives "All workers expired", while
a batch must report the set-up's diagnostics and the signal that killed it,
time the set-up out, and keep the rest of a chunk when one of its tasks fails.
"""

from __future__ import annotations

import contextlib
import math
import multiprocessing
import os
import signal
import time
import traceback
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from multiprocessing.context import BaseContext
from multiprocessing.process import BaseProcess
from typing import Any, Literal

from engine.errors import Diagnostic, EngineError

Chunk = list[tuple[int, Any]]  # (index of the task in the run, the task)
Answer = tuple[int, Any]  # (index of the task, its result or a Failure)

_running: tuple[Connection, int] | None = None  # in a worker: its pipe and the task it is on


@dataclass(frozen=True)
class Failure:
    """A task that produced no result: 'crashed', 'timeout' or 'error' (an exception, with its traceback)."""

    kind: Literal["crashed", "timeout", "error"]
    reason: str
    detail: str = ""


class SetupFailed(Exception):
    """A worker could not set up; `diagnostics` when the cause was bad input (an EngineError)."""

    def __init__(self, message: str, diagnostics: list[Diagnostic] | None = None, error_class: str | None = None):
        super().__init__(message)
        self.diagnostics = diagnostics or []
        self.error_class = error_class


class WorkerProtocolError(RuntimeError):
    """A worker sent a message the protocol does not allow (a bug in the pool, never bad input)."""


# ---- in the worker process -------------------------------------------------------------------

class _Terminated(BaseException):
    """SIGTERM in a worker: unwinds what it was doing (a report being written removes its temporary file)."""


_unwinding = False  # True while a task runs: SIGTERM unwinds it (a report half-written removes its temp file)


def _on_sigterm(signum: int, frame: object) -> None:
    if _unwinding:
        raise _Terminated()
    _die_of(signal.SIGTERM)  # outside a task there is nothing to clean up, and no traceback to print


def _die_of(signum: int) -> None:
    """End the process by the signal, as the parent expects to see it (exit code -signum), quietly."""
    signal.signal(signum, signal.SIG_DFL)
    os.kill(os.getpid(), signum)


def _main(conn: Connection, setup: Callable[..., Any], args: tuple[Any, ...],
          handle: Callable[[Any, Any], Any]) -> None:
    # A SIGTERM can come at any moment (the parent stops every worker when one fails to set up): it unwinds
    # only inside the try below, and anywhere else ends the process at once - never a traceback
    global _unwinding
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle; it stops the workers
    signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        try:
            _unwinding = True
            _run(conn, setup, args, handle)
        finally:
            _unwinding = False
    except _Terminated:  # cleaned up: now die of the signal
        _die_of(signal.SIGTERM)
    except OSError:  # the pipe: the parent has gone (stopped, killed); nobody is left to answer, no traceback
        return


def _run(conn: Connection, setup: Callable[..., Any], args: tuple[Any, ...],
         handle: Callable[[Any, Any], Any]) -> None:
    try:
        state = setup(*args)
    except _Terminated:
        raise
    except BaseException as exc:  # noqa: BLE001 - reported to the parent, which stops the run
        conn.send(_fatal_message(exc))
        return
    conn.send(("ready", os.getpid()))
    _serve(conn, state, handle)


def _fatal_message(exc: BaseException) -> tuple[str, str, list[Diagnostic], str | None]:
    if isinstance(exc, EngineError):
        return "fatal", str(exc), list(exc.diagnostics), type(exc).__name__
    return "fatal", f"{type(exc).__name__}: {exc}\n{traceback.format_exc()}", [], None


def _serve(conn: Connection, state: Any, handle: Callable[[Any, Any], Any]) -> None:
    """Answer every task of every chunk until the parent sends None or goes away."""
    global _running
    while True:
        try:
            chunk = conn.recv()
        except EOFError:
            return
        if chunk is None:
            return
        for index, task in chunk:
            _running = (conn, index)
            answer = _answer(state, handle, index, task)
            _running = None
            conn.send(answer)


@contextmanager
def untimed() -> Iterator[None]:
    """Inside a task, the time spent in this block is set-up: the task's timeout does not count it.

    Outside a worker's task (in set-up, or called directly) it does nothing.
    """
    running = _running
    if running is None:
        yield
        return
    conn, index = running
    conn.send(("untimed", index))
    try:
        yield
    finally:
        conn.send(("timed", index))


def _answer(state: Any, handle: Callable[[Any, Any], Any], index: int, task: Any) -> tuple[Any, ...]:
    try:
        return "done", index, handle(state, task)
    except Exception as exc:  # noqa: BLE001 - a failure of this task only
        return "error", index, f"{type(exc).__name__}: {exc}", traceback.format_exc()


# ---- in the parent ------------------------------------------------------------------------------

class Worker:
    """One worker process, its pipe, and the tasks it was sent and has not answered yet (a batch's here; a
    request's in engine.service.pool, which keeps its workers between requests)."""

    def __init__(self, context: BaseContext, number: int, setup: Callable[..., Any], args: tuple[Any, ...],
                 handle: Callable[[Any, Any], Any]):
        parent, child = context.Pipe(duplex=True)
        # typeshed's BaseContext (what get_context(str) returns) lacks Process; every real context has it
        process_class = context.Process  # type: ignore[attr-defined]
        self.process: BaseProcess = process_class(target=_main, args=(child, setup, args, handle), daemon=True,
                                                  name=f"assess-worker-{number}")
        self.process.start()
        child.close()
        self.conn = parent
        self.ready = False
        self.broken = False  # its pipe failed: it has gone
        self.started = time.monotonic()
        self.since = 0.0  # when the task it is on started, or its clock last started or stopped
        self.used = 0.0  # seconds the task it is on had used before its clock last stopped
        self.timed = True  # False while the task is in its set-up (`untimed`)
        self.queue: deque[tuple[int, Any]] = deque()  # sent and not yet answered, in order

    def send(self, chunk: Chunk) -> None:
        self.queue.extend(chunk)
        self._next_task()
        self.conn.send(chunk)

    def _next_task(self) -> None:
        self.since, self.used, self.timed = time.monotonic(), 0.0, True

    def clock(self, index: int, running: bool) -> None:
        """The task it is on left (`running`) or entered its set-up."""
        self._expect(index)
        now = time.monotonic()
        if self.timed and not running:
            self.used += now - self.since
        self.since, self.timed = now, running

    def overrun(self, timeout: float | None, setup_timeout: float) -> float | None:
        """The limit the task it is on has passed (its timeout, or set-up's while in set-up), else None."""
        if not self.ready or not self.queue:
            return None
        if self.timed:
            return timeout if timeout and self.used + time.monotonic() - self.since > timeout else None
        return setup_timeout if time.monotonic() - self.since > setup_timeout else None

    def deadline(self, timeout: float | None, setup_timeout: float) -> float | None:
        """Seconds until the task it is on passes its limit; None when nothing is timed."""
        if not self.ready or not self.queue:
            return None
        if self.timed:
            return self.since + timeout - self.used - time.monotonic() if timeout else None
        return self.since + setup_timeout - time.monotonic()

    def receive(self) -> list[tuple[Any, ...]]:
        """Every message the worker has sent so far; a pipe that fails marks it `broken`."""
        messages = []
        while not self.broken:
            try:
                if not self.conn.poll():
                    break
                messages.append(self.conn.recv())
            except Exception:  # noqa: BLE001 - EOF, a closed pipe, a message cut off by the worker's death
                self.broken = True
        return messages

    def answered(self, index: int) -> None:
        """Take the task the worker just answered off its queue; it must be the oldest one."""
        self._expect(index)
        self.queue.popleft()
        self._next_task()

    def _expect(self, index: int) -> None:
        """A message about task `index`: it must be the oldest one the worker was sent."""
        if not self.queue:
            raise WorkerProtocolError(f"a worker answered task {index}, but it was sent none")
        expected = self.queue[0][0]
        if index != expected:
            raise WorkerProtocolError(f"a worker answered task {index} before task {expected}")

    def gone(self) -> bool:
        """It died or its pipe broke (a worker only exits cleanly when told to, with nothing left to do)."""
        if self.broken:
            return True
        return not self.process.is_alive() and not (self.ready and not self.queue and self.process.exitcode == 0)

    def stop(self, grace: float = 5.0) -> None:
        if self.process.is_alive() and grace > 0:
            with contextlib.suppress(OSError, ValueError):
                self.conn.send(None)
            self.process.join(grace)
        self.kill()

    def terminate(self) -> None:
        """SIGTERM: the worker unwinds (a report being written is not left half) and dies; see `kill`."""
        if self.process.is_alive():
            self.process.terminate()

    def kill(self) -> None:
        if self.process.is_alive():
            self.process.kill()
        self.process.join(5)
        self.conn.close()


def exit_reason(exitcode: int | None) -> str:
    if exitcode is None:
        return "the worker process vanished"
    if exitcode < 0:
        try:
            name = signal.Signals(-exitcode).name
        except ValueError:
            name = f"signal {-exitcode}"
        return f"the worker process was killed by {name}"
    return f"the worker process exited with code {exitcode}"


def default_jobs() -> int:
    """The CPUs this process may run on (its affinity), not every CPU of the machine."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


class WorkerPool:
    """Run `handle(state, task)` for many tasks in `jobs` supervised processes; see the module doc."""

    def __init__(self, setup: Callable[..., Any], args: tuple[Any, ...], handle: Callable[[Any, Any], Any], *,
                 jobs: int | None = None, timeout: float | None = 60.0, chunk_size: int | None = None,
                 setup_timeout: float = 600.0, start_method: str = "spawn"):
        self.setup, self.args, self.handle = setup, args, handle
        self.jobs = max(1, jobs or default_jobs())
        self.timeout = timeout
        self.chunk_size = chunk_size
        self.setup_timeout = setup_timeout
        self.context = multiprocessing.get_context(start_method)
        self.started = 0  # workers started, replacements included
        self.pids: list[int] = []

    def run(self, tasks: Sequence[Any]) -> Iterator[Answer]:
        """Yield (index of the task, its result or a Failure) as tasks finish, in no particular order."""
        if not tasks:
            return
        batch = _Batch(self, tasks)
        finished = False
        try:
            while batch.unfinished():
                batch.feed_idle_workers()
                batch.wait()
                for position in range(len(batch.workers)):
                    yield from batch.collect(position)
            finished = True
        finally:  # idle workers are asked to exit; after an error, Ctrl-C or SIGTERM, every one is stopped at once
            batch.stop(grace=5.0 if finished else 0.0)

    def start_worker(self) -> Worker:
        self.started += 1
        return Worker(self.context, self.started, self.setup, self.args, self.handle)


class _Batch:
    """One `WorkerPool.run`: the chunks not sent yet and the workers that run them."""

    def __init__(self, pool: WorkerPool, tasks: Sequence[Any]):
        self.pool = pool
        jobs = min(pool.jobs, len(tasks))
        size = pool.chunk_size or max(1, min(200, math.ceil(len(tasks) / (jobs * 4))))
        indexed = list(enumerate(tasks))
        self.pending: deque[Chunk] = deque(indexed[i:i + size] for i in range(0, len(indexed), size))
        self.workers = [pool.start_worker() for _ in range(jobs)]

    def unfinished(self) -> bool:
        return bool(self.pending) or any(worker.queue for worker in self.workers)

    def feed_idle_workers(self) -> None:
        for worker in self.workers:
            if worker.ready and not worker.queue and self.pending:
                worker.send(self.pending.popleft())

    def wait(self) -> None:
        """Until a worker has sent something or exited, or the nearest deadline."""
        waitables: list[Any] = [w.conn for w in self.workers] + [w.process.sentinel for w in self.workers]
        wait(waitables, timeout=self._next_deadline())

    def collect(self, position: int) -> list[Answer]:
        """The answers of one worker, and the failure of its task if it died or overran (it is replaced)."""
        worker = self.workers[position]
        answers = self._read(worker)
        failure = self._failure_of(worker)
        if failure is not None:
            answers.extend(self._lose(worker, failure))
            self.workers[position] = self.pool.start_worker()
        return answers

    def stop(self, grace: float) -> None:
        if grace > 0:
            for worker in self.workers:
                worker.stop(grace=grace)
            return
        # Interrupted, or after an error: every worker is told to stop at once, and killed if it has not
        # within a second (a C loop holding the GIL does not unwind).
        for worker in self.workers:
            worker.terminate()
        deadline = time.monotonic() + 1.0
        for worker in self.workers:
            worker.process.join(max(0.0, deadline - time.monotonic()))
            worker.kill()

    # -- parts ----------------------------------------------------------------------

    def _read(self, worker: Worker) -> list[Answer]:
        answers: list[Answer] = []
        for message in worker.receive():
            kind = message[0]
            if kind == "ready":
                worker.ready = True
                self.pool.pids.append(message[1])
            elif kind == "fatal":
                raise SetupFailed(message[1], message[2], message[3])
            elif kind == "done":
                worker.answered(message[1])
                answers.append((message[1], message[2]))
            elif kind == "error":
                worker.answered(message[1])
                answers.append((message[1], Failure("error", message[2], message[3])))
            elif kind in ("untimed", "timed"):
                worker.clock(message[1], running=kind == "timed")
            else:
                raise WorkerProtocolError(f"a worker sent an unknown message {kind!r}")
        return answers

    def _failure_of(self, worker: Worker) -> Failure | None:
        """What the task the worker is on failed with, if it died or overran; SetupFailed if it never got ready."""
        if worker.gone():
            worker.process.join(2.0)  # it is exiting: let its exit status arrive
            if not worker.ready:
                raise SetupFailed(f"a worker failed to start: {exit_reason(worker.process.exitcode)}")
            return Failure("crashed", exit_reason(worker.process.exitcode))
        limit = worker.overrun(self.pool.timeout, self.pool.setup_timeout)
        if limit is not None:
            worker.kill()
            what = "no result" if worker.timed else "the set-up of its packs was not done"
            return Failure("timeout", f"{what} after {limit:g} s; the worker was killed")
        if not worker.ready and time.monotonic() - worker.started > self.pool.setup_timeout:
            raise SetupFailed(f"a worker did not finish setting up in {self.pool.setup_timeout:g} s")
        return None

    def _lose(self, worker: Worker, failure: Failure) -> list[Answer]:
        """Kill the worker; its current task failed, the rest of its chunk goes back to the queue."""
        worker.kill()
        if not worker.queue:
            return []
        index, _ = worker.queue.popleft()
        if worker.queue:
            self.pending.appendleft(list(worker.queue))  # not run yet
        worker.queue.clear()
        return [(index, failure)]

    def _next_deadline(self) -> float | None:
        now, setup_timeout = time.monotonic(), self.pool.setup_timeout
        deadlines = [d for w in self.workers if (d := w.deadline(self.pool.timeout, setup_timeout)) is not None]
        deadlines += [w.started + setup_timeout - now for w in self.workers if not w.ready]
        return max(0.0, min(deadlines)) + 0.01 if deadlines else None
