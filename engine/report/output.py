"""Atomic file writes: a reader sees the old file or the new one, never half of it."""

from __future__ import annotations

import contextlib
import os
import secrets


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes) -> None:
    """Write `data` to `path` via a temporary file in the same directory, fsync, os.replace."""
    target = os.fspath(path)
    if os.path.islink(target):  # replace what the link points to, keep the link
        target = os.path.realpath(target)
    directory = os.path.dirname(os.path.abspath(target))
    fd, temp = _create_temp(directory, os.path.basename(target))
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        _keep_mode(target, temp)
        os.replace(temp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp)
        raise
    _fsync_directory(directory)


def atomic_write_text(path: str | os.PathLike[str], text: str, encoding: str = "utf-8") -> None:
    """Like `atomic_write_bytes`; the text is encoded first, so an encoding error writes nothing.

    Line endings are written as given (no newline translation).
    """
    atomic_write_bytes(path, text.encode(encoding))


def _create_temp(directory: str, name: str) -> tuple[int, str]:
    # Created 0o666 so the umask applies as for any new file (mkstemp would make it 0600).
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    while True:
        temp = os.path.join(directory, f".{name}.{secrets.token_hex(6)}.tmp")
        try:
            return os.open(temp, flags, 0o666), temp
        except FileExistsError:
            continue


def _keep_mode(path: str, temp: str) -> None:
    """A rewritten file keeps its permissions."""
    with contextlib.suppress(FileNotFoundError):
        os.chmod(temp, os.stat(path).st_mode & 0o7777)


def _fsync_directory(directory: str) -> None:
    """Make the rename itself durable where the platform allows it (not on Windows)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        with contextlib.suppress(OSError):
            os.fsync(fd)
    finally:
        os.close(fd)
