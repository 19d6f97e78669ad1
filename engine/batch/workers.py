"""Supervised worker processes: set up once, fed chunks of tasks, killed and replaced when they fail.

durable_rules can crash the process (SIGSEGV) or hang while holding the GIL
(../shared/DURABLE_RULES.md §5, §8), and neither can be caught inside the
process. So evaluation runs in worker processes watched from here:

- each worker runs `setup(*args)` once (build the Engine: compile the packs),
  then `handle(state, task)` for every task of each chunk it is sent, and
  answers each task as soon as it is done;
- a worker that dies (a signal, an exit) costs the task it was on — reported
  as a `Failure` — and is replaced; the rest of its chunk goes back to the queue;
- a task that runs longer than `timeout` seconds gets its worker killed
  (SIGKILL: a C loop holding the GIL ignores everything else) and replaced;
- an exception raised by `handle` is a `Failure` of that task; the worker goes on;
- a failure of `setup` (bad packs) stops everything: `SetupFailed`.

Workers are started with the 'spawn' method: a fresh interpreter, the same on
every platform, no state inherited from the parent (nor its threads).
"""

from __future__ import annotations

import math
import multiprocessing
import os
import signal
import time
import traceback
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from multiprocessing.connection import wait
from typing import Any

from engine.errors import EngineError


@dataclass(frozen=True)
class Failure:
    """A task that produced no result: 'crashed', 'timeout' or 'error' (an exception, with its traceback)."""

    kind: str
    reason: str
    detail: str = ""


class SetupFailed(Exception):
    """A worker could not set up; `diagnostics` when the cause was bad input (an EngineError)."""

    def __init__(self, message: str, diagnostics: list | None = None, error_class: str | None = None):
        super().__init__(message)
        self.diagnostics = diagnostics or []
        self.error_class = error_class


def _main(conn, setup: Callable, args: tuple, handle: Callable) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle; it stops the workers
    try:
        state = setup(*args)
    except EngineError as exc:
        conn.send(("fatal", str(exc), list(exc.diagnostics), type(exc).__name__))
        return
    except BaseException as exc:  # noqa: BLE001 - reported to the parent, which stops the run
        conn.send(("fatal", f"{type(exc).__name__}: {exc}\n{traceback.format_exc()}", [], None))
        return
    conn.send(("ready", os.getpid()))
    while True:
        try:
            chunk = conn.recv()
        except EOFError:
            return
        if chunk is None:
            return
        for index, task in chunk:
            try:
                result = handle(state, task)
            except Exception as exc:  # noqa: BLE001 - a failure of this task only
                conn.send(("error", index, f"{type(exc).__name__}: {exc}", traceback.format_exc()))
                continue
            conn.send(("done", index, result))


