"""The credential scenario suite (testdata/credential-scenarios) through this package's public API:
tests/scenarios/runner.py runs tests/scenario_host.py (this interpreter, the installed wheel) once
per scenario against the scenario emulator. Every scenario must pass; there are no Python-specific
expectations."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path

from conftest import REPO

RUNNER = REPO / "tests" / "scenarios" / "runner.py"
HOST = Path(__file__).with_name("scenario_host.py")


def test_every_credential_scenario_passes() -> None:
    assert RUNNER.is_file(), f"{RUNNER} is missing"
    host = shlex.join([sys.executable, str(HOST)])
    run = subprocess.run(
        [sys.executable, str(RUNNER), "--host-cmd", host],
        capture_output=True,
        text=True,
        timeout=1800,
    )
    failures = [line for line in run.stdout.splitlines() if not line.startswith("PASS ")]
    summary = re.search(r"^scenarios: (\d+) passed, (\d+) failed", run.stdout, re.M)
    assert summary is not None, run.stdout[-4000:] + run.stderr[-4000:]
    assert run.returncode == 0, "\n".join(failures)[-8000:] + run.stderr[-2000:]
    assert int(summary.group(2)) == 0 and int(summary.group(1)) > 0
