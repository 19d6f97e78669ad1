"""The deployment files (Dockerfile, .dockerignore, deploy/), checked as far as they can be offline.

No docker daemon runs where the tests run, so the image is not built here: the Dockerfile's stages,
its COPY sources (present, and not excluded by .dockerignore) and its commands are read instead. The
container's entrypoint script and the HEALTHCHECK command are run for real against `assess serve` on
a loopback port. The systemd unit is parsed as an INI file and, where systemd-analyze is installed,
verified by it.
"""

from __future__ import annotations

import configparser
import fnmatch
import importlib.util
import os
import shlex
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCKERFILE = ROOT / "Dockerfile"
ENTRYPOINT = ROOT / "deploy" / "docker-entrypoint.sh"
UNIT = ROOT / "deploy" / "assess-serve.service"
MISSING = [name for name in ("fastapi", "uvicorn") if importlib.util.find_spec(name) is None]
needs_server = pytest.mark.skipif(bool(MISSING), reason=f"the 'server' extra is not installed (no {MISSING})")


def instructions(path: Path = DOCKERFILE) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) of a Dockerfile, continuation lines joined, comments dropped."""
    joined: list[str] = []
    pending = ""
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        joined.append(pending + line)
        pending = ""
    return [(line.split(None, 1)[0].upper(), line.split(None, 1)[1]) for line in joined]


def stages() -> dict[str, list[tuple[str, str]]]:
    found: dict[str, list[tuple[str, str]]] = {}
    current: list[tuple[str, str]] = []
    for keyword, arguments in instructions():
        if keyword == "FROM":
            name = arguments.split()[-1] if " as " in arguments.lower() else str(len(found))
            current = found.setdefault(name, [])
        current.append((keyword, arguments))
    return found


def copy_sources(stage: list[tuple[str, str]]) -> list[str]:
    """The context paths a stage's COPY lines read (COPY --from=… reads another stage, not the context)."""
    sources: list[str] = []
    for keyword, arguments in stage:
        words = shlex.split(arguments)
        if keyword != "COPY" or any(word.startswith("--from") for word in words):
            continue
        sources += [word for word in words if not word.startswith("--")][:-1]
    return sources


