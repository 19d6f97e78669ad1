"""Batch throughput and worker memory: N generated profiles assessed with --jobs 1, 2, ….

    python benchmarks/batch.py                         # 10,000 demo-pack profiles, --jobs 1 and 2
    python benchmarks/batch.py --count 2000 --jobs 1 2 4 --pack rules/community

What is measured, for each number of workers (the same files each time, through the library call
`engine.batch.run.run_batch` that `assess DIR --jobs N` makes):

- wall        from the call to the summary: worker start-up (a fresh interpreter each, packs compiled
              once per worker), the assessments, the ranking;
- steady      profiles per second between the first and the last result: the throughput once the
              workers are up, which is what scales with workers;
- RSS         of each worker process, sampled every 0.2 s from /proc: when 10 % of the profiles are
              done (every worker up and warm), the peak, and at the end — flat memory means the end
              is about the 10 % figure;
- CPU         profiles per CPU-second of the workers (user + system time from /proc): the work
              each profile costs, whatever share of the machine the workers got — if it stays
              the same with more workers, throughput scales with the cores actually available;
- summary     the JSON summaries of every run are compared: they must be identical.

The machine is measured too: two busy loops in two processes against one, which gives the number of
cores this box really provides (on a shared VM it can be far below its CPU count).
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
for entry in (str(ROOT), str(HERE)):
    if entry not in sys.path:
        sys.path.insert(0, entry)

from generate import generate  # noqa: E402  (benchmarks/generate.py: the shared profile writer)


def machine() -> dict:
    info = {"python": f"{platform.python_implementation()} {platform.python_version()}",
            "platform": platform.platform(), "cpus available": len(os.sched_getaffinity(0)), "cpu": "?"}
    try:
        with open("/proc/cpuinfo") as handle:
            info["cpu"] = next(line.split(":", 1)[1].strip() for line in handle if line.startswith("model name"))
        with open("/proc/meminfo") as handle:
            kib = next(int(line.split()[1]) for line in handle if line.startswith("MemTotal"))
            info["ram"] = f"{kib / 1024 / 1024:.1f} GiB"
        info["load before"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
    except (OSError, StopIteration):
        pass
    return info


def _spin(seconds_of_work: int, done) -> None:
    total = 0
    for i in range(seconds_of_work):
        total += i * i
    done.put(total)


def effective_cores(work: int = 30_000_000) -> float:
    """Two busy loops in parallel against one: 2.0 on two free cores, 1.0 when they share one."""
    import multiprocessing

    context = multiprocessing.get_context("spawn")

    def timed(n: int) -> float:
        queue = context.Queue()
        processes = [context.Process(target=_spin, args=(work, queue)) for _ in range(n)]
        start = time.perf_counter()
        for p in processes:
            p.start()
        for _ in processes:
            queue.get()
        elapsed = time.perf_counter() - start
        for p in processes:
            p.join()
        return elapsed

    one = min(timed(1) for _ in range(2))
    two = min(timed(2) for _ in range(2))
    return 2 * one / two


def rss_kib(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/status") as handle:
            return next(int(line.split()[1]) for line in handle if line.startswith("VmRSS"))
    except (OSError, StopIteration):
        return None


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of a process so far."""
    try:
        with open(f"/proc/{pid}/stat") as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return None


def children() -> list[int]:
    me = os.getpid()
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as handle:
                    fields = handle.read().rsplit(")", 1)[1].split()
                if int(fields[1]) == me:
                    found.append(int(entry))
            except (OSError, IndexError, ValueError):
                continue
    return found


class Sampler(threading.Thread):
    """RSS of every child process over time: {pid: [(seconds, KiB), ...]}."""

    def __init__(self, every: float = 0.2):
        super().__init__(daemon=True)
        self.every = every
        self.samples: dict[int, list[tuple[float, int]]] = {}
        self.cpu: dict[int, float] = {}  # the last CPU time seen of each child
        self.stopped = threading.Event()
        self.start_time = time.perf_counter()

    def run(self) -> None:
        while not self.stopped.is_set():
            now = time.perf_counter() - self.start_time
            for pid in children():
                value, cpu = rss_kib(pid), cpu_seconds(pid)
                if value:
                    self.samples.setdefault(pid, []).append((now, value))
                if cpu is not None:
                    self.cpu[pid] = cpu
            self.stopped.wait(self.every)

    def stop(self) -> None:
        self.stopped.set()
        self.join()


