"""`assess serve` through HTTP: the real server (uvicorn, in a subprocess) on a free loopback port.

The client part is a plain HTTP client (urllib), as a Java or .NET platform would be: nothing of the
engine is imported to talk to the service. The worker faults (a crash, a hang) are the batch's test
hook, ASSESS_TEST_FAULT (engine/batch/run.py), read by the service's workers.
"""

from __future__ import annotations

import importlib.util
import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PROFILES = sorted((ROOT / "profiles").glob("*.yaml"))
TOKEN = "test-token-0123456789"
TIMEOUT = 4  # seconds per request (--timeout): the hang test waits this long

MISSING = [name for name in ("fastapi", "uvicorn") if importlib.util.find_spec(name) is None]
WHY = f"the 'server' extra is not installed (no {', '.join(MISSING)}): pip install '.[server]'"
needs_server = pytest.mark.skipif(bool(MISSING), reason=WHY)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def assess_cli(*args: str, **kwargs) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, "-m", "engine", "--no-config", *args], cwd=ROOT, capture_output=True,
                          timeout=300, **kwargs)


class Client:
    def __init__(self, base: str, token: str | None = TOKEN):
        self.base, self.token = base, token

    def call(self, method: str, path: str, body: bytes | None = None, headers: dict[str, str] | None = None,
             token: str | None = "default") -> tuple[int, dict[str, str], bytes]:
        request = urllib.request.Request(self.base + path, data=body, method=method, headers=dict(headers or {}))
        bearer = self.token if token == "default" else token
        if bearer:
            request.add_header("Authorization", f"Bearer {bearer}")
        try:
            with urllib.request.urlopen(request, timeout=120) as response:
                return response.status, dict(response.headers), response.read()
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), error.read()

    def json(self, method: str, path: str, body: bytes | None = None, **kwargs) -> tuple[int, object]:
        status, _, content = self.call(method, path, body, **kwargs)
        return status, json.loads(content)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    if MISSING:
        pytest.skip(WHY)
    port = free_port()
    log = tmp_path_factory.mktemp("serve") / "server.log"
    env = dict(os.environ, ASSESS_TEST_FAULT="crash=crash.yaml;hang=hang.yaml", ASSESS_SERVE_TOKENS=TOKEN)
    with log.open("wb") as sink:
        process = subprocess.Popen([sys.executable, "-m", "engine", "--no-config", "serve", "--port", str(port),
                                    "--workers", "2", "--timeout", str(TIMEOUT), "--max-body", "2000000"],
                                   cwd=ROOT, env=env, stdout=sink, stderr=subprocess.STDOUT)
    client = Client(f"http://127.0.0.1:{port}")
    try:
        deadline = time.monotonic() + 180
        while True:
            assert process.poll() is None, log.read_text()
            try:
                if client.call("GET", "/readyz")[0] == 200:
                    break
            except OSError:
                pass
            assert time.monotonic() < deadline, "the server did not become ready:\n" + log.read_text()
            time.sleep(0.3)
        client.log = log  # type: ignore[attr-defined]
        yield client
    finally:
        process.terminate()
        process.wait(30)


@needs_server
@pytest.mark.parametrize("profile", PROFILES, ids=lambda p: p.stem)
def test_each_example_profile_gets_the_cli_bytes(server, profile, tmp_path):
    expected = tmp_path / "cli.json"
    done = assess_cli(str(profile.relative_to(ROOT)), "--format", "json", "-o", str(expected))
    assert done.returncode in (0, 1), done.stderr.decode()
    name = str(profile.relative_to(ROOT))
    status, headers, body = server.call("POST", f"/v1/assess?name={name}", profile.read_bytes(),
                                        {"Content-Type": "application/yaml"})
    assert status == 200, body[:2000]
    assert headers["content-type"] == "application/json"
    assert body == expected.read_bytes()


@needs_server
def test_a_json_profile_and_other_formats(server):
    profile = ROOT / "profiles" / "strong-community.yaml"
    done = assess_cli(str(profile.relative_to(ROOT)), "--format", "json", "--lang", "en")
    report = json.loads(done.stdout)
    as_json = json.dumps({"profile": {"subject": "community", "year": 2024}}).encode()
    status, _, body = server.call("POST", "/v1/assess?name=p.json", as_json, {"Content-Type": "application/json"})
    assert status == 200 and json.loads(body)["profile"]["file"] == "p.json"
    status, headers, text = server.call("POST", "/v1/assess?lang=en", profile.read_bytes(), {"Accept": "text/plain"})
    assert status == 200 and headers["content-type"].startswith("text/plain")
    assert report["results"][0]["pack"]["id"] in text.decode()
    status, headers, sheet = server.call("POST", "/v1/assess?format=xlsx", profile.read_bytes())
    assert status == 200 and sheet[:2] == b"PK"