def dockerignored(path: str) -> bool:
    patterns = [line.strip() for line in (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
                if line.strip() and not line.lstrip().startswith(("#", "!"))]
    parts = Path(path).parts
    prefixes = ["/".join(parts[:end]) for end in range(1, len(parts) + 1)]
    for pattern in patterns:
        anywhere = pattern.removeprefix("**/")
        for prefix in prefixes:
            if fnmatch.fnmatch(prefix, pattern.strip("/")) or (
                    pattern.startswith("**/") and fnmatch.fnmatch(Path(prefix).name, anywhere)):
                return True
    return False


def test_the_dockerfile_builds_wheels_with_a_compiler_and_runs_them_slim_as_a_user():
    found = stages()
    assert list(found) == ["build", "runtime"]
    build = " ".join(arguments for _, arguments in found["build"])
    assert "build-essential" in build and "pip wheel" in build and "'.[server]'" in build
    assert "durable_rules-" in build  # the stage fails unless durable-rules was compiled into a wheel
    runtime = dict(found["runtime"])  # the last of each instruction
    runtime_text = " ".join(arguments for _, arguments in found["runtime"])
    assert "slim" in found["runtime"][0][1] or "PYTHON_IMAGE" in found["runtime"][0][1]
    assert "build-essential" not in runtime_text and "gcc" not in runtime_text
    assert "--no-index --find-links /wheels 'community-assess[server]'" in runtime_text
    assert runtime["USER"].split(":")[0] not in ("root", "0")
    assert "/healthz" in runtime["HEALTHCHECK"]
    assert "assess-serve-entrypoint" in runtime["ENTRYPOINT"]
    assert "ARG PYTHON_IMAGE=python:3.11-slim" in DOCKERFILE.read_text(encoding="utf-8")


def test_every_file_the_dockerfile_copies_exists_and_reaches_the_build_context():
    sources = [source for stage in stages().values() for source in copy_sources(stage)]
    assert {"pyproject.toml", "engine", "rules", "deploy/docker-entrypoint.sh"} <= set(sources)
    for source in sources:
        assert (ROOT / source).exists(), source
        assert not dockerignored(source), f"{source} is excluded by .dockerignore"
    assert dockerignored("tests/test_deploy.py") and dockerignored(".git")
    assert dockerignored("engine/__pycache__/x.pyc")


def test_the_entrypoint_execs_assess_serve_with_the_token_file():
    text = ENTRYPOINT.read_text(encoding="utf-8")
    assert text.startswith("#!/bin/sh\n") and os.access(ENTRYPOINT, os.X_OK)
    assert 'exec assess serve --host "${ASSESS_HOST:-0.0.0.0}"' in text
    assert subprocess.run(["sh", "-n", str(ENTRYPOINT)]).returncode == 0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def status(url: str, token: str | None = None) -> int:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"} if token else {})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return error.code


@pytest.fixture
def shim_env(tmp_path):
    """An environment whose `assess` is this checkout's (the venv's script may point elsewhere)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    shim = bin_dir / "assess"
    shim.write_text(f'#!/bin/sh\ncd {shlex.quote(str(ROOT))} && exec {shlex.quote(sys.executable)} -m engine "$@"\n')
    shim.chmod(0o755)
    env = {key: value for key, value in os.environ.items() if key != "ASSESS_SERVE_TOKENS"}
    return dict(env, PATH=f"{bin_dir}{os.pathsep}{env.get('PATH', '')}", ASSESS_HOST="127.0.0.1",
                ASSESS_PORT=str(free_port()), ASSESS_TOKEN_FILE=str(tmp_path / "absent"))


@needs_server
def test_the_entrypoint_refuses_to_serve_beyond_loopback_without_a_token(shim_env):
    env = dict(shim_env, ASSESS_HOST="0.0.0.0")
    done = subprocess.run(["sh", str(ENTRYPOINT), "--no-config"], env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 2 and "token" in done.stderr


@needs_server
def test_the_entrypoint_serves_with_the_mounted_token_and_the_healthcheck_passes(shim_env, tmp_path):
    token_file = tmp_path / "assess_tokens"
    token_file.write_text("# mounted secret\nsecret-0123456789\n")
    env = dict(shim_env, ASSESS_TOKEN_FILE=str(token_file))
    base = f"http://127.0.0.1:{env['ASSESS_PORT']}"
    healthcheck = dict(instructions())["HEALTHCHECK"].split(" CMD ", 1)[1]
    healthcheck = healthcheck.replace("python -c", f"{shlex.quote(sys.executable)} -c", 1)
    process = subprocess.Popen(["sh", str(ENTRYPOINT), "--workers", "1", "--no-config"], env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 120
        while subprocess.run(["sh", "-c", healthcheck], env=env, capture_output=True).returncode != 0:
            assert process.poll() is None, process.stderr.read().decode() if process.stderr else ""
            assert time.monotonic() < deadline, "no /healthz"
            time.sleep(0.3)
        assert status(base + "/v1/packs") == 401
        assert status(base + "/v1/packs", "secret-0123456789") == 200
    finally:
        process.terminate()
        process.wait(30)


class UnitParser(configparser.RawConfigParser):
    def optionxform(self, optionstr: str) -> str:
        return optionstr  # systemd's keys are case-sensitive


def unit() -> configparser.RawConfigParser:
    parser = UnitParser(strict=True, delimiters=("=",), comment_prefixes=("#", ";"), empty_lines_in_values=False)
    parser.read_string(UNIT.read_text(encoding="utf-8"), source=str(UNIT))
    return parser


def test_the_systemd_unit_runs_assess_serve_as_its_own_user_hardened():
    parsed = unit()
    assert parsed.sections() == ["Unit", "Service", "Install"]
    service = parsed["Service"]
    command = shlex.split(service["ExecStart"])
    assert Path(command[0]).name == "assess" and "serve" in command
    assert command[command.index("--token-file") + 1] == "${CREDENTIALS_DIRECTORY}/tokens"
    assert service["LoadCredential"] == "tokens:/etc/assess/tokens"
    assert service["User"] not in ("root", "0") and service["User"] == service["Group"]
    assert service["Restart"] == "on-failure"
    expected = {"NoNewPrivileges": "yes", "ProtectSystem": "strict", "PrivateTmp": "yes", "ProtectHome": "yes",
                "PrivateDevices": "yes", "CapabilityBoundingSet": ""}
    assert {key: service.get(key) for key in expected} == expected
    assert parsed["Install"]["WantedBy"] == "multi-user.target"


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed")
def test_systemd_analyze_verifies_the_unit(tmp_path):
    # verify checks that ExecStart's program exists: point it at one that does (this Python)
    text = UNIT.read_text(encoding="utf-8").replace("/opt/assess/bin/assess", sys.executable)
    copy = tmp_path / UNIT.name
    copy.write_text(text, encoding="utf-8")
    done = subprocess.run(["systemd-analyze", "verify", str(copy)], capture_output=True, text=True, timeout=120)
    about_ours = [line for line in done.stderr.splitlines() if UNIT.name in line]
    assert done.returncode == 0 and not about_ours, done.stderr
