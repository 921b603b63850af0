"""The ``derand`` entry point: imports the CLI (and with it torch) inside a Ctrl-C guard, and ends the process
as soon as the command is done."""

from __future__ import annotations

import os
import sys


def main() -> None:
    try:
        from .cli import main as cli_main
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        raise SystemExit(130) from None
    try:
        cli_main()
        code = 0
    except SystemExit as exc:
        code = _exit_code(exc.code)
    # Every output is written (atomically) by now: skip the interpreter's teardown, which for torch and
    # numba costs about half a second of every run (benchmarks/results/default_vs_neal/startup.md).
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe: nothing more can be said on it
            pass
    os._exit(code)


def _exit_code(code) -> int:
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    sys.stderr.write(f"{code}\n")
    return 1
