"""Output writers. Every file is written atomically: a temporary file in the
same folder, flushed to disk, then renamed over the target, so an interrupted
run leaves either the previous file or none, never a partial one."""

from __future__ import annotations

import json
import math
import os
import tempfile
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np

from ..errors import InputError

__all__ = ["atomic_write", "write_json", "write_assignment", "to_jsonable"]


def atomic_write(path: str | os.PathLike, data: str | bytes) -> None:
    """Write ``data`` to ``path`` atomically (temp file + fsync + rename).

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
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
        with os.fdopen(fd, "wb") as fh:
            fd = None
            fh.write(payload)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
        tmp = None
    except OSError as exc:
        raise InputError(f"cannot write ({exc.strerror or exc})", path=target) from None
    finally:
        if fd is not None:
            os.close(fd)
        if tmp is not None and os.path.exists(tmp):
            os.unlink(tmp)


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
    """Write a cut: ``label<TAB>side`` lines, or a JSON object for a ``.json`` path.

    ``sides`` holds 0/1 per vertex, in the order of ``labels``.
    """
    sides = np.asarray(sides).astype(int)
    if Path(path).suffix.lower() == ".json":
        write_json(path, {label: int(s) for label, s in zip(labels, sides)})
    else:
        atomic_write(path, "".join(f"{label}\t{int(s)}\n" for label, s in zip(labels, sides)))
