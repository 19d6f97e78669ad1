"""Throughput of the engine on the demo pack, beside a plain hand-written evaluation, in one run.

    python benchmarks/run.py                       # default: 500 profiles, 5 repeats, both backends, one-shot
    python benchmarks/run.py --count 2000          # the figures of benchmarks/README.md
    python benchmarks/run.py --profile             # where the time goes: phases, cProfile, imports
    python benchmarks/run.py --memory              # RSS over 100k evaluations (durable backend; minutes)

What is measured (each a loop over the same N generated profiles; the median of the repeats; the
variants interleaved within each repeat so that a slow phase of this shared machine hits them alike):

- plain e2e      read the file, `yaml.load(text, Loader=yaml.CSafeLoader)`, plain_demo.evaluate
- plain eval     plain_demo.evaluate on parsed data
- load           engine.load_profile(path): the engine's YAML loader (positions, checks) + validation
- e2e B          engine.load_profile(path) + engine.evaluate(profile), backend B: from the file to the
                 same results plain_demo computes (outcomes, points, dimensions, bonus, deductions,
                 vetoes, total, grade)
- evaluate B     engine.evaluate(profile) on validated profiles ("evaluation alone")
- findings B     engine.assessors[0].findings(profile): matching + outcome logic only
- assess B       engine.assess(profile): evaluate + the report (recommendations with their texts,
                 path to the next grade, tables, profile positions) — work plain_demo does not do
- e2e+report B   engine.load_profile(path) + engine.assess(profile)
- render json    engine.report.render(report, "json", "en") on finished reports

Before timing, every profile is assessed by both backends and by plain_demo, and their totals and
grades (and every finding, dimension score, bonus, deduction and veto) are compared: the ratios
mean nothing unless they agree.
"""

from __future__ import annotations

import argparse
import gc
import io
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
for entry in (str(ROOT), str(HERE)):
    if entry not in sys.path:
        sys.path.insert(0, entry)

import plain_demo
import yaml
from generate import DEFAULT_SEED, check_round_trip, generate

PACK_DIR = ROOT / "tests" / "packs" / "demo"
ONESHOT_PROFILE = ROOT / "tests" / "profiles" / "demo-strong.yaml"
BACKENDS = ("durable", "reference")
TARGETS = {
    "e2e": 0.8,  # engine e2e speed >= 0.8 x (libyaml parse + plain evaluation)
    "eval": 10.0,  # engine evaluation time <= 10 x plain evaluation time
    "oneshot": 1.5,  # `assess profile.yaml` wall time <= 1.5 x the plain one-shot
}


# -- the machine ---------------------------------------------------------------------------------