class _Worker:
    def __init__(self, context, number: int, setup: Callable, args: tuple, handle: Callable):
        parent, child = context.Pipe(duplex=True)
        self.process = context.Process(target=_main, args=(child, setup, args, handle), daemon=True,
                                       name=f"assess-worker-{number}")
        self.process.start()
        child.close()
        self.conn = parent
        self.ready = False
        self.pid: int | None = None
        self.started = time.monotonic()
        self.since = 0.0  # when the task it is on started
        self.queue: deque[tuple[int, Any]] = deque()  # sent and not yet answered, in order

    def send(self, chunk: list[tuple[int, Any]]) -> None:
        self.queue.extend(chunk)
        self.since = time.monotonic()
        self.conn.send(chunk)

    def stop(self, grace: float = 5.0) -> None:
        if self.process.is_alive() and grace > 0:
            try:
                self.conn.send(None)
            except (OSError, ValueError):
                pass
            self.process.join(grace)
        self.kill()

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

    def __init__(self, setup: Callable, args: tuple, handle: Callable, *, jobs: int | None = None,
                 timeout: float | None = 60.0, chunk_size: int | None = None, setup_timeout: float = 600.0,
                 start_method: str = "spawn"):
        self.setup, self.args, self.handle = setup, args, handle
        self.jobs = max(1, jobs or default_jobs())
        self.timeout = timeout
        self.chunk_size = chunk_size
        self.setup_timeout = setup_timeout
        self.context = multiprocessing.get_context(start_method)
        self.started = 0  # workers started, replacements included
        self.pids: list[int] = []

    def run(self, tasks: Sequence[Any]) -> Iterator[tuple[int, Any]]:
        """Yield (index of the task, its result or a Failure) as tasks finish, in no particular order."""
        if not tasks:
            return
        jobs = min(self.jobs, len(tasks))
        size = self.chunk_size or max(1, min(200, math.ceil(len(tasks) / (jobs * 4))))
        indexed = list(enumerate(tasks))
        pending: deque[list] = deque(indexed[i:i + size] for i in range(0, len(indexed), size))
        workers = [self._start() for _ in range(jobs)]
        finished = False
        try:
            while pending or any(w.queue for w in workers):
                for worker in workers:
                    if worker.ready and not worker.queue and pending:
                        worker.send(pending.popleft())
                waitables = [w.conn for w in workers] + [w.process.sentinel for w in workers]
                wait(waitables, timeout=self._next_deadline(workers))
                for position, worker in enumerate(workers):
                    alive = yield from self._drain(worker)
                    lost = None
                    if not alive:
                        worker.process.join(2.0)  # it is exiting: let its exit status arrive
                        if not worker.ready:
                            raise SetupFailed(f"a worker failed to start: {exit_reason(worker.process.exitcode)}")
                        lost = Failure("crashed", exit_reason(worker.process.exitcode))
                    elif self._overdue(worker):
                        worker.kill()
                        lost = Failure("timeout", f"no result after {self.timeout:g} s; the worker was killed")
                    elif not worker.ready and time.monotonic() - worker.started > self.setup_timeout:
                        raise SetupFailed(f"a worker did not finish setting up in {self.setup_timeout:g} s")
                    if lost is not None:
                        yield from self._lose(worker, lost, pending)
                        workers[position] = self._start()
            finished = True
        finally:  # idle workers are asked to exit; after an error or Ctrl-C, busy ones are killed at once
            for worker in workers:
                worker.stop(grace=5.0 if finished else 0.0)

    # -- parts ----------------------------------------------------------------------

    def _start(self) -> _Worker:
        self.started += 1
        return _Worker(self.context, self.started, self.setup, self.args, self.handle)

    def _drain(self, worker: _Worker):
        """Read every message the worker has sent; False if it has gone (crashed or exited)."""
        while True:
            try:
                if not worker.conn.poll():
                    return worker.process.is_alive() or self._has_exited_cleanly(worker)
                message = worker.conn.recv()
            except (EOFError, OSError, ValueError):
                return False
            except Exception:  # noqa: BLE001 - a message cut off by the worker's death
                return False
            kind = message[0]
            if kind == "ready":
                worker.ready, worker.pid = True, message[1]
                self.pids.append(message[1])
            elif kind == "fatal":
                raise SetupFailed(message[1], message[2], message[3])
            else:
                index, payload = message[1], message[2]
                expected = worker.queue.popleft()[0]
                assert expected == index, "a worker answered out of order"
                worker.since = time.monotonic()
                yield index, payload if kind == "done" else Failure("error", payload, message[3])

    @staticmethod
    def _has_exited_cleanly(worker: _Worker) -> bool:
        return not worker.queue and worker.ready and worker.process.exitcode == 0

    def _overdue(self, worker: _Worker) -> bool:
        return bool(self.timeout and worker.ready and worker.queue
                    and time.monotonic() - worker.since > self.timeout)

    def _lose(self, worker: _Worker, failure: Failure, pending: deque):
        worker.kill()
        if worker.queue:
            index, _ = worker.queue.popleft()
            if worker.queue:
                pending.appendleft(list(worker.queue))  # the rest of its chunk, not run yet
            worker.queue.clear()
            yield index, failure

    def _next_deadline(self, workers: list[_Worker]) -> float | None:
        now = time.monotonic()
        deadlines = [w.since + self.timeout - now for w in workers if self.timeout and w.ready and w.queue]
        deadlines += [w.started + self.setup_timeout - now for w in workers if not w.ready]
        return max(0.0, min(deadlines)) + 0.01 if deadlines else None
