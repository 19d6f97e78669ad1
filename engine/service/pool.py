"""Supervised worker processes kept between requests: one request's task at a time per worker.

engine.batch.workers runs a batch and stops its workers; a server keeps them. Each worker
(engine.batch.workers.Worker: a spawned process, its pipe and its protocol) is set up once — the
packs compiled — and then waits, idle, for a request. A request takes an idle worker, sends it
one task and waits for the answer:

- a worker that dies (SIGSEGV in durable_rules, an exit) costs that request a `Failure("crashed")`;
- a task that runs longer than the timeout gets its worker killed (SIGKILL: a C loop holding the
  GIL ignores everything else): `Failure("timeout")`;
- an exception in the task is `Failure("error")`; the worker goes on;
- a worker that died or was killed is replaced at once: the replacement sets up while it waits
  in the idle queue, and the next request to take it waits for its set-up (not its timeout).

`Busy` when no worker becomes idle within the wait a request is allowed.
"""

from __future__ import annotations

import itertools
import multiprocessing
import queue
import threading
import time
from collections.abc import Callable
from multiprocessing.connection import wait
from typing import Any

from engine.batch.workers import Failure, SetupFailed, Worker, WorkerProtocolError, exit_reason


class Busy(Exception):
    """Every worker stayed busy for as long as a request may wait for one."""


class ServicePool:
    def __init__(self, setup: Callable[..., Any], args: tuple[Any, ...], handle: Callable[[Any, Any], Any], *,
                 workers: int, timeout: float | None, setup_timeout: float = 600.0, start_method: str = "spawn"):
        self.setup, self.args, self.handle = setup, args, handle
        self.size = max(1, workers)
        self.timeout = timeout
        self.setup_timeout = setup_timeout
        self.context = multiprocessing.get_context(start_method)
        self.idle: queue.Queue[Worker] = queue.Queue()
        self.started = 0  # workers started, replacements included
        self.running: set[Worker] = set()
        self.lock = threading.Lock()
        self.tasks = itertools.count()
        self.closed = False

    def start(self) -> None:
        """Start every worker and wait until each is set up; `SetupFailed` if one cannot be."""
        workers = [self._new_worker() for _ in range(self.size)]
        try:
            for worker in workers:
                self._await_ready(worker)
        except SetupFailed:
            self.close()
            raise
        for worker in workers:
            self.idle.put(worker)

    def call(self, task: Any, *, timeout: float | None = None, wait_for_worker: float | None = None) -> Any:
        """The task's result, or a `Failure`; `Busy` when no worker was free within `wait_for_worker` s."""
        try:
            worker = self.idle.get(timeout=wait_for_worker)
        except queue.Empty:
            raise Busy() from None
        healthy = False
        try:
            self._await_ready(worker)
            result = self._run(worker, task, timeout if timeout is not None else self.timeout)
            healthy = not isinstance(result, Failure) or result.kind == "error"
            return result
        finally:
            self._give_back(worker, healthy)

    def close(self) -> None:
        """Stop every worker (those on a task are killed)."""
        self.closed = True
        with self.lock:
            workers = list(self.running)
            self.running.clear()
        for worker in workers:
            worker.stop(grace=1.0)

    # -- parts ------------------------------------------------------------------------------

    def _new_worker(self) -> Worker:
        with self.lock:
            self.started += 1
            worker = Worker(self.context, self.started, self.setup, self.args, self.handle)
            self.running.add(worker)
        return worker

    def _give_back(self, worker: Worker, healthy: bool) -> None:
        if healthy:
            self.idle.put(worker)
            return
        worker.kill()
        with self.lock:
            self.running.discard(worker)
        if not self.closed:
            self.idle.put(self._new_worker())

    def _await_ready(self, worker: Worker) -> None:
        while not worker.ready:
            left = worker.started + self.setup_timeout - time.monotonic()
            if left <= 0:
                raise SetupFailed(f"a worker did not finish setting up in {self.setup_timeout:g} s")
            wait([worker.conn, worker.process.sentinel], timeout=left)
            for message in worker.receive():
                if message[0] == "ready":
                    worker.ready = True
                elif message[0] == "fatal":
                    raise SetupFailed(message[1], message[2], message[3])
            if not worker.ready and worker.gone():
                worker.process.join(2.0)
                raise SetupFailed(f"a worker failed to start: {exit_reason(worker.process.exitcode)}")

    def _run(self, worker: Worker, task: Any, timeout: float | None) -> Any:
        index = next(self.tasks)
        worker.send([(index, task)])
        while True:
            left = worker.deadline(timeout, self.setup_timeout)
            wait([worker.conn, worker.process.sentinel], timeout=None if left is None else max(0.0, left) + 0.01)
            for message in worker.receive():
                answer = self._answer(worker, message)
                if answer is not None:
                    return answer[0]
            if worker.gone():
                worker.process.join(2.0)  # it is exiting: let its exit status arrive
                return Failure("crashed", exit_reason(worker.process.exitcode))
            limit = worker.overrun(timeout, self.setup_timeout)
            if limit is not None:
                what = "no result" if worker.timed else "the set-up of its packs was not done"
                return Failure("timeout", f"{what} after {limit:g} s; the worker was killed")

    @staticmethod
    def _answer(worker: Worker, message: tuple[Any, ...]) -> tuple[Any] | None:
        """(the task's result,) when the message answers it; None for a message about its clock."""
        kind = message[0]
        if kind == "done":
            worker.answered(message[1])
            return (message[2],)
        if kind == "error":
            worker.answered(message[1])
            return (Failure("error", message[2], message[3]),)
        if kind in ("untimed", "timed"):
            worker.clock(message[1], running=kind == "timed")
            return None
        raise WorkerProtocolError(f"a worker sent an unexpected message {kind!r}")
