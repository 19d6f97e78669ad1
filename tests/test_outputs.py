"""Where reports go and what is read: every output or input problem is exit 2 with the path and the reason,
nothing is clobbered or left half, and a device, a FIFO or standard output is written to, never replaced.

Devices come from the `device` fixture (tests/conftest.py): a private copy where this process may make one.
"""

from __future__ import annotations

import errno
import json
import os
import resource
import shutil
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from engine.cli import app
from engine.report import output as output_module

ROOT = Path(__file__).resolve().parent.parent
DEMO = str(ROOT / "tests" / "packs" / "demo")
STRONG = str(ROOT / "tests" / "profiles" / "demo-strong.yaml")
ASSESS = (STRONG, "--pack", DEMO, "--backend", "reference")
runner = CliRunner()

posix_only = pytest.mark.skipif(os.name != "posix", reason="FIFOs, device nodes and rlimits are POSIX")


def run(*args: str):
    return runner.invoke(app, list(args), catch_exceptions=False)


def quiet_failure(result, code: int = 2) -> None:
    assert result.exit_code == code, (result.exit_code, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr


def is_device(path: Path) -> bool:
    return stat.S_ISCHR(os.stat(path).st_mode)


# -- output problems: exit 2, the path and the reason ------------------------------------------------

def test_output_into_a_missing_folder_is_exit_2_with_the_folder(tmp_path):
    target = tmp_path / "no" / "such" / "report.txt"
    result = run(*ASSESS, "-o", str(target))
    quiet_failure(result)
    assert f"{target}: error[output]: cannot write the output: the folder {target.parent} does not exist" \
        in result.stderr
    assert not (tmp_path / "no").exists()


def test_output_onto_a_directory_is_exit_2(tmp_path):
    result = run(*ASSESS, "-o", str(tmp_path))
    quiet_failure(result)
    assert f"{tmp_path}: error[output]: cannot write the output: it is a directory" in result.stderr
    assert [p.name for p in tmp_path.iterdir()] == []  # no temporary file left beside it


@posix_only
def test_output_onto_a_full_device_is_exit_2_no_space_and_the_device_stays(device):
    full = device("full")
    result = run(*ASSESS, "-o", str(full))
    quiet_failure(result)
    assert f"{full}: error[output]: cannot write the output: No space left on device" in result.stderr
    assert is_device(full)


@posix_only
def test_output_onto_the_null_device_writes_into_it_and_never_replaces_it(device):
    null = device("null")
    result = run(*ASSESS, "--format", "json", "-o", str(null))
    assert result.exit_code == 0, result.stderr
    assert is_device(null)  # still the device: a run as root must not turn /dev/null into a file
    assert os.stat(null).st_size == 0


def test_a_full_disk_while_writing_is_exit_2_and_the_old_report_stays(tmp_path, monkeypatch):
    target = tmp_path / "report.txt"
    target.write_text("last year's report\n", encoding="utf-8")
    real_fdopen = os.fdopen

    class FullDisk:
        """A file whose every write fails as on a full disk."""

        def __init__(self, fd, *args, **kwargs):
            self.handle = real_fdopen(fd, *args, **kwargs)

        def write(self, data):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

        def __getattr__(self, name):
            return getattr(self.handle, name)

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.handle.close()

    monkeypatch.setattr(output_module.os, "fdopen", FullDisk)
    result = run(*ASSESS, "-o", str(target))
    quiet_failure(result)
    assert f"{target}: error[output]: cannot write the output: No space left on device" in result.stderr
    assert target.read_text(encoding="utf-8") == "last year's report\n"
    assert [p.name for p in tmp_path.iterdir()] == ["report.txt"]  # the temporary file is gone


@posix_only
def test_a_file_size_limit_is_exit_2_and_the_old_report_stays(tmp_path):
    """A real write failing in the operating system (RLIMIT_FSIZE; Python ignores SIGXFSZ): the same path."""
    target = tmp_path / "report.html"
    target.write_text("old\n", encoding="utf-8")

    def small_files() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (1000, 1000))

    done = subprocess.run([sys.executable, "-m", "engine", *ASSESS, "--format", "html", "-o", str(target)],
                          capture_output=True, text=True, preexec_fn=small_files, timeout=120)
    assert done.returncode == 2, done.stderr
    assert f"{target}: error[output]: cannot write the output: File too large" in done.stderr
    assert "Traceback" not in done.stderr
    assert target.read_text(encoding="utf-8") == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["report.html"]


