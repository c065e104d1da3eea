"""Run a sandbox in a child process, as `--sandbox` does.

A child keeps moto's import time and request handling off the console's process (and its GIL), and
dies with the console: it exits when its stdin closes, which happens however the parent ends.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from dataclasses import dataclass

from console.aws.errors import Problem

START_TIMEOUT = 60.0


@dataclass
class ChildSandbox:
    url: str
    region: str
    process: subprocess.Popen

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.stdin.close()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()


def spawn(*extra: str) -> ChildSandbox:
    """Start `apigw-console sandbox --port 0 --announce` and wait for the URL it announces."""
    errors = tempfile.TemporaryFile(mode="w+")
    process = subprocess.Popen(
        [sys.executable, "-m", "console", "sandbox", "--port", "0", "--announce", *extra],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=errors, text=True,
    )
    line = process.stdout.readline()
    if not line:
        process.wait(timeout=START_TIMEOUT)
        errors.seek(0)
        tail = errors.read().strip().splitlines()[-5:]
        hint = " Is the sandbox extra installed (pip install 'apigw-console[sandbox]')?" if any(
            "No module named 'moto'" in t for t in tail) else ""
        raise Problem("The sandbox did not start." + hint + ("\n" + "\n".join(tail) if tail else ""))
    announced = json.loads(line)
    return ChildSandbox(url=announced["url"], region=announced["region"], process=process)
