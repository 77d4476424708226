"""Reading one line from a harness server's stdout, with a deadline (the kill and
crash-point harnesses both talk to a long-lived server process this way)."""

from __future__ import annotations

import select
import subprocess


def read_line(proc: subprocess.Popen[str], timeout: float, who: str) -> str:
    assert proc.stdout is not None
    ready, _, _ = select.select([proc.stdout], [], [], timeout)
    if not ready:
        raise TimeoutError(f"the {who} said nothing")
    line = proc.stdout.readline()
    if not line:
        raise RuntimeError(f"the {who} ended")
    return line.rstrip("\n")
