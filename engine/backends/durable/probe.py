"""Register a ruleset in a throwaway process first: a C hang or crash there costs the child, not us.

durable_rules hangs (holding the GIL) or crashes on some rulesets at
registration (docs/explanation/durable-rules.md §8.3, §8.4). Static checks refuse the known
cases; the probe catches the rest. A success is remembered in memory and on
disk (per ruleset text and durable build), so each ruleset is probed once.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import os
import pathlib
import subprocess
import sys

from engine.backends.durable.encoding import DurableRuntimeError
from engine.backends.durable.limits import LimitProblem, RulesetLimitError

_PROBE_CHILD = r"""
import sys
import durable_rules_engine as d
h = d.create_ruleset(sys.argv[1], sys.stdin.read())
code, off = d.assert_facts(h, '[{"id":"0","sid":"p","_t":1,"k":"__end__"}]')
r = d.start_action_for_state(h, off)
m = r[1] if r else None
while m is not None:
    m = d.complete_and_start_action(h, off)
d.delete_state(h, "p")
sys.stdout.write("ok")
"""


def _engine_fingerprint() -> str:
    """This Python and this build of durable's C extension: a cached success holds for them only."""
    spec = importlib.util.find_spec("durable_rules_engine")
    path = (spec.origin if spec is not None else None) or ""
    try:
        st = os.stat(path)
        stamp = f"{st.st_size}:{st.st_mtime_ns}"
    except OSError:
        stamp = "?"
    return f"{sys.version}|{path}|{stamp}"


def default_cache_dir() -> pathlib.Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return pathlib.Path(base) / "community-assess" / "durable-probe"


def probe_ruleset(name: str, text: str, *, timeout: float = 20.0, cache_dir: pathlib.Path | None = None,
                  known: set[str] | None = None) -> None:
    """Register `text` in a subprocess; raise if that hangs, crashes or is refused.

    `known` holds the keys of rulesets probed in this process (a DurableRuntime's).
    """
    key = hashlib.sha256((text + "\0" + _engine_fingerprint()).encode("utf-8", "surrogatepass")).hexdigest()
    known = set() if known is None else known
    if key in known:
        return
    folder = cache_dir if cache_dir is not None else default_cache_dir()
    marker = folder / (key + ".ok")
    with contextlib.suppress(OSError):
        if marker.exists():
            known.add(key)
            return
    _probe_in_child(name, text, timeout)
    known.add(key)
    _remember(folder, key, marker)


def _probe_in_child(name: str, text: str, timeout: float) -> None:
    try:
        done = subprocess.run([sys.executable, "-P", "-c", _PROBE_CHILD, name], input=text.encode("utf-8"),
                              capture_output=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise RulesetLimitError([LimitProblem(name, f"registering the ruleset in a test process did not finish "
                                                    f"within {timeout:g} s: durable_rules hangs on it",
                                              "probe-timeout")]) from None
    if done.returncode < 0:
        raise RulesetLimitError([LimitProblem(name, f"registering the ruleset killed a test process with signal "
                                                    f"{-done.returncode}: durable_rules crashes on it",
                                              "probe-crash")])
    if done.returncode != 0 or done.stdout != b"ok":
        detail = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise DurableRuntimeError(f"durable_rules refused ruleset {name!r}: {detail[-1] if detail else '?'}")


def _remember(folder: pathlib.Path, key: str, marker: pathlib.Path) -> None:
    """Write the success marker atomically; a folder that is not writable means probing again next time."""
    with contextlib.suppress(OSError):
        folder.mkdir(parents=True, exist_ok=True)
        tmp = folder / f".{key}.{os.getpid()}.tmp"
        tmp.write_text("ok\n")
        os.replace(tmp, marker)


__all__ = ["default_cache_dir", "probe_ruleset"]
