"""Writing an output file without losing anything.

A regular file (or a new path) is replaced atomically: a temporary file in the
same folder, fsync, os.replace, so a reader sees the old file or the new one,
never half of it, and a failed write leaves the old file as it was. Anything
else at the path is written to, never replaced: a character device
(/dev/null, a terminal), a FIFO (its reader gets the output) or a name of an
open descriptor (/dev/stdout, /dev/fd/N). A folder, a folder that does not
exist, a full disk, a read-only file system: an `OutputError` naming the path
and the reason (exit 2), never a traceback.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import secrets
import stat
from pathlib import Path

from engine.errors import ERROR, Diagnostic, EngineError, display_path

# Names of a descriptor this process already has open: written to, whatever file the descriptor is.
_DESCRIPTOR_NAME = re.compile(r"/dev/(stdout|stderr|fd/\d+)|/proc/(self|thread-self|\d+)/fd/\d+")


class OutputError(EngineError):
    """An output could not be written: the path and the reason are in the diagnostic."""


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes, *, binary: bool = True) -> None:
    """Write `data` to `path` (see the module doc); `binary` data is never written to a terminal."""
    target = os.fspath(path)
    try:
        if _written_in_place(target):
            _write_in_place(target, data, binary)
        else:
            _replace(target, data)
    except OSError as exc:
        raise OutputError([cannot_write(target, exc)]) from None


def atomic_write_text(path: str | os.PathLike[str], text: str, encoding: str = "utf-8") -> None:
    """Like `atomic_write_bytes`; the text is encoded first, so an encoding error writes nothing.

    Line endings are written as given (no newline translation).
    """
    atomic_write_bytes(path, text.encode(encoding), binary=False)


def cannot_write(path: str, exc: OSError) -> Diagnostic:
    """The diagnostic of a failed write: the path and why, in the words of the system."""
    if exc.errno == errno.ENOENT:
        folder = os.path.dirname(os.path.abspath(path))
        reason = f"the folder {display_path(Path(folder))} does not exist" if not os.path.isdir(folder) \
            else exc.strerror or str(exc)
    elif exc.errno == errno.EISDIR:
        reason = "it is a directory"
    else:
        reason = exc.strerror or str(exc)
    return Diagnostic(display_path(Path(path)), 0, 0, ERROR, "output", f"cannot write the output: {reason}")


def _written_in_place(target: str) -> bool:
    """True for what is written to rather than replaced; a directory raises IsADirectoryError."""
    if _DESCRIPTOR_NAME.fullmatch(os.path.abspath(target)):
        return True
    try:
        mode = os.stat(target).st_mode
    except (FileNotFoundError, NotADirectoryError):
        return False
    if stat.S_ISDIR(mode):
        raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), target)
    return not stat.S_ISREG(mode)


class _BinaryToTerminal(OSError):
    def __init__(self) -> None:
        super().__init__(errno.ENOTTY, "a binary file is not written to a terminal; give a file name")


def _write_in_place(target: str, data: bytes, binary: bool) -> None:
    """Write into a device, FIFO or open descriptor as it is: appended, never truncated or replaced."""
    flags = os.O_WRONLY | os.O_APPEND | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_BINARY", 0)
    fd = os.open(target, flags)
    with os.fdopen(fd, "wb") as handle:
        if binary and os.isatty(fd):
            raise _BinaryToTerminal()
        handle.write(data)


def _replace(target: str, data: bytes) -> None:
    """Write `data` to a temporary file in the same directory, fsync, os.replace."""
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
