"""`apigw-console rehearse SCENARIO`, full length, on demand: each takes real minutes (the incident's fix shows
in complete CloudWatch minutes), so it runs only with APIGW_CONSOLE_REHEARSE=1, e.g.

    APIGW_CONSOLE_REHEARSE=1 .venv/bin/pytest tests/test_rehearse.py -n 3

Each rehearsal starts its own sandbox child in the scenario and must bring it to green within 4 minutes.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

pytestmark = pytest.mark.skipif(os.environ.get("APIGW_CONSOLE_REHEARSE") != "1",
                                reason="real minutes: set APIGW_CONSOLE_REHEARSE=1 to rehearse")
LIMIT = 240.0  # seconds from the run's start to green


@pytest.mark.timeout(600)
@pytest.mark.parametrize("scenario", ["throttle-storm", "bad-canary", "stale-cache", "expired-keys"])
def test_the_bundled_runbook_brings_its_rehearsal_to_green_within_4_minutes(scenario, tmp_path):
    done = subprocess.run([sys.executable, "-m", "console", "rehearse", scenario, "--output", "json"],
                          capture_output=True, text=True, timeout=560,
                          env={**os.environ, "XDG_STATE_HOME": str(tmp_path / "state"),
                               "XDG_CONFIG_HOME": str(tmp_path / "config")})
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    answer = json.loads(done.stdout)
    assert answer["run"]["status"] == "green"
    assert answer["time_to_green_s"] < LIMIT, answer["time_to_green_s"]
    statuses = [s["status"] for s in answer["run"]["steps"]]
    assert statuses[0] == "passed" and "applied" in statuses and set(statuses) <= {"passed", "confirmed", "applied"}
