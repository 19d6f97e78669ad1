"""Impossible, mistyped and hostile profiles through the command line: never a traceback, never exit 3.

Hypothesis draws profile files — random bytes and text, real profiles cut short or with bytes changed, real
profiles with a value replaced by a wrong type, a huge number, an odd date or deep nesting, and real profiles
in other encodings — and runs `assess PROFILE --pack rules/community --format json` in this process. Every
run must end with exit 0, 1 or 2, no traceback and no internal error, and a report must be JSON. A few dozen
examples in the default run; `-m slow` draws many more.
"""

from __future__ import annotations

import datetime as dt
import json
import tempfile
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from engine.cli import app
from engine.source.load import load_yaml

ROOT = Path(__file__).resolve().parent.parent
PACK = str(ROOT / "rules" / "community")
REAL = sorted((ROOT / "profiles").glob("*.yaml")) + [ROOT / "tests" / "profiles" / "demo-strong.yaml"]
runner = CliRunner()


@cache
def real_bytes() -> list[bytes]:
    return [path.read_bytes() for path in REAL]


@cache
def real_data() -> list[Any]:
    return [_plain(load_yaml(path).data) for path in REAL]


def _plain(value: Any) -> Any:
    """The engine's Decimals as floats, so yaml.safe_dump can write the data back."""
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value


# -- what is fed in -----------------------------------------------------------------------------------

ODD_VALUES = st.one_of(
    st.none(), st.booleans(), st.text(max_size=30), st.integers(), st.floats(allow_nan=True),
    st.just(10**400), st.just(-(10**30)), st.just("1e999"), st.just(".nan"), st.just("-.inf"),
    st.dates(min_value=dt.date(1, 1, 1)), st.just("2024-02-30"), st.just("0000-00-00"), st.just("9999-12-31T25:61"),
    st.lists(st.integers(), max_size=3), st.dictionaries(st.text(max_size=5), st.integers(), max_size=3),
    st.integers(1, 80).map(lambda depth: _nested(depth)),
)


def _nested(depth: int) -> Any:
    value: Any = 1
    for level in range(depth):
        value = [value] if level % 2 else {"k": value}
    return value


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(value, dict):
        for key, item in value.items():
            found += _paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value[:3]):
            found += _paths(item, (*prefix, index))
    return found


def _replaced(data: Any, path: tuple[Any, ...], new: Any) -> Any:
    if not path:
        return new
    head, *rest = path
    copy = dict(data) if isinstance(data, dict) else list(data)
    copy[head] = _replaced(copy[head], tuple(rest), new)
    return copy


@st.composite
def wrong_values(draw: st.DrawFn) -> bytes:
    """A real profile with one value (anywhere, the whole included) replaced by something odd."""
    data = draw(st.sampled_from(real_data()))
    path = draw(st.sampled_from(_paths(data)))
    changed = _replaced(data, path, draw(ODD_VALUES))
    return yaml.safe_dump(changed, allow_unicode=True, sort_keys=False).encode("utf-8")


@st.composite
def cut_short(draw: st.DrawFn) -> bytes:
    data = draw(st.sampled_from(real_bytes()))
    return data[:draw(st.integers(0, len(data)))]


@st.composite
def bytes_changed(draw: st.DrawFn) -> bytes:
    data = bytearray(draw(st.sampled_from(real_bytes())))
    for _ in range(draw(st.integers(1, 8))):
        at = draw(st.integers(0, len(data) - 1))
        action = draw(st.sampled_from(["set", "insert", "delete"]))
        if action == "set":
            data[at] = draw(st.integers(0, 255))
        elif action == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=4))
        else:
            del data[at]
    return bytes(data)


@st.composite
def other_encodings(draw: st.DrawFn) -> bytes:
    text = draw(st.sampled_from(real_bytes())).decode("utf-8")
    codec = draw(st.sampled_from(["utf-16", "utf-16-le", "utf-32", "utf-8-sig", "gb18030", "big5", "latin-1",
                                  "cp1252", "shift_jis"]))
    return text.encode(codec, errors="replace")


PROFILES = st.one_of(
    st.binary(max_size=300),
    st.text(max_size=300).map(lambda text: text.encode("utf-8", "surrogatepass")),
    cut_short(), bytes_changed(), wrong_values(), other_encodings(),
)


# -- the property ------------------------------------------------------------------------------------

def assess(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as directory:
        profile = Path(directory) / "profile.yaml"
        profile.write_bytes(data)
        result = runner.invoke(app, [str(profile), "--pack", PACK, "--format", "json"])
    said = f"exit {result.exit_code}\n{result.stderr[-2000:]}"
    assert result.exit_code in (0, 1, 2), said
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr, said
    assert result.exception is None or isinstance(result.exception, SystemExit), said
    if result.exit_code == 0:
        assert json.loads(result.stdout)["results"], said


def check(examples: int) -> None:
    @settings(max_examples=examples, derandomize=True, database=None, deadline=None,
              suppress_health_check=list(HealthCheck))
    @given(PROFILES)
    def run(data: bytes) -> None:
        assess(data)

    run()


def test_odd_profiles_never_crash_the_command():
    check(20)


@pytest.mark.slow
def test_many_odd_profiles_never_crash_the_command():
    check(1500)
