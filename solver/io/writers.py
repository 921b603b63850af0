"""Output writers. Every file is written atomically: a temporary file in the
same folder, flushed to disk, then renamed over the target, so an interrupted
run leaves either the previous file or none, never a partial one."""

from __future__ import annotations

import io
import json
import math
import os
import stat
import tempfile
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np

from ..errors import InputError

__all__ = ["atomic_write", "write_json", "write_assignment", "to_jsonable"]


def atomic_write(path: str | os.PathLike, data: str | bytes) -> None:
    """Write ``data`` to ``path`` atomically (temp file + fsync + rename).

    The temporary file ``.<name>.<random>.tmp`` lives in the target's folder
    (a rename is atomic only within one file system) and is removed whatever
    stops the write: an error, Ctrl-C (``KeyboardInterrupt``) or a full disk.
    So the target holds either its previous content or the complete new one.
    The new file gets the permissions of the file it replaces, or the usual
    ``0o666 & ~umask`` for a new one.

    Parameters
    ----------
    path : path-like
        The target file.
    data : str or bytes
        The complete content; text is encoded as UTF-8.

    Raises
    ------
    InputError
        If the folder does not exist or cannot be written to.
    """
    target = Path(path)
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise InputError("cannot write: the folder does not exist", path=target)
    if target.is_dir():
        raise InputError("cannot write: is a directory", path=target)
    payload = data.encode("utf-8") if isinstance(data, str) else data
    fd, tmp = None, None
    try:
        mode = _new_file_mode(target)
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
        with os.fdopen(fd, "wb") as fh:
            fd = None
            fh.write(payload)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, target)
        tmp = None
        _sync_folder(folder)
    except OSError as exc:
        raise InputError(f"cannot write ({exc.strerror or exc})", path=target) from None
    finally:
        if fd is not None:
            os.close(fd)
        if tmp is not None and os.path.exists(tmp):
            os.unlink(tmp)


def _new_file_mode(target: Path) -> int:
    """The replaced file's permission bits, or ``0o666 & ~umask`` (mkstemp's 0o600 is too strict)."""
    try:
        return stat.S_IMODE(target.stat().st_mode)
    except OSError:
        return 0o666 & ~_umask()


def _umask() -> int:
    try:  # Linux: read it without changing it (os.umask would, briefly, for every thread)
        with open("/proc/self/status", encoding="ascii", errors="replace") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _sync_folder(folder: Path) -> None:
    """Make the rename itself durable; best effort (not every system can open a folder)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def to_jsonable(value: Any) -> Any:
    """Plain JSON values from NumPy/torch scalars, arrays, tuples and dataclass dicts.

    Non-finite floats become ``None`` (JSON has no NaN or infinity).
    """
    if isinstance(value, Mapping):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return to_jsonable(value.tolist())
    if isinstance(value, (np.bool_, bool)):
        return bool(value)
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        f = float(value)
        return f if math.isfinite(f) else None
    if hasattr(value, "item") and callable(value.item):  # torch scalar tensors
        return to_jsonable(value.item())
    return value


def write_json(path: str | os.PathLike, obj: Any) -> None:
    """Write ``obj`` as indented JSON, atomically."""
    atomic_write(path, json.dumps(to_jsonable(obj), indent=2) + "\n")


def write_assignment(path: str | os.PathLike, labels: Sequence[str], sides: np.ndarray) -> None:
    """Write a cut, atomically, in a format :func:`~solver.io.read_assignment` reads back.

    ``label<TAB>side`` lines; a JSON object ``{label: side}`` for a ``.json``
    path; a NumPy ``.npy`` array of 0/1 (int8, in the order of ``labels``) for
    a ``.npy`` path.

    Parameters
    ----------
    path : path-like
    labels : sequence of str
        The vertices' labels.
    sides : array of shape (len(labels),)
        0/1 (or booleans) per vertex, in the order of ``labels``.
    """
    sides = np.asarray(sides).astype(int)
    suffix = Path(path).suffix.lower()
    if suffix == ".json":
        write_json(path, {label: int(s) for label, s in zip(labels, sides)})
    elif suffix == ".npy":
        buffer = io.BytesIO()
        np.save(buffer, sides.astype(np.int8), allow_pickle=False)
        atomic_write(path, buffer.getvalue())
    else:
        atomic_write(path, "".join(f"{label}\t{int(s)}\n" for label, s in zip(labels, sides)))
