"""Installed without the sandbox extra, `apigw-console sandbox` says how to install it, not a traceback."""

from __future__ import annotations

import subprocess
import sys

WITHOUT_MOTO = """
import sys
sys.modules["moto"] = None  # as if the extra were not installed: importing it raises ModuleNotFoundError
from console.cli import main
sys.exit(main(["sandbox", "--port", "0"]))
"""


def test_the_sandbox_without_its_extra_says_how_to_install_it():
    done = subprocess.run([sys.executable, "-c", WITHOUT_MOTO], capture_output=True, text=True, timeout=120)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert "pipx install 'apigw-console[sandbox]'" in done.stderr and "No module named 'moto'" in done.stderr