@posix_only
def test_a_read_only_folder_is_exit_2(tmp_path):
    if os.geteuid() == 0:
        pytest.skip("root ignores permissions: a read-only folder cannot be tested as root")
    folder = tmp_path / "locked"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        result = run(*ASSESS, "-o", str(folder / "report.txt"))
    finally:
        folder.chmod(0o755)
    quiet_failure(result)
    assert f"{folder / 'report.txt'}: error[output]: cannot write the output: Permission denied" in result.stderr


@posix_only
def test_standard_output_on_a_full_device_is_exit_2(device):
    with open(device("full"), "wb") as full:
        done = subprocess.run([sys.executable, "-m", "engine", *ASSESS], stdout=full, stderr=subprocess.PIPE,
                              text=True, timeout=120)
    assert done.returncode == 2, done.stderr
    assert "<stdout>: error[output]: cannot write the output: No space left on device" in done.stderr
    assert "Traceback" not in done.stderr and "Exception ignored" not in done.stderr


def test_output_onto_the_profile_itself_is_refused(tmp_path):
    profile = tmp_path / "community.yaml"
    shutil.copy(STRONG, profile)
    before = profile.read_bytes()
    result = run(str(profile), "--pack", DEMO, "--backend", "reference", "-o", str(profile))
    quiet_failure(result)
    assert f"--output {profile} is the profile {profile}" in result.stderr
    assert profile.read_bytes() == before


def test_a_batch_summary_into_a_missing_folder_is_exit_2(tmp_path):
    target = tmp_path / "missing" / "summary.csv"
    result = run(str(Path(STRONG).parent), "--pack", DEMO, "--backend", "reference", "-j", "1", "-o", str(target))
    quiet_failure(result)
    assert f"{target}: error[output]: cannot write the output: the folder {target.parent} does not exist" \
        in result.stderr


# -- FIFOs and standard output: written to, not replaced ---------------------------------------------

@posix_only
def test_output_into_a_fifo_reaches_its_reader_and_the_fifo_stays(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()), daemon=True)
    reader.start()
    result = run(*ASSESS, "--format", "json", "-o", str(fifo))
    reader.join(30)
    assert result.exit_code == 0, result.stderr
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)  # not replaced by a regular file
    assert received and json.loads(received[0])["results"][0]["total"] == 76.94


def test_dash_is_standard_output_also_for_xlsx_when_it_is_not_a_terminal():
    text = run(*ASSESS, "-o", "-")
    assert text.exit_code == 0 and text.stdout.startswith("考核评估报告")
    book = runner.invoke(app, [*ASSESS, "--format", "xlsx", "-o", "-"])
    assert book.exit_code == 0, book.stderr
    assert book.stdout_bytes.startswith(b"PK\x03\x04")  # the workbook, a zip archive
    again = runner.invoke(app, [*ASSESS, "--format", "xlsx", "-o", "-"])
    assert again.stdout_bytes == book.stdout_bytes


def test_dev_stdout_is_standard_output():
    result = run(*ASSESS, "--format", "json", "-o", "/dev/stdout")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["results"][0]["total"] == 76.94


def test_xlsx_without_a_file_is_still_a_usage_error():
    result = run(*ASSESS, "--format", "xlsx")
    quiet_failure(result)
    assert "--format xlsx writes a binary file" in result.stderr


# -- inputs that are not regular files: refused at once, never waited on -------------------------------

@pytest.fixture
def make_fifo():
    """make_fifo(path): a FIFO with nobody writing to it. A reader that opens it anyway (the bug) is released
    after a few seconds by a writer that closes at once, so a test of that bug fails instead of hanging."""
    stop = threading.Event()

    def make(path: Path) -> Path:
        os.mkfifo(path)

        def release() -> None:
            time.sleep(3)
            while not stop.is_set():
                try:
                    os.close(os.open(path, os.O_WRONLY | os.O_NONBLOCK))
                except OSError:  # no reader yet
                    time.sleep(0.1)

        threading.Thread(target=release, daemon=True).start()
        return path

    yield make
    stop.set()


