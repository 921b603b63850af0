"""Loading text files safely: existence, binary data, encodings, BOMs."""

from __future__ import annotations

import os
from pathlib import Path

from ..errors import InputError

__all__ = ["read_text"]


def read_text(path: str | os.PathLike) -> str:
    """Return a file's text, or raise :class:`InputError` saying why it cannot be read.

    A UTF-8 byte-order mark is dropped; CRLF and CR line endings are left to
    :meth:`str.splitlines`, which understands all of them. Binary data (a NUL
    byte, or bytes that are not UTF-8) is refused with the offending offset.
    """
    p = Path(path)
    if not p.exists():
        raise InputError("no such file", path=p)
    if p.is_dir():
        raise InputError("is a directory, not a file", path=p)
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read ({exc.strerror or exc})", path=p) from None
    nul = data.find(b"\x00")
    if nul >= 0:
        raise InputError(f"not a text file (NUL byte at offset {nul})", path=p)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise InputError(f"not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start})", path=p, line=line) from None
    if text.startswith("\ufeff"):
        text = text[1:]
    return text