def run(files: list[str], pack: str, backend: str, jobs: int) -> dict:
    from engine.batch.run import BatchOptions, run_batch
    from engine.report.summary.render import render_summary

    arrivals: list[float] = []
    sampler = Sampler()
    sampler.start()
    start = time.perf_counter()
    result = run_batch(files, BatchOptions(packs=[pack], backend=backend, jobs=jobs, timeout=60),
                       on_result=lambda done, total: arrivals.append(time.perf_counter()))
    wall = time.perf_counter() - start
    sampler.stop()
    workers = {pid: samples for pid, samples in sampler.samples.items() if pid in result.worker_pids}
    first, last = arrivals[0], arrivals[-1]
    warm = arrivals[len(arrivals) // 10] - sampler.start_time  # 10 % done: every worker is up and warm

    def at(samples, when):  # the first sample at or after a time (else the last one)
        return next((v for t, v in samples if t >= when), samples[-1][1])

    return {
        "jobs": jobs, "wall": wall, "startup": first - start,
        "steady": (len(arrivals) - 1) / (last - first) if last > first else float("nan"),
        "overall": len(files) / wall,
        "per_cpu_second": len(files) / sum(sampler.cpu.get(pid, 0.0) for pid in workers),
        "load": " ".join(f"{x:.2f}" for x in os.getloadavg()),
        "rss": {pid: (at(samples, warm), max(v for _, v in samples), samples[-1][1])
                for pid, samples in workers.items()},
        "errors": len(result.summary.errors), "assessed": result.summary.assessed,
        "backend": result.summary.engine.backend, "summary": render_summary(result.summary, "json"),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--jobs", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--pack", default=str(ROOT / "tests" / "packs" / "demo"))
    parser.add_argument("--backend", default="auto")
    parser.add_argument("--dir", help="Where to write the profiles (default: a temporary directory).")
    args = parser.parse_args()

    info = machine()
    for key, value in info.items():
        print(f"{key:>15}: {value}")
    print(f"{'effective cores':>15}: {effective_cores():.2f} (two busy processes against one)")
    with tempfile.TemporaryDirectory() as scratch:
        where = Path(args.dir or scratch)
        started = time.perf_counter()
        files = [str(p) for p in generate(args.count, where, pack_dir=Path(args.pack))]
        print(f"{args.count} profiles written in {time.perf_counter() - started:.1f} s to {where}")
        results = [run(files, args.pack, args.backend, jobs) for jobs in args.jobs]
    base = results[0]["steady"]
    print()
    print("| jobs | wall s | start-up s | steady profiles/s | × jobs=1 | overall profiles/s | "
          "profiles per worker CPU-second | worker RSS MiB (at 10 % → peak → end) | load after |")
    print("|---:|---:|---:|---:|---:|---:|---:|---|---|")
    for r in results:
        rss = "; ".join(f"{a / 1024:.0f} → {b / 1024:.0f} → {c / 1024:.0f}" for a, b, c in r["rss"].values())
        print(f"| {r['jobs']} | {r['wall']:.1f} | {r['startup']:.1f} | {r['steady']:.0f} | "
              f"{r['steady'] / base:.2f} | {r['overall']:.0f} | {r['per_cpu_second']:.0f} | {rss} | {r['load']} |")
    same = all(r["summary"] == results[0]["summary"] for r in results)
    print(f"\nbackend {results[0]['backend']}; assessed {results[0]['assessed']}/{args.count}, "
          f"errors {results[0]['errors']}; summaries identical across --jobs: {same}")
    if not same:
        sys.exit(1)


if __name__ == "__main__":
    main()
