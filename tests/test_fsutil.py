"""Atomic writes: all or nothing, temp files cleaned up, modes kept."""

from __future__ import annotations

import os
import stat

import pytest

from engine.report import output as fsutil
from engine.report.output import OutputError, atomic_write_bytes, atomic_write_text


def _leftovers(directory) -> list[str]:
    return [name for name in os.listdir(directory) if name.endswith(".tmp")]


def test_writes_new_file_in_utf8_by_default(tmp_path):
    target = tmp_path / "report.txt"
    atomic_write_text(target, "得分: 95\r\nok\n")
    assert target.read_bytes() == "得分: 95\r\nok\n".encode()  # no newline translation
    assert _leftovers(tmp_path) == []


def test_replaces_existing_file_and_keeps_its_mode(tmp_path):
    target = tmp_path / "a.json"
    target.write_bytes(b"old")
    os.chmod(target, 0o640)
    atomic_write_bytes(str(target), b"new")
    assert target.read_bytes() == b"new"
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o640


def test_new_file_gets_umask_mode_not_0600(tmp_path):
    old = os.umask(0o022)
    try:
        atomic_write_bytes(tmp_path / "n.txt", b"x")
    finally:
        os.umask(old)
    assert stat.S_IMODE(os.stat(tmp_path / "n.txt").st_mode) == 0o644


def test_other_encoding(tmp_path):
    atomic_write_text(tmp_path / "g.txt", "名称", encoding="gb18030")
    assert (tmp_path / "g.txt").read_bytes() == "名称".encode("gb18030")


def test_encoding_error_leaves_old_file_and_no_temp(tmp_path):
    target = tmp_path / "t.txt"
    target.write_text("old")
    with pytest.raises(UnicodeEncodeError):
        atomic_write_text(target, "名称", encoding="ascii")
    assert target.read_text() == "old"
    assert _leftovers(tmp_path) == []


def test_failure_during_replace_removes_temp_and_keeps_old(tmp_path, monkeypatch):
    target = tmp_path / "t.txt"
    target.write_bytes(b"old")

    def broken_replace(src, dst):
        raise OSError("disk on fire")

    monkeypatch.setattr(fsutil.os, "replace", broken_replace)
    with pytest.raises(OutputError, match="disk on fire"):
        atomic_write_bytes(target, b"new content")
    assert target.read_bytes() == b"old"
    assert _leftovers(tmp_path) == []


def test_failure_during_write_removes_temp(tmp_path, monkeypatch):
    def broken_fsync(fd):
        raise OSError("no space left")

    monkeypatch.setattr(fsutil.os, "fsync", broken_fsync)
    with pytest.raises(OutputError, match="no space"):
        atomic_write_bytes(tmp_path / "new.txt", b"data")
    assert not (tmp_path / "new.txt").exists()
    assert _leftovers(tmp_path) == []


def test_missing_directory_raises_and_creates_nothing(tmp_path):
    with pytest.raises(OutputError, match="the folder .*such does not exist"):
        atomic_write_bytes(tmp_path / "no" / "such" / "f.txt", b"x")
    assert os.listdir(tmp_path) == []


def test_symlink_is_kept_and_target_replaced(tmp_path):
    real = tmp_path / "real.txt"
    real.write_bytes(b"old")
    link = tmp_path / "link.txt"
    link.symlink_to(real)
    atomic_write_bytes(link, b"new")
    assert link.is_symlink()
    assert real.read_bytes() == b"new"
