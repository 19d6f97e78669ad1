"""Load on `assess serve`: requests/s and latency percentiles of POST /v1/assess at 1, 4 and 16 clients.

    python benchmarks/serve_load.py                          # 200 requests a level, at most 60 s a level
    python benchmarks/serve_load.py --requests 500 --workers 2 --json out.json
    python benchmarks/serve_load.py --requests 5 --clients 1,2       # a smoke run (the test does this)

The script starts `assess serve` itself, on a free port of 127.0.0.1 (loopback only: there is no
option to point it elsewhere), waits until /readyz answers 200, and stops it at the end. Each level
runs N concurrent clients (threads, one http.client connection each, as a Java portal's pool would
keep) sending the same example profile until the level's request count is reached or its time limit
has passed; a few warm-up requests before each level are not counted. Latency is measured per request
from sending to the last byte read; an error is a status other than 200 or a failed connection.

The machine's load average (os.getloadavg) is printed before and after each level: on a shared box,
read the figures together with it. No dependency beyond the `server` extra the service itself needs.
"""

from __future__ import annotations

import argparse
import http.client
import json
import math
import os
import platform
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
HOST = "127.0.0.1"  # loopback only, by design
DEFAULT_PROFILE = ROOT / "profiles" / "strong-community.yaml"
PERCENTILES = (50, 90, 99)


@dataclass
class Level:
    """What one concurrency level measured."""

    clients: int
    requests: int = 0
    errors: int = 0
    error_kinds: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    requests_per_second: float = 0.0
    latency_ms: dict[str, float] = field(default_factory=dict)
    load_before: tuple[float, float, float] = (0.0, 0.0, 0.0)
    load_after: tuple[float, float, float] = (0.0, 0.0, 0.0)
    stopped_by: str = "count"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def percentile(sorted_values: list[float], p: float) -> float:
    """The nearest-rank percentile (no interpolation: a value that was measured)."""
    if not sorted_values:
        return math.nan
    rank = max(1, math.ceil(p / 100 * len(sorted_values)))
    return sorted_values[rank - 1]


def machine() -> dict[str, object]:
    model = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"cpu": model, "cores": os.cpu_count(), "python": platform.python_version(),
            "implementation": platform.python_implementation(), "system": platform.platform()}


def load_average() -> tuple[float, float, float]:
    one, five, fifteen = os.getloadavg()
    return round(one, 2), round(five, 2), round(fifteen, 2)


