"""Loading text files safely: existence, binary data, encodings, BOMs."""

from __future__ import annotations

import os
from pathlib import Path

from ..errors import InputError

__all__ = ["read_text", "read_bytes", "decode_text"]


def read_text(path: str | os.PathLike) -> str:
    """Return a file's text, or raise :class:`InputError` saying why it cannot be read.

    A UTF-8 byte-order mark is dropped; CRLF and CR line endings are left to
    the parsers, which understand all of them. Binary data (a NUL byte, or
    bytes that are not UTF-8) is refused with the offending offset.
    """
    return decode_text(read_bytes(path), path)


def read_bytes(path: str | os.PathLike) -> bytes:
    """Return a file's bytes, or raise :class:`InputError` saying why it cannot be read."""
    p = Path(path)
    try:
        if not p.exists():
            raise InputError("no such file", path=p)
        if p.is_dir():
            raise InputError("is a directory, not a file", path=p)
        return p.read_bytes()
    except OSError as exc:  # permissions, a name too long, a device that went away
        raise InputError(f"cannot read ({exc.strerror or exc})", path=p) from None


def decode_text(data: bytes, path: str | os.PathLike) -> str:
    """UTF-8 text from a file's bytes (see :func:`read_text`); ``path`` names it in errors."""
    nul = data.find(b"\x00")
    if nul >= 0:
        raise InputError(f"not a text file (NUL byte at offset {nul})", path=path)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise InputError(f"not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start})", path=path,
                         line=line) from None
    if text.startswith("\ufeff"):
        text = text[1:]
    return text
