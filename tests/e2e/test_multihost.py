"""The multi-host proof, small: four network namespaces, PostgreSQL across veth, one kill.

Runs ``bench/multihost.py`` with a short stream (40 messages over 10 conversations): the
services on four namespaced hosts and then on one host, one orchestrator SIGKILLed halfway
through each run. Every message must be answered exactly once and in order in both runs.
Needs root, iproute2 and the PostgreSQL server binaries; skipped with the reason otherwise.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _missing() -> str | None:
    if os.geteuid() != 0:
        return "needs root (network namespaces, a throwaway PostgreSQL cluster)"
    for tool in ("ip", "runuser", "psql", "initdb", "pg_ctl"):
        if shutil.which(tool) is None and not list(
            Path("/usr/lib/postgresql").glob(f"*/bin/{tool}")
        ):
            return f"needs {tool}"
    probe = f"obxmh{os.getpid()}-probe"
    made = subprocess.run(["ip", "netns", "add", probe], capture_output=True, check=False)
    if made.returncode != 0:
        return "cannot create network namespaces here"
    subprocess.run(["ip", "netns", "del", probe], capture_output=True, check=False)
    return None


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_four_hosts_one_orchestrator_killed_nothing_lost_duplicated_or_reordered() -> None:
    reason = _missing()
    if reason:
        pytest.skip(reason)
    done = subprocess.run(
        [sys.executable, "bench/multihost.py", "--conversations", "10", "--messages-each", "4"],
        cwd=ROOT, capture_output=True, text=True, timeout=540, check=False,
    )  # fmt: skip
    out = done.stdout + done.stderr
    assert done.returncode == 0, out[-4000:]
    rows: dict[str, list[str]] = {}
    for line in done.stdout.splitlines():  # the first table's rows: the counts
        if line.strip():
            rows.setdefault(line.split()[0], line.split()[1:])
    for run in ("single-host", "multi-host"):
        lost, duplicated, order, unmatched, dead = (int(n) for n in rows[run][:5])
        assert (lost, duplicated, order, unmatched, dead) == (0, 0, 0, 0, 0), out[-4000:]
    assert "SIGKILLed orchestrator-b" in done.stdout