def machine() -> dict:
    info = {"python": f"{platform.python_implementation()} {platform.python_version()}",
            "platform": platform.platform(), "nproc": len(os.sched_getaffinity(0)), "cpu": "?", "ram": "?"}
    try:
        with open("/proc/cpuinfo") as handle:
            for line in handle:
                if line.startswith("model name"):
                    info["cpu"] = line.split(":", 1)[1].strip()
                    break
        with open("/proc/meminfo") as handle:
            for line in handle:
                if line.startswith("MemTotal"):
                    info["ram"] = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
                    break
        info["load"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        pass
    from importlib import metadata

    for name in ("durable-rules", "pydantic", "pydantic-core", "PyYAML", "typer"):
        try:
            info[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            info[name] = "-"
    info["libyaml"] = "yes" if getattr(yaml, "__with_libyaml__", False) else "no"
    return info


def rss_kib() -> int:
    with open("/proc/self/status") as handle:
        for line in handle:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return -1


# -- profiles -----------------------------------------------------------------------------------

def profile_paths(count: int, seed: int, directory: Path | None) -> list[Path]:
    """N generated profiles; reused when a previous run wrote the same ones."""
    directory = directory or Path(tempfile.gettempdir()) / "community-assess-bench" / f"demo-{count}-{seed}"
    stamp = directory / ".generated"
    want = f"{count} {seed}\n"
    if stamp.is_file() and stamp.read_text() == want:
        paths = sorted(directory.glob("profile-*.yaml"))
        if len(paths) == count:
            return paths
    started = time.perf_counter()
    paths = generate(count, directory, seed=seed, pack_dir=PACK_DIR)
    checked = min(count, 200)
    bad = check_round_trip(paths[:checked], seed=seed, pack_dir=PACK_DIR)
    if bad:
        raise SystemExit(f"{bad} of {checked} generated files do not read back to the generated values")
    stamp.write_text(want)
    print(f"generated {count} profiles in {directory} ({time.perf_counter() - started:.1f} s; "
          f"round trip checked on {checked})")
    return paths


def read_text(path: Path) -> str:
    with open(path, encoding="utf-8") as handle:
        return handle.read()


# -- agreement -------------------------------------------------------------------------------------

def differences(result: plain_demo.Result, report) -> tuple[bool, list[str]]:
    """(total or grade differ, every difference) between plain_demo and one engine report."""
    pack = report.results[0]
    problems = []
    headline = float(result.total) != pack.total or result.grade != pack.grade.id
    if headline:
        problems.append(f"total/grade {result.total} {result.grade} vs {pack.total} {pack.grade.id}")
    for finding in pack.findings:
        outcome, points, vetoed = result.findings[finding.rule]
        engine_points = (finding.deducted if finding.kind == "penalty" else finding.earned) or 0
        if outcome != finding.outcome or abs(points / plain_demo.M - engine_points) > 1e-9 \
                or vetoed != finding.vetoed:
            problems.append(f"{finding.rule}: {outcome} {points / plain_demo.M:g} vs {finding.outcome} "
                            f"{engine_points:g}")
    for (dim, score, counted), out in zip(result.dimensions, pack.dimensions, strict=True):
        if dim != out.id or float(score) != out.score or counted != out.counted:
            problems.append(f"dimension {dim}: {score} vs {out.score}")
    if float(result.bonus) != pack.bonus.awarded or float(result.penalty) != pack.deductions.total:
        problems.append("bonus or total deductions")
    if result.vetoes != [v.rule for v in pack.vetoes]:
        problems.append(f"vetoes {result.vetoes} vs {[v.rule for v in pack.vetoes]}")
    return headline, problems


def check_agreement(engines: dict, paths: list[Path], datas: list, profiles: list, demo) -> dict:
    out = {}
    for name, engine in engines.items():
        headline = detail = 0
        shown = 0
        for path, data, profile in zip(paths, datas, profiles, strict=True):
            differs, problems = differences(plain_demo.evaluate(data, demo), engine.assess(profile))
            headline += differs
            detail += bool(problems)
            if problems and shown < 5:
                shown += 1
                print(f"  DISAGREE [{name}] {path.name}: {'; '.join(problems[:4])}")
        out[name] = {"total_or_grade": headline, "any_detail": detail}
    return out


# -- timing --------------------------------------------------------------------------------------

def run_variants(variants: list[tuple[str, callable]], repeats: int,
                 verbose: bool = True) -> dict[str, dict[str, list[float]]]:
    """Each loop once per repeat, in turn: {"cpu": {loop: [s, ...]}, "wall": {...}}.

    CPU time (this process's, CLOCK_PROCESS_CPUTIME_ID) is the figure to compare on a shared machine:
    it does not count the time other processes hold the cores; wall time is kept beside it."""
    times: dict[str, dict[str, list[float]]] = {"cpu": defaultdict(list), "wall": defaultdict(list)}
    for round_index in range(repeats):
        started = time.perf_counter()
        for name, loop in variants:
            gc.collect()
            w0, c0 = time.perf_counter(), time.process_time()
            loop()
            c1, w1 = time.process_time(), time.perf_counter()
            times["cpu"][name].append(c1 - c0)
            times["wall"][name].append(w1 - w0)
        if verbose:
            print(f"  repeat {round_index + 1}/{repeats}: {time.perf_counter() - started:.1f} s "
                  f"(load average {os.getloadavg()[0]:.2f})", flush=True)
    return {clock: dict(values) for clock, values in times.items()}


def median_ratio(times: dict, a: str, b: str) -> tuple[float, float, float]:
    """times[a] / times[b] pair by pair (same repeat): (median, min, max)."""
    ratios = [x / y for x, y in zip(times[a], times[b], strict=True)]
    return statistics.median(ratios), min(ratios), max(ratios)


def throughput(args) -> dict:
    from engine.api.engine import Engine
    from engine.report import render

    paths = profile_paths(args.count, args.seed, args.dir)
    n = len(paths)
    demo = plain_demo.DemoPack.from_dir(PACK_DIR)
    started = time.perf_counter()
    engines = {name: Engine.from_dirs([PACK_DIR], backend=name) for name in args.backends}
    setup = time.perf_counter() - started
    first = engines[args.backends[0]]
    datas = [yaml.load(read_text(p), Loader=yaml.CSafeLoader) for p in paths]
    profiles = [first.load_profile(p) for p in paths]

    print(f"checking plain_demo against the engine on {n} profiles ...", flush=True)
    agreement = check_agreement(engines, paths, datas, profiles, demo)
    for name, counts in agreement.items():
        print(f"  {name}: {counts['total_or_grade']} disagreements on total/grade, "
              f"{counts['any_detail']} profiles with any difference")

    evaluate, csafe, load = plain_demo.evaluate, yaml.CSafeLoader, yaml.load

    def plain_e2e():
        for path in paths:
            with open(path, encoding="utf-8") as handle:
                evaluate(load(handle.read(), Loader=csafe), demo)

    def plain_eval():
        for data in datas:
            evaluate(data, demo)

    def engine_load():
        for path in paths:
            first.load_profile(path)

    variants = [("plain e2e", plain_e2e), ("plain eval", plain_eval), ("load", engine_load)]
    for name, engine in engines.items():
        def e2e(engine=engine):
            for path in paths:
                engine.evaluate(engine.load_profile(path))

        def evaluate_only(engine=engine):
            for profile in profiles:
                engine.evaluate(profile)

        def findings(assessor=engine.assessors[0]):
            for profile in profiles:
                assessor.findings(profile)

        def assess(engine=engine):
            for profile in profiles:
                engine.assess(profile)

        def e2e_report(engine=engine):
            for path in paths:
                engine.assess(engine.load_profile(path))

        variants += [(f"e2e {name}", e2e), (f"evaluate {name}", evaluate_only), (f"findings {name}", findings),
                     (f"assess {name}", assess), (f"e2e+report {name}", e2e_report)]
    reports = [first.assess(p) for p in profiles]

    def render_json():
        for report in reports:
            render(report, "json", "en")

    variants.append(("render json", render_json))  # the reports stay alive for the whole run
    for loop in (plain_e2e, plain_eval):  # warm up
        loop()
    print(f"timing {len(variants)} loops over {n} profiles, {args.repeats} repeats ...", flush=True)
    times = run_variants(variants, args.repeats)
    return {"n": n, "setup_s": setup, "times": times, "agreement": agreement,
            "backends": list(args.backends)}


def summarize(result: dict) -> tuple[list[str], dict]:
    n, clocks = result["n"], result["times"]
    times = clocks["cpu"]
    lines = ["CPU time of this process per profile (median of the repeats; min..max), and wall time beside it",
             f"{'loop':<20} {'µs/profile':>11} {'profiles/s':>11}   {'min..max':>13}   {'wall µs':>8}",
             "-" * 74]
    for name, values in times.items():
        median = statistics.median(values)
        wall = statistics.median(clocks["wall"][name])
        lines.append(f"{name:<20} {median / n * 1e6:>11.0f} {n / median:>11.0f}   "
                     f"{f'{min(values) / n * 1e6:.0f}..{max(values) / n * 1e6:.0f}':>13}   {wall / n * 1e6:>8.0f}")
    verdicts = {}
    lines += ["", "targets (CPU-time ratios taken repeat by repeat; median [min..max]; wall-time median after it):"]
    for backend in result["backends"]:
        speed, low, high = median_ratio(times, "plain e2e", f"e2e {backend}")
        wall = median_ratio(clocks["wall"], "plain e2e", f"e2e {backend}")[0]
        verdicts[f"e2e {backend}"] = (speed, speed >= TARGETS["e2e"])
        lines.append(f"  e2e from YAML, {backend:<9}: {speed:.2f}x the plain speed [{low:.2f}..{high:.2f}]"
                     f" (wall {wall:.2f}x)   target >= {TARGETS['e2e']}x: "
                     f"{'PASS' if speed >= TARGETS['e2e'] else 'MISS'}")
        speed = median_ratio(times, "plain e2e", f"e2e+report {backend}")[0]
        lines.append(f"    with the full report (assess): {speed:.2f}x")
        if "render json" in times:
            with_render = [(a + r) for a, r in zip(times[f"e2e+report {backend}"], times["render json"], strict=True)]
            ratios = [p / x for p, x in zip(times["plain e2e"], with_render, strict=True)]
            lines.append(f"    with the full report rendered as JSON: {statistics.median(ratios):.2f}x")
    for backend in result["backends"]:
        slow, low, high = median_ratio(times, f"evaluate {backend}", "plain eval")
        wall = median_ratio(clocks["wall"], f"evaluate {backend}", "plain eval")[0]
        verdicts[f"eval {backend}"] = (slow, slow <= TARGETS["eval"])
        lines.append(f"  evaluation alone, {backend:<9}: {slow:.1f}x the plain time [{low:.1f}..{high:.1f}]"
                     f" (wall {wall:.1f}x)   target <= {TARGETS['eval']:g}x: "
                     f"{'PASS' if slow <= TARGETS['eval'] else 'MISS'}")
        slow, low, high = median_ratio(times, f"findings {backend}", "plain eval")
        lines.append(f"    matching + outcome logic only (findings): {slow:.1f}x [{low:.1f}..{high:.1f}]")
        slow, low, high = median_ratio(times, f"assess {backend}", "plain eval")
        lines.append(f"    with the full report (assess): {slow:.1f}x [{low:.1f}..{high:.1f}]")
    return lines, verdicts


# -- one-shot ------------------------------------------------------------------------------------

TIME = "/usr/bin/time"


def child_env(bytecode_cache: bool = True) -> dict:
    """The environment of the one-shot processes.

    With `bytecode_cache` (the realistic case: pip compiles an installed package's .pyc files), the
    bytecode of every module goes to a cache under the temp dir, filled by the warm-up run, even where
    PYTHONDONTWRITEBYTECODE is set; without it, the environment as inherited."""
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    if bytecode_cache:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(Path(tempfile.gettempdir()) / "community-assess-bench" / "pycache")
    return env


def run_process(command: list[str], env: dict) -> tuple[float, float, int, int]:
    """(wall s, user+sys s, max RSS KiB or -1, exit status) of one child process.

    A child started from this (large) process inherits its peak RSS in the kernel's accounting, so
    when /usr/bin/time exists the command runs under it (it forks from a small process) and its %M
    is the peak RSS; wall time is measured here, CPU time comes from wait4."""
    devnull = [(os.POSIX_SPAWN_OPEN, 1, os.devnull, os.O_WRONLY, 0),
               (os.POSIX_SPAWN_OPEN, 2, os.devnull, os.O_WRONLY, 0)]
    report = None
    if os.access(TIME, os.X_OK):
        handle, report = tempfile.mkstemp(prefix="bench-time-")
        os.close(handle)
        command = [TIME, "-f", "%M", "-o", report] + command
    started = time.perf_counter()
    pid = os.posix_spawn(command[0], command, env, file_actions=devnull)
    _, status, usage = os.wait4(pid, 0)
    wall = time.perf_counter() - started
    rss = -1
    if report is not None:
        with open(report) as text:
            lines = text.read().split()
        os.unlink(report)
        rss = int(lines[-1]) if lines and lines[-1].isdigit() else -1
    return wall, usage.ru_utime + usage.ru_stime, rss, os.waitstatus_to_exitcode(status)


def oneshot(profile: Path, runs: int) -> tuple[list[str], dict]:
    engine_cmd = [sys.executable, "-m", "engine", str(profile), "--pack", str(PACK_DIR)]
    plain_cmd = [sys.executable, str(HERE / "plain_oneshot.py"), str(profile)]
    startup_cmd = [sys.executable, "-c", "pass"]
    shown = profile.relative_to(ROOT) if profile.is_relative_to(ROOT) else profile
    lines = [(f"one-shot: `python -m engine {shown} --pack tests/packs/demo` vs "
              f"`python benchmarks/plain_oneshot.py {shown}` ({runs} runs each, alternating, after a warm-up)")]
    modes = [("bytecode cached (as installed by pip)", True)]
    if os.environ.get("PYTHONDONTWRITEBYTECODE"):
        cached_in_tree = any((ROOT / "engine").glob("**/__pycache__/*.pyc"))
        modes.append(("as inherited: PYTHONDONTWRITEBYTECODE set, " + (
            "engine bytecode read from its __pycache__ dirs" if cached_in_tree
            else "the engine compiled from source at every start"), False))
    verdict = {}
    for label, cached in modes:
        env = child_env(cached)
        samples = {"engine": [], "plain": [], "python -c pass": []}
        for command in (engine_cmd, plain_cmd, startup_cmd):  # warm-up (bytecode, the durable probe's cache)
            if run_process(command, env)[3] != 0:
                raise SystemExit(f"{' '.join(command)} failed")
        for _ in range(runs):  # A B A B ...: a drift of the machine's speed hits both
            samples["engine"].append(run_process(engine_cmd, env))
            samples["plain"].append(run_process(plain_cmd, env))
            samples["python -c pass"].append(run_process(startup_cmd, env))
        lines += [f" {label}:",
                  f"  {'command':<16} {'wall ms':>8} {'cpu ms':>8} {'max RSS MiB':>12}   wall min..max"]
        for name, values in samples.items():
            walls = [v[0] for v in values]
            rss = statistics.median(v[2] for v in values)
            lines.append(f"  {name:<16} {statistics.median(walls) * 1e3:>8.0f} "
                         f"{statistics.median(v[1] for v in values) * 1e3:>8.0f} "
                         f"{(f'{rss / 1024:.1f}' if rss > 0 else '?'):>12}   "
                         f"{min(walls) * 1e3:.0f}..{max(walls) * 1e3:.0f}")
        ratios = [a[0] / b[0] for a, b in zip(samples["engine"], samples["plain"], strict=True)]
        ratio = statistics.median(ratios)
        lines.append(f"  engine / plain wall time: {ratio:.1f}x [{min(ratios):.1f}..{max(ratios):.1f}]   "
                     f"target <= {TARGETS['oneshot']}x: {'PASS' if ratio <= TARGETS['oneshot'] else 'MISS'}")
        verdict.setdefault("oneshot", (ratio, ratio <= TARGETS["oneshot"]))
    return lines, verdict


# -- memory --------------------------------------------------------------------------------------

def memory(args) -> None:
    from engine.api.engine import Engine

    paths = profile_paths(args.count, args.seed, args.dir)
    engine = Engine.from_dirs([PACK_DIR], backend=args.memory_backend)
    pool = [engine.load_profile(p) for p in paths]
    call = engine.assess if args.memory_call == "assess" else engine.assessors[0].findings
    total, every = args.memory_total, args.memory_every
    print(f"memory: {total} x {args.memory_call}(profile) on the {args.memory_backend} backend, a pool of "
          f"{len(pool)} profiles; VmRSS every {every}")
    print(f"  {'evaluations':>11} {'VmRSS MiB':>10} {'Δ vs first MiB':>15} {'elapsed s':>10}")
    start_rss = rss_kib()
    print(f"  {0:>11} {start_rss / 1024:>10.1f} {'':>15} {0:>10.1f}", flush=True)
    started = time.perf_counter()
    first = None
    curve = []
    for index in range(1, total + 1):
        call(pool[index % len(pool)])
        if index % every == 0:
            now = rss_kib()
            first = first if first is not None else now
            curve.append((index, now))
            print(f"  {index:>11} {now / 1024:>10.1f} {(now - first) / 1024:>+15.1f} "
                  f"{time.perf_counter() - started:>10.1f}", flush=True)
    growth = (curve[-1][1] - curve[0][1]) / 1024
    print(f"  growth from {curve[0][0]} to {curve[-1][0]} evaluations: {growth:+.1f} MiB "
          f"({'flat' if abs(growth) < 2 else 'NOT flat'}: threshold 2 MiB)")


# -- where the time goes ------------------------------------------------------------------------

class PhaseTimer:
    """Exclusive wall time per phase, by wrapping engine functions in this process (engine files untouched)."""

    def __init__(self):
        self.totals: dict[str, float] = defaultdict(float)
        self.calls: dict[str, int] = defaultdict(int)
        self.stack: list[list] = []
        self.patched: list = []

    def wrap(self, owner, attr: str, phase: str) -> None:
        original = getattr(owner, attr)
        clock, stack, totals, calls = time.perf_counter, self.stack, self.totals, self.calls

        def timed(*args, **kwargs):
            frame = [clock(), 0.0]
            stack.append(frame)
            try:
                return original(*args, **kwargs)
            finally:
                stack.pop()
                elapsed = clock() - frame[0]
                totals[phase] += elapsed - frame[1]
                calls[phase] += 1
                if stack:
                    stack[-1][1] += elapsed

        setattr(owner, attr, timed)
        self.patched.append((owner, attr, original))

    def restore(self) -> None:
        for owner, attr, original in reversed(self.patched):
            setattr(owner, attr, original)
        self.patched.clear()


PHASES = [  # (module, owner name or None for a module function, attribute, phase)
    ("engine.api.engine", None, "load_yaml", "1 load: read + parse YAML (engine loader)"),
    ("engine.profile.validate", "ProfileSchema", "validate", "2 validate: pydantic + flatten"),
    ("engine.evaluation.context", "Context", "__init__", "3 derived values (Context)"),
    ("engine.backends.durable.backend", "DurableBackend", "synthetic", "4 synthetic values (durable)"),
    ("engine.backends.durable.backend", "DurableBackend", "facts", "5 fact building (durable)"),
    ("engine.backends.durable.runtime", "_Session", "assert_batch", "6 session: encode + assert facts"),
    ("engine.backends.durable.runtime", "_Session", "drain", "6 session: drain activations"),
    ("engine.backends.durable.runtime", "_Session", "close", "6 session: delete state"),
    ("engine.backends.durable.runtime", "CompiledRuleset", "run", "6 session: rest (lock, ids, sid)"),
    ("engine.backends.durable.backend", "DurableBackend", "run", "6 session: rest (lock, ids, sid)"),
    ("engine.evaluation.findings", "RuleEvaluator", "evaluate", "7 outcome logic (findings.py + oracle)"),
    ("engine.backends.durable.backend", "DurableOracle", "explain", "7b oracle: explain unknowns (interpreter)"),
    ("engine.api.engine", None, "score", "8 scoring"),
    ("engine.api.engine", None, "recommendations", "9 recommendations"),
    ("engine.api.engine", None, "next_grade", "9 recommendations"),
    ("engine.api.engine", None, "pack_result", "10 report: the rest (pack_result, Report)"),
    ("engine.report.build", None, "finding_out", "10a report: findings (finding_out)"),
    ("engine.report.build", None, "profile_locations", "10b report: profile locations (source map)"),
    ("engine.report.build", None, "tables", "10c report: per-element tables"),
    ("engine.report.build", None, "_rendered", "10d report: note and consequence texts"),
    ("engine.api.engine", "Engine", "assess", "10 report: the rest (pack_result, Report)"),
    ("engine.api.engine", "PackAssessor", "assess", "10 report: the rest (pack_result, Report)"),
    ("engine.api.engine", "PackAssessor", "findings", "7 outcome logic (findings.py + oracle)"),
    ("engine.report", None, "render", "11 render JSON"),
]


def phases(engine, paths: list[Path], backend: str) -> list[str]:
    import importlib

    from engine import report as report_module

    render = report_module.render
    for path in paths[:50]:  # warm-up
        render(engine.assess(engine.load_profile(path)), "json", "en")
    gc.collect()
    started = time.perf_counter()
    for path in paths:
        render(engine.assess(engine.load_profile(path)), "json", "en")
    unwrapped = time.perf_counter() - started
    timer = PhaseTimer()
    for module_name, owner_name, attr, phase in PHASES:
        module = importlib.import_module(module_name)
        owner = getattr(module, owner_name, None) if owner_name else module
        if owner is None or not hasattr(owner, attr):  # the engine changed: skip what is gone
            continue
        timer.wrap(owner, attr, phase)
    render = report_module.render  # now the wrapped one
    try:
        for path in paths[:50]:  # warm-up, not counted
            render(engine.assess(engine.load_profile(path)), "json", "en")
        timer.totals.clear()
        timer.calls.clear()
        gc.collect()
        started = time.perf_counter()
        for path in paths:
            render(engine.assess(engine.load_profile(path)), "json", "en")
        wall = time.perf_counter() - started
    finally:
        timer.restore()
    n = len(paths)
    lines = [(f"phases of e2e + JSON rendering, {backend} backend: exclusive µs per profile "
              "(wrapping adds ~1 µs per call)")]
    accounted = 0.0
    for phase in sorted(timer.totals, key=lambda p: (int(re.match(r"\d+", p).group()), p)):
        seconds = timer.totals[phase]
        accounted += seconds
        lines.append(f"  {phase:<48} {seconds / n * 1e6:>8.0f} µs  {seconds / wall * 100:>5.1f}%  "
                     f"({timer.calls[phase] / n:.1f} calls/profile)")
    lines.append(f"  {'(loop and unwrapped glue)':<48} {(wall - accounted) / n * 1e6:>8.0f} µs")
    lines.append(f"  {'total':<48} {wall / n * 1e6:>8.0f} µs   (the same loop unwrapped, just before: "
                 f"{unwrapped / n * 1e6:.0f} µs)")
    return lines


def cprofile_summary(engine, profiles: list, backend: str, top: int) -> str:
    import cProfile
    import pstats

    for profile in profiles[:50]:
        engine.assess(profile)
    profiler = cProfile.Profile()
    profiler.enable()
    for profile in profiles:
        engine.assess(profile)
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    out.write(f"cProfile of evaluation alone (Engine.assess on {len(profiles)} validated profiles), "
              f"{backend} backend; times include the profiler's overhead\n")
    stats.sort_stats("cumulative").print_stats(top)
    stats.sort_stats("tottime").print_stats(top)
    text = out.getvalue()
    for prefix in sorted({str(ROOT) + "/", os.path.dirname(os.__file__) + "/site-packages/",
                          os.path.dirname(os.__file__) + "/"}, key=len, reverse=True):
        text = text.replace(prefix, "")
    return text


ONESHOT_PHASES = r"""
import sys, time
t = [time.perf_counter()]
def mark(): t.append(time.perf_counter())
import engine.cli; mark()                       # typer, click, rich
import engine.api.engine; mark()                    # pydantic, the pack and expression modules
import engine.backends.durable.backend; mark()          # durable_rules_engine, lowering, compiler
from engine.pack import load_pack
pack = load_pack(sys.argv[2]); mark()
from engine.api.engine import Engine
engine = Engine([pack], backend="durable"); mark()
profile = engine.load_profile(sys.argv[1]); mark()
report = engine.assess(profile); mark()
from engine.report import render
text = render(report, "text", "zh"); mark()
print(" ".join(f"{(b - a) * 1e3:.1f}" for a, b in zip(t, t[1:])))
"""


def oneshot_phases(profile: Path, runs: int) -> list[str]:
    names = ["import engine.cli (typer, click, rich)", "import engine.api.engine (pydantic, pack, expressions)",
             "import the durable backend (+ lowering, compiler)", "load + check the pack",
             "Engine(): lower, compile, register ruleset, schema", "load + validate the profile", "assess",
             "render text (zh)"]
    samples = []
    for index in range(runs + 1):
        done = subprocess.run([sys.executable, "-c", ONESHOT_PHASES, str(profile), str(PACK_DIR)], cwd=ROOT,
                              capture_output=True, text=True, check=True, env=child_env())
        if index:
            samples.append([float(x) for x in done.stdout.split()])
    lines = [(f"one-shot in phases (a child process doing what `assess` does, bytecode cached; median of {runs} "
              "runs after a warm-up, ms):")]
    for i, name in enumerate(names):
        lines.append(f"  {name:<52} {statistics.median(s[i] for s in samples):>7.1f}")
    lines.append(f"  {'sum (without interpreter start-up)':<52} {statistics.median(sum(s) for s in samples):>7.1f}")
    return lines


def import_times(profile: Path) -> list[str]:
    """`python -X importtime -m engine ...`: self time of the imports, summed per top-level package."""
    done = subprocess.run([sys.executable, "-X", "importtime", "-m", "engine", str(profile), "--pack",
                           str(PACK_DIR)], cwd=ROOT, capture_output=True, text=True, env=child_env(), check=False)
    own: dict[str, int] = defaultdict(int)
    modules: list[tuple[int, str]] = []
    for line in done.stderr.splitlines():
        if not line.startswith("import time:") or "cumulative" in line:
            continue
        self_us, _cumulative, name = line[len("import time:"):].split("|")
        own[name.strip().split(".")[0]] += int(self_us)
        modules.append((int(self_us), name.strip()))
    lines = ["imports of the one-shot (`-X importtime`, bytecode cached), self time summed per top-level package:"]
    for top, micros in sorted(own.items(), key=lambda kv: -kv[1])[:14]:
        lines.append(f"  {top:<24} {micros / 1e3:>7.1f} ms")
    lines.append(f"  {'all imports':<24} {sum(own.values()) / 1e3:>7.1f} ms")
    lines.append("the modules with the most self time:")
    for micros, name in sorted(modules, reverse=True)[:12]:
        lines.append(f"  {name:<40} {micros / 1e3:>7.1f} ms")
    return lines


FLOOR_COMMANDS = [
    ("python -c pass", "pass"),
    ("import yaml", "import yaml"),
    ("import pydantic + one model", "import pydantic\nclass M(pydantic.BaseModel):\n    x: int = 0\nM(x=1)"),
    ("import typer", "import typer"),
    ("import typer, pydantic + model, yaml", ("import typer, yaml, pydantic\n"
                                             "class M(pydantic.BaseModel):\n    x: int = 0\nM(x=1)")),
    ("import durable_rules_engine", "import durable_rules_engine"),
    ("import engine.cli, engine.api.engine", "import engine.cli, engine.api.engine"),
]


def dependency_floor(runs: int) -> list[str]:
    """Wall time of processes that only import what `assess` needs: the floor under its one-shot time."""
    env = child_env()
    rows = []
    for label, code in FLOOR_COMMANDS:
        command = [sys.executable, "-c", code]
        run_process(command, env)  # warm-up
        walls = [run_process(command, env)[0] for _ in range(runs)]
        rows.append(f"  {label:<40} {statistics.median(walls) * 1e3:>7.1f} ms   "
                    f"[{min(walls) * 1e3:.0f}..{max(walls) * 1e3:.0f}]")
    return [f"start-up floor: wall time of a process that only imports (bytecode cached, median of {runs})"] + rows


def where_time_goes(args) -> None:
    from engine.api.engine import Engine

    paths = profile_paths(args.count, args.seed, args.dir)
    for backend in args.backends:
        engine = Engine.from_dirs([PACK_DIR], backend=backend)
        print()
        print("\n".join(phases(engine, paths, backend)))
    for backend in args.backends:
        engine = Engine.from_dirs([PACK_DIR], backend=backend)
        profiles = [engine.load_profile(p) for p in paths]
        print()
        print(cprofile_summary(engine, profiles, backend, args.top))
    print("\n".join(oneshot_phases(args.oneshot_profile, max(3, args.oneshot_runs))))
    print()
    print("\n".join(import_times(args.oneshot_profile)))
    print()
    print("\n".join(dependency_floor(max(5, args.oneshot_runs))))


# -- main ------------------------------------------------------------------------------------------

def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", "-n", type=int, default=500, help="profiles (default 500)")
    parser.add_argument("--repeats", "-r", type=int, default=5, help="repeats of each loop (default 5)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--dir", type=Path, default=None, help="where the generated profiles go (default: a "
                                                               "directory under the system's temp dir, reused)")
    parser.add_argument("--backends", default=",".join(BACKENDS), help="comma-separated (default: both)")
    parser.add_argument("--oneshot-runs", type=int, default=7, help="runs of each one-shot command (default 7)")
    parser.add_argument("--oneshot-profile", type=Path, default=ONESHOT_PROFILE)
    parser.add_argument("--no-oneshot", action="store_true", help="skip the one-shot comparison")
    parser.add_argument("--memory", action="store_true", help="RSS over many evaluations instead (minutes)")
    parser.add_argument("--memory-total", type=int, default=100_000)
    parser.add_argument("--memory-every", type=int, default=10_000)
    parser.add_argument("--memory-call", choices=("findings", "assess"), default="findings")
    parser.add_argument("--memory-backend", choices=BACKENDS, default="durable")
    parser.add_argument("--profile", action="store_true", help="where the time goes, instead of throughput")
    parser.add_argument("--top", type=int, default=25, help="rows of each cProfile listing (default 25)")
    parser.add_argument("--json", type=Path, default=None, help="also write the raw timings here")
    args = parser.parse_args(argv)
    args.backends = tuple(b for b in args.backends.split(",") if b)
    args.oneshot_profile = args.oneshot_profile.resolve()

    info = machine()
    print("machine: " + "; ".join(f"{k} {v}" for k, v in info.items()))
    if args.memory:
        memory(args)
        return 0
    if args.profile:
        where_time_goes(args)
        return 0
    started = time.perf_counter()
    result = throughput(args)
    lines, verdicts = summarize(result)
    print()
    print(f"{result['n']} profiles, median of {args.repeats} repeats "
          f"(engine set-up for {len(result['backends'])} backend(s): {result['setup_s']:.2f} s, not counted)")
    print("\n".join(lines))
    if not args.no_oneshot:
        print()
        shot_lines, shot = oneshot(args.oneshot_profile, args.oneshot_runs)
        verdicts.update(shot)
        print("\n".join(shot_lines))
    disagreements = sum(c["total_or_grade"] for c in result["agreement"].values())
    print()
    details = ", ".join(f"{name}: {counts['any_detail']} profiles with any difference"
                        for name, counts in result["agreement"].items())
    print(f"plain vs engine: {disagreements} disagreements on total or grade ({details})")
    print(f"run took {time.perf_counter() - started:.0f} s")
    if args.json:
        args.json.write_text(json.dumps({"machine": info, "result": result,
                                         "verdicts": {k: list(v) for k, v in verdicts.items()}}, indent=2))
    return 1 if disagreements else 0


if __name__ == "__main__":
    sys.exit(main())