@pytest.fixture
def fifo(tmp_path, make_fifo):
    return make_fifo(tmp_path / "input.yaml")


def not_a_regular_file(result, path: Path) -> None:
    quiet_failure(result)
    assert f"{path}: error[io-error]: not a regular file (a FIFO)" in result.stderr


@posix_only
def test_a_fifo_as_the_profile_is_refused_at_once(fifo):
    started = time.monotonic()
    not_a_regular_file(run(str(fifo), "--pack", DEMO, "--backend", "reference"), fifo)
    assert time.monotonic() - started < 3


@posix_only
@pytest.mark.parametrize("option", ["--waivers", "--adjustments", "--baseline"])
def test_a_fifo_as_a_review_file_is_refused(fifo, option):
    not_a_regular_file(run(*ASSESS, option, str(fifo)), fifo)


@posix_only
def test_a_fifo_as_the_configuration_is_refused(fifo):
    result = run("--config", str(fifo), *ASSESS)
    quiet_failure(result)
    assert f"{fifo}: error[io-error]: not a regular file (a FIFO)" in result.stderr


@posix_only
def test_a_fifo_among_a_packs_files_is_a_pack_error(tmp_path, make_fifo):
    pack = tmp_path / "pack"
    shutil.copytree(DEMO, pack)
    make_fifo(pack / "rules" / "d4-more.yaml")
    result = run(STRONG, "--pack", str(pack), "--backend", "reference")
    quiet_failure(result)
    assert "d4-more.yaml: error[io-error]: not a regular file (a FIFO)" in result.stderr


@posix_only
def test_a_fifo_as_a_saved_report_is_refused(fifo):
    result = run("render", str(fifo))
    quiet_failure(result)
    assert "not a regular file (a FIFO)" in result.stderr


@posix_only
def test_a_character_device_as_the_profile_is_refused():
    result = run("/dev/zero", "--pack", DEMO, "--backend", "reference")
    quiet_failure(result)
    assert "/dev/zero: error[io-error]: not a regular file (a character device)" in result.stderr


# -- encoding errors carry line:col ------------------------------------------------------------------

def test_a_bad_byte_after_a_utf8_bom_is_located_on_its_line(tmp_path):
    profile = tmp_path / "bom.yaml"
    profile.write_bytes(b"\xef\xbb\xbfprofile:\n  id: \xff\n")
    result = run(str(profile), "--pack", DEMO, "--backend", "reference")
    quiet_failure(result)
    assert f"{profile}:2:7: error[encoding]:" in result.stderr and "byte 0xFF at line 2, column 7" in result.stderr


def test_a_bad_utf16_unit_is_located_without_counting_the_bom(tmp_path):
    profile = tmp_path / "utf16.yaml"
    profile.write_bytes(b"\xff\xfe" + "a: ".encode("utf-16-le") + b"\x00\xdc")  # a lone low surrogate
    result = run(str(profile), "--pack", DEMO, "--backend", "reference")
    quiet_failure(result)
    assert f"{profile}:1:4: error[encoding]:" in result.stderr


def test_a_baseline_that_is_not_utf8_is_located(tmp_path):
    baseline = tmp_path / "last.json"
    baseline.write_bytes(b'{\n  "results": "caf\xe9"\n}\n')
    result = run(*ASSESS, "--baseline", str(baseline))
    quiet_failure(result)
    assert f"{baseline}:2:18: error[encoding]: a baseline is a UTF-8 JSON file" in result.stderr


def test_a_configuration_that_is_not_utf8_is_located(tmp_path):
    config = tmp_path / "assess.toml"
    config.write_bytes(b'lang = "en"\nformat = "caf\xe9"\n')
    result = run("--config", str(config), *ASSESS)
    quiet_failure(result)
    assert f"{config}:2:14: error[encoding]: the configuration is not UTF-8 text" in result.stderr
