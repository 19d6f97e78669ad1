"""The supervised worker pool on its own: results, failures, replacement, set-up errors."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from engine.batch.workers import Failure, SetupFailed, WorkerPool, exit_reason, untimed
from engine.errors import Diagnostic, PackError

ROOT = Path(__file__).resolve().parent.parent


def setup(offset: int) -> dict:
    return {"offset": offset, "pid": os.getpid()}


def bad_setup(kind: str) -> dict:
    if kind == "pack":
        raise PackError([Diagnostic("p/pack.yaml", 3, 5, "error", "pack-schema", "bad pack")])
    if kind == "crash":
        os.kill(os.getpid(), signal.SIGSEGV)
    raise ValueError("no")


def handle(state: dict, task):
    if task == "boom":
        raise KeyError("boom")
    if task == "die":
        os._exit(7)
    return task + state["offset"], state["pid"]


def handle_with_setup(state: dict, task: tuple[float, float]):
    """Sleep task[0] seconds as set-up (untimed), then task[1] seconds as the task's own work."""
    with untimed():
        time.sleep(task[0])
    time.sleep(task[1])
    return task


def test_set_up_inside_a_task_is_charged_to_no_task_but_has_its_own_limit():
    pool = WorkerPool(setup, (0,), handle_with_setup, jobs=1, timeout=0.5, setup_timeout=1.0)
    got = dict(pool.run([(0.8, 0.2), (2.0, 0.0)]))
    assert got[0] == (0.8, 0.2)  # 1 s in all, 0.2 s of it its own: within its 0.5 s
    assert got[1] == Failure("timeout", "the set-up of its packs was not done after 1 s; the worker was killed")
    with untimed():  # outside a worker's task: nothing to tell
        pass


def test_results_come_back_for_every_task_with_failures_in_place():
    pool = WorkerPool(setup, (100,), handle, jobs=2, timeout=30, chunk_size=3)
    tasks = [1, 2, "boom", 4, "die", 6, 7, 8]
    got = dict(pool.run(tasks))
    assert sorted(got) == list(range(len(tasks)))
    assert [got[i][0] for i in (0, 1, 3, 5, 6, 7)] == [101, 102, 104, 106, 107, 108]
    assert isinstance(got[2], Failure) and got[2].kind == "error" and "KeyError" in got[2].reason
    assert "Traceback" in got[2].detail
    assert got[4] == Failure("crashed", "the worker process exited with code 7")
    assert pool.started == 3  # the two workers and the replacement of the one that exited
    assert os.getpid() not in {v[1] for v in got.values() if not isinstance(v, Failure)}


def test_a_set_up_error_stops_the_run_with_its_diagnostics():
    with pytest.raises(SetupFailed) as info:
        list(WorkerPool(bad_setup, ("pack",), handle, jobs=1).run([1, 2]))
    assert info.value.error_class == "PackError"
    assert info.value.diagnostics[0].format() == "p/pack.yaml:3:5: error[pack-schema]: bad pack"
    with pytest.raises(SetupFailed) as info:
        list(WorkerPool(bad_setup, ("crash",), handle, jobs=1).run([1]))
    assert "SIGSEGV" in str(info.value)


def test_no_tasks_start_no_workers():
    pool = WorkerPool(setup, (0,), handle, jobs=4)
    assert list(pool.run([])) == [] and pool.started == 0


def test_exit_reasons():
    assert exit_reason(-signal.SIGSEGV) == "the worker process was killed by SIGSEGV"
    assert exit_reason(-signal.SIGKILL) == "the worker process was killed by SIGKILL"
    assert exit_reason(3) == "the worker process exited with code 3"


def test_a_worker_answering_out_of_order_is_a_protocol_error_also_under_python_O():
    """The protocol is checked by code, not by assert statements that `python -O` strips."""
    code = textwrap.dedent("""
        from collections import deque
        from engine.batch.workers import Worker, WorkerProtocolError
        worker = object.__new__(Worker)  # its bookkeeping only, no process
        worker.queue = deque([(3, "a"), (4, "b")])
        try:
            worker.answered(4)
        except WorkerProtocolError as exc:
            print(exc)
        worker.answered(3)
        worker.answered(4)
        try:
            worker.answered(5)
        except WorkerProtocolError as exc:
            print(exc)
    """)
    done = subprocess.run([sys.executable, "-O", "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert done.stdout.splitlines() == ["a worker answered task 4 before task 3",
                                        "a worker answered task 5, but it was sent none"], done.stderr