class Server:
    """`assess serve` in a subprocess on a free loopback port; its output goes to a temporary log."""

    def __init__(self, workers: int, startup_timeout: float):
        self.port = free_port()
        self.log = Path(tempfile.mkstemp(prefix="serve-load-", suffix=".log")[1])
        command = [sys.executable, "-m", "engine", "--no-config", "serve", "--host", HOST,
                   "--port", str(self.port), "--workers", str(workers)]
        env = {key: value for key, value in os.environ.items() if key != "ASSESS_SERVE_TOKENS"}
        with self.log.open("wb") as sink:
            self.process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=sink, stderr=subprocess.STDOUT)
        self._wait_ready(startup_timeout)

    def _wait_ready(self, startup_timeout: float) -> None:
        deadline = time.monotonic() + startup_timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"assess serve exited with {self.process.returncode}:\n{self.log.read_text()}")
            try:
                if request(self.port, "GET", "/readyz", None)[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.3)
        self.stop()
        raise SystemExit(f"assess serve was not ready after {startup_timeout:g} s:\n{self.log.read_text()}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.unlink(missing_ok=True)


def request(port: int, method: str, path: str, body: bytes | None,
            connection: http.client.HTTPConnection | None = None) -> tuple[int, bytes]:
    own = connection is None
    conn = connection or http.client.HTTPConnection(HOST, port, timeout=120)
    try:
        headers = {"Content-Type": "application/yaml"} if body is not None else {}
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        if own:
            conn.close()


class Driver:
    """Runs one level: `clients` threads share a request budget and a deadline."""

    def __init__(self, port: int, path: str, body: bytes, budget: int, time_limit: float):
        self.port, self.path, self.body = port, path, body
        self.budget, self.time_limit = budget, time_limit
        self.lock = threading.Lock()
        self.issued = 0
        self.latencies: list[float] = []
        self.errors: Counter[str] = Counter()
        self.deadline = 0.0

    def _take(self) -> bool:
        with self.lock:
            if self.issued >= self.budget or time.monotonic() >= self.deadline:
                return False
            self.issued += 1
            return True

    def _client(self) -> None:
        conn = http.client.HTTPConnection(HOST, self.port, timeout=120)
        try:
            while self._take():
                self._one(conn)
        finally:
            conn.close()

    def _one(self, conn: http.client.HTTPConnection) -> None:
        started = time.perf_counter()
        try:
            status, _ = request(self.port, "POST", self.path, self.body, conn)
            kind = None if status == 200 else f"HTTP {status}"
        except (OSError, http.client.HTTPException) as exc:
            kind = type(exc).__name__
            conn.close()  # http.client reconnects on the next request
        elapsed = (time.perf_counter() - started) * 1000
        with self.lock:
            self.latencies.append(elapsed)
            if kind:
                self.errors[kind] += 1

    def run(self, clients: int) -> Level:
        level = Level(clients=clients, load_before=load_average())
        threads = [threading.Thread(target=self._client, daemon=True) for _ in range(clients)]
        started = time.perf_counter()
        self.deadline = time.monotonic() + self.time_limit
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        level.seconds = time.perf_counter() - started
        level.load_after = load_average()
        self._fill(level)
        return level

    def _fill(self, level: Level) -> None:
        ordered = sorted(self.latencies)
        level.requests = len(ordered)
        level.errors = sum(self.errors.values())
        level.error_kinds = dict(self.errors)
        level.requests_per_second = round(level.requests / level.seconds, 2) if level.seconds else 0.0
        level.latency_ms = {f"p{p}": round(percentile(ordered, p), 1) for p in PERCENTILES}
        level.seconds = round(level.seconds, 2)
        level.stopped_by = "count" if level.requests >= self.budget else "time"


def warm_up(port: int, path: str, body: bytes, count: int) -> None:
    for _ in range(count):
        request(port, "POST", path, body)


def table(levels: list[Level]) -> str:
    header = ("| clients | requests | errors | seconds | requests/s | p50 ms | p90 ms | p99 ms "
              "| load before | load after |")
    lines = [header, "|" + "---:|" * 10]
    for level in levels:
        ms = level.latency_ms
        lines.append(f"| {level.clients} | {level.requests} | {level.errors} | {level.seconds:.2f} "
                     f"| {level.requests_per_second:.1f} | {ms['p50']:.1f} | {ms['p90']:.1f} | {ms['p99']:.1f} "
                     f"| {_load(level.load_before)} | {_load(level.load_after)} |")
    return "\n".join(lines)


def _load(load: tuple[float, float, float]) -> str:
    return " ".join(f"{value:.2f}" for value in load)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--requests", "-n", type=int, default=200, help="requests per level (default 200)")
    parser.add_argument("--time-limit", type=float, default=60.0, help="seconds per level at most (default 60)")
    parser.add_argument("--clients", default="1,4,16", help="concurrency levels, comma-separated (default 1,4,16)")
    parser.add_argument("--workers", type=int, default=2, help="the server's --workers (default 2)")
    parser.add_argument("--profile", type=Path, default=DEFAULT_PROFILE, help="the profile every request sends")
    parser.add_argument("--warm-up", type=int, default=3, help="uncounted requests before each level (default 3)")
    parser.add_argument("--startup-timeout", type=float, default=180.0, help="seconds to wait for /readyz")
    parser.add_argument("--json", type=Path, default=None, help="also write the results here as JSON")
    args = parser.parse_args(argv)
    args.levels = [int(part) for part in args.clients.split(",") if part.strip()]
    if not args.levels or min(args.levels) < 1 or args.requests < 1 or args.time_limit <= 0:
        parser.error("--clients needs positive numbers; --requests and --time-limit must be positive")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    body = args.profile.read_bytes()
    path = f"/v1/assess?name={args.profile.name}"
    print(f"machine: {json.dumps(machine(), ensure_ascii=False)}")
    print(f"load before: {_load(load_average())}")
    server = Server(args.workers, args.startup_timeout)
    levels: list[Level] = []
    try:
        for clients in args.levels:
            warm_up(server.port, path, body, args.warm_up)
            level = Driver(server.port, path, body, args.requests, args.time_limit).run(clients)
            levels.append(level)
            print(f"clients {clients}: {level.requests} requests in {level.seconds:.2f} s "
                  f"({level.requests_per_second:.1f}/s), errors {level.errors} {level.error_kinds or ''}, "
                  f"stopped by {level.stopped_by}", flush=True)
    finally:
        server.stop()
    print(f"load after: {_load(load_average())}")
    print(f"\nPOST /v1/assess, {args.profile.name} ({len(body)} bytes), --workers {args.workers}:\n")
    print(table(levels))
    if args.json:
        result = {"machine": machine(), "profile": args.profile.name, "workers": args.workers,
                  "levels": [asdict(level) for level in levels]}
        args.json.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return 1 if any(level.errors for level in levels) else 0


if __name__ == "__main__":
    sys.exit(main())
