"""What every benchmark shares: a figure with its target, and the console launched in a real pty."""

from __future__ import annotations

import fcntl
import os
import select
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import time
from dataclasses import dataclass

COLUMNS, LINES = 80, 24
QUIT = b"\x11"  # ctrl+q


@dataclass(frozen=True)
class Figure:
    """One measured figure; `target` is an upper bound, or None for a figure only reported."""

    name: str
    value: float
    unit: str
    target: float | None = None
    note: str = ""

    @property
    def verdict(self) -> str:
        if self.target is None:
            return "info"
        return "PASS" if self.value <= self.target else "FAIL"


def seconds(name: str, runs: list[float], target: float | None = None, note: str = "") -> Figure:
    """The median of timed runs, with their spread in the note so one slow run is visible."""
    spread = f"median of {len(runs)}, {min(runs):.3f}–{max(runs):.3f} s"
    return Figure(name, statistics.median(runs), "s", target, f"{spread}; {note}" if note else spread)


def isolate_aws() -> None:
    """No real profile, credential, endpoint setting or cached sandbox may reach a benchmark or the consoles it
    starts."""
    home = tempfile.mkdtemp(prefix="apigw-bench-")
    for name in [n for n in os.environ if n.startswith("AWS_")]:
        del os.environ[name]
    os.environ.update(AWS_CONFIG_FILE=os.path.join(home, "config"),
                      AWS_SHARED_CREDENTIALS_FILE=os.path.join(home, "credentials"),
                      AWS_EC2_METADATA_DISABLED="true",
                      XDG_CACHE_HOME=os.path.join(home, "cache"))  # the sandbox snapshot starts absent


def launch_console(url: str, markers: dict[str, tuple[bytes, ...]], timeout: float = 20.0) -> dict[str, float]:
    """Start `python -m console --endpoint-url URL` in an 80x24 pty, as a user's terminal would.

    Returns the seconds from spawn until any of each marker's byte strings is in the terminal output,
    then quits the console with ctrl+q (killing it if it does not go).
    """
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", LINES, COLUMNS, 0, 0))
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}  # they would override the pty
    env["TERM"] = "xterm-256color"
    started = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-m", "console", "--endpoint-url", url],
                               stdin=slave, stdout=slave, stderr=slave, env=env, start_new_session=True)
    os.close(slave)
    seen: dict[str, float] = {}
    output = b""
    try:
        while len(seen) < len(markers) and time.perf_counter() - started < timeout:
            chunk = _read(master, 0.05)
            if chunk is None:
                break
            output += chunk
            now = time.perf_counter() - started
            for name, options in markers.items():
                if name not in seen and any(option in output for option in options):
                    seen[name] = now
        if len(seen) < len(markers):
            tail = output[-600:].decode(errors="replace")
            raise RuntimeError(f"the console never showed {sorted(set(markers) - set(seen))}; "
                               f"exit code {process.poll()}; last output: {tail!r}")
    finally:
        _quit(process, master)
    return seen


def _read(master: int, wait: float) -> bytes | None:
    """What the console wrote within `wait` seconds (b"" if nothing); None once the pty is closed."""
    if not select.select([master], [], [], wait)[0]:
        return b""
    try:
        return os.read(master, 65536) or None
    except OSError:  # EIO: the child closed its end
        return None


def _quit(process: subprocess.Popen, master: int) -> None:
    """Ask the console to quit, draining its output meanwhile so it never blocks writing to the pty."""
    try:
        os.write(master, QUIT)
        deadline = time.monotonic() + 5
        while process.poll() is None and time.monotonic() < deadline and _read(master, 0.05) is not None:
            pass
    except OSError:
        pass
    finally:
        if process.poll() is None:
            process.kill()
        process.wait()
        os.close(master)