@needs_server
def test_bad_yaml_is_422_with_the_cli_diagnostics(server, tmp_path):
    broken = b"profile:\n  subject: community\n  year: 2024\nhouseholds\xef\xbc\x9a2480\n"
    (tmp_path / "broken.yaml").write_bytes(broken)
    cli = subprocess.run([sys.executable, "-m", "engine", "--no-config", "broken.yaml"], cwd=tmp_path,
                         capture_output=True, text=True, timeout=300)
    assert cli.returncode == 2
    status, problem = server.json("POST", "/v1/assess?name=broken.yaml", broken)
    assert status == 422 and problem["error"] == "invalid"
    first = problem["diagnostics"][0]
    assert {"file", "line", "col", "severity", "code", "message"} <= set(first)
    assert first["file"] == "broken.yaml" and first["line"] > 0
    shown = f"{first['file']}:{first['line']}:{first['col']}: {first['severity']}[{first['code']}]: {first['message']}"
    assert shown in cli.stderr
    status, verdict = server.json("POST", "/v1/validate?name=broken.yaml", broken)
    assert status == 200 and verdict["valid"] is False and verdict["diagnostics"] == problem["diagnostics"]


@needs_server
def test_validate_a_good_profile(server):
    status, verdict = server.json("POST", "/v1/validate", (ROOT / "profiles" / "strong-community.yaml").read_bytes())
    assert status == 200 and verdict["valid"] is True


@needs_server
def test_an_oversized_body_is_413(server):
    status, problem = server.json("POST", "/v1/assess", b"#" * 2_100_000)
    assert status == 413 and problem["error"] == "too-large"


@needs_server
def test_an_oversized_body_without_a_length_is_413_too(server):
    """Sent in chunks, with no Content-Length to refuse it by: counted as it arrives."""
    import http.client
    from urllib.parse import urlsplit

    where = urlsplit(server.base)
    connection = http.client.HTTPConnection(where.hostname, where.port, timeout=60)
    chunks = (b"#" * 100_000 for _ in range(25))
    connection.request("POST", "/v1/assess", body=chunks, encode_chunked=True,
                       headers={"Authorization": f"Bearer {TOKEN}", "Transfer-Encoding": "chunked"})
    response = connection.getresponse()
    assert response.status == 413 and json.loads(response.read())["error"] == "too-large"
    connection.close()


@needs_server
def test_a_hanging_profile_times_out_and_the_server_goes_on(server):
    profile = (ROOT / "profiles" / "strong-community.yaml").read_bytes()
    started = time.monotonic()
    status, problem = server.json("POST", "/v1/assess?name=hang.yaml", profile)
    assert status == 504 and problem["error"] == "timeout" and "killed" in problem["message"]
    assert time.monotonic() - started < TIMEOUT + 30
    assert server.call("POST", "/v1/assess?name=after-hang.yaml", profile)[0] == 200


@needs_server
def test_a_crashing_worker_costs_its_request_only(server):
    profile = (ROOT / "profiles" / "strong-community.yaml").read_bytes()
    status, problem = server.json("POST", "/v1/assess?name=crash.yaml", profile)
    assert status == 500 and problem["error"] == "worker-crashed" and "SIGSEGV" in problem["message"]
    assert "Traceback" not in json.dumps(problem)
    for _ in range(3):  # both workers, the replacement included
        assert server.call("POST", "/v1/assess?name=after-crash.yaml", profile)[0] == 200
    assert server.call("GET", "/readyz")[0] == 200


@needs_server
def test_a_token_is_required(server):
    status, problem = server.json("GET", "/v1/packs", token=None)
    assert status == 401 and problem["error"] == "unauthorized"
    assert server.call("GET", "/v1/packs", token="wrong")[0] == 401
    assert server.call("GET", "/healthz", token=None)[0] == 200


@needs_server
def test_packs_schema_scoresheet(server):
    status, packs = server.json("GET", "/v1/packs")
    assert status == 200
    by_id = {pack["id"]: pack for pack in packs}
    assert "community" in by_id and by_id["community"]["version"] and "parameters" in by_id["community"]
    status, schema = server.json("GET", "/v1/packs/community/schema?lang=en")
    assert status == 200 and schema["type"] == "object"
    status, _, sheet = server.call("GET", "/v1/packs/community/scoresheet")
    assert status == 200 and sheet.decode().lstrip().startswith("<!--")
    status, problem = server.json("GET", "/v1/packs/communty/schema")
    assert status == 404 and "community" in problem["message"]


