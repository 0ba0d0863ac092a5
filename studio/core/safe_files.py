"""Reading untrusted files and writing precious ones, safely, for any file format of the app.

`read_bounded` reads a regular file up to a size limit (never a FIFO or a device, which could
block or never end) and says what is wrong in a short phrase; `write_atomically` writes a
temporary file beside the target, flushes and fsyncs it and renames it over the target, so a
full disk, a crash or a power cut leaves either the old file or the new one, never half of
one; `os_trouble` turns an OSError into a few words for a sentence ("the disk is full").
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import stat
from pathlib import Path

_OS_TROUBLE = {
    errno.ENOSPC: "the disk is full",
    errno.EDQUOT: "the disk quota is used up",
    errno.EROFS: "the disk is read-only",
    errno.EACCES: "permission denied",
    errno.EPERM: "permission denied",
    errno.ENOENT: "its folder does not exist",
    errno.EISDIR: "a folder of that name is in the way",
    errno.ENAMETOOLONG: "the name is too long",
}


class UnreadableFileError(Exception):
    """Why a file cannot be read, as a phrase that follows its name: "does not exist"."""


def os_trouble(exc: OSError) -> str:
    """What went wrong in a few lower-case words: 'the disk is full', 'permission denied'."""
    return _OS_TROUBLE.get(exc.errno or 0) or (exc.strerror or str(exc)).rstrip(".").lower()


def shown_name(path: str | os.PathLike[str]) -> str:
    """A file's name fit for a sentence (unprintable characters become '?')."""
    name = Path(path).name or str(path)
    return "".join(ch if ch.isprintable() else "?" for ch in name)


def read_bounded(path: Path, max_bytes: int, kind: str) -> bytes:
    """The bytes of a regular, non-empty file of at most max_bytes; otherwise UnreadableFileError.
    `kind` names what the file should be, for the phrases ("a Continuo project")."""
    too_large = f"is too large for {kind} (over {max_bytes:,} bytes)"
    try:
        info = path.stat()
        if stat.S_ISDIR(info.st_mode):
            raise UnreadableFileError(f"is a folder, not {kind}")
        if not stat.S_ISREG(info.st_mode):
            raise UnreadableFileError(f"is not a regular file, so not {kind}")
        if info.st_size > max_bytes:
            raise UnreadableFileError(too_large)
        with open(path, "rb") as stream:
            data = stream.read(max_bytes + 1)
    except FileNotFoundError as exc:
        raise UnreadableFileError("does not exist") from exc
    except OSError as exc:
        raise UnreadableFileError(f"cannot be read: {os_trouble(exc)}") from exc
    if len(data) > max_bytes:  # it grew since stat()
        raise UnreadableFileError(too_large)
    if not data.strip():
        raise UnreadableFileError("is empty")
    return data


def write_atomically(target: Path, data: bytes) -> None:
    """Write data to a temporary file beside target, flush and fsync it, then rename it over
    target (keeping target's permissions); any OSError leaves target untouched."""
    temporary = target.with_name(f".{target.name}.{secrets.token_hex(4)}.tmp")
    mode = stat.S_IMODE(target.stat().st_mode) if target.is_file() else 0o644
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), mode)
    try:
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(descriptor, view) :]
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    _sync_folder(target.parent)


def _sync_folder(folder: Path) -> None:
    """Make a rename durable (POSIX); Windows cannot open folders, and needs no such step."""
    with contextlib.suppress(OSError, AttributeError):
        handle = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(handle)
        finally:
            os.close(handle)