@needs_server
def test_render_a_saved_report(server, tmp_path):
    saved = tmp_path / "report.json"
    assess_cli("profiles/strong-community.yaml", "--format", "json", "-o", str(saved))
    expected = assess_cli("render", str(saved), "--format", "markdown", "--lang", "en").stdout
    status, _, body = server.call("POST", "/v1/render?format=markdown&lang=en", saved.read_bytes())
    assert status == 200 and body == expected
    status, problem = server.json("POST", "/v1/render", b'{"not": "a report"}')
    assert status == 422 and problem["diagnostics"][0]["code"] == "not-a-report"


@needs_server
def test_a_batch_gives_the_summary(server):
    profiles = [{"name": p.name, "content": p.read_text(encoding="utf-8")} for p in PROFILES[:3]]
    profiles.append({"name": "bad.yaml", "content": "profile: [\n"})
    profiles.append({"name": "crash.yaml", "content": profiles[0]["content"]})
    status, summary = server.json("POST", "/v1/batch", json.dumps({"profiles": profiles}).encode(),
                                  headers={"Content-Type": "application/json"})
    assert status == 200, summary
    assert summary["profiles"] == 5 and summary["assessed"] == 3
    errors = {e["file"]: e for e in summary["errors"]}
    assert errors["bad.yaml"]["status"] == "invalid" and errors["bad.yaml"]["diagnostics"][0]["line"] > 0
    assert errors["crash.yaml"]["status"] == "crashed" and "SIGSEGV" in errors["crash.yaml"]["reason"]
    for group in summary["groups"]:  # graded profiles are ranked; those whose grade is withheld come after, unranked
        ranked = [bool(row["rank"]) for row in group["rows"]]
        assert ranked == sorted(ranked, reverse=True)
        assert all(row["rank"] or row["withheld"] for row in group["rows"])
    status, problem = server.json("POST", "/v1/batch", json.dumps({"profiles": profiles[:1], "quotas": ["oops"]})
                                  .encode(), headers={"Content-Type": "application/json"})
    assert status == 422 and problem["diagnostics"]


@needs_server
def test_a_batch_summary_is_the_cli_summary(server):
    names = ["profiles/strong-community.yaml", "profiles/weak-community.yaml", "profiles/fuxing-2009.yaml"]
    expected = assess_cli(*names, "--summary-format", "json", "--jobs", "1")
    assert expected.returncode in (0, 1), expected.stderr.decode()
    profiles = [{"name": name, "content": (ROOT / name).read_text(encoding="utf-8")} for name in names]
    status, _, body = server.call("POST", "/v1/batch", json.dumps({"profiles": profiles}).encode(),
                                  {"Content-Type": "application/json"})
    assert status == 200 and body == expected.stdout


@needs_server
def test_openapi_and_the_access_log(server):
    status, spec = server.json("GET", "/openapi.json")
    assert status == 200 and "/v1/assess" in spec["paths"] and "Report" in spec["components"]["schemas"]
    lines = [json.loads(line) for line in server.log.read_text().splitlines() if line.startswith("{")]
    assert any(line["path"] == "/v1/assess" and line["status"] == 200 for line in lines)
    assert "复兴" not in server.log.read_text()  # no profile contents (names of places, staff) in the log


def test_non_loopback_without_a_token_is_refused():
    env = {k: v for k, v in os.environ.items() if k != "ASSESS_SERVE_TOKENS"}
    done = assess_cli("serve", "--host", "0.0.0.0", "--port", str(free_port()), env=env)
    assert done.returncode == 2
    if not MISSING:
        assert b"token" in done.stderr and b"Traceback" not in done.stderr


@needs_server
def test_a_parameter_no_pack_has_stops_the_start():
    done = assess_cli("serve", "--pack", "rules/community", "--set", "no_such_parameter=1", "--port", str(free_port()))
    assert done.returncode == 2 and b"unknown-parameter" in done.stderr and b"Traceback" not in done.stderr


def test_without_the_extra_serve_says_how_to_install_it():
    blocked = ("import sys; sys.modules['fastapi'] = None; sys.modules['uvicorn'] = None\n"
               "from engine.cli import app\napp(['--no-config', 'serve'])")
    done = subprocess.run([sys.executable, "-c", blocked], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and "pip install" in done.stderr and "Traceback" not in done.stderr


def test_assessing_does_not_import_the_service():
    code = ("import sys; from engine.cli import app\n"
            "assert not [m for m in sys.modules if m.startswith(('fastapi', 'uvicorn', 'engine.service'))]")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
