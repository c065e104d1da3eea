"""Launch to first frame: the console must paint before it pays for boto3 and the first AWS call.

The console runs as a user starts it, in its own process on a pty, against a seeded sandbox that
is already up (in this process), so the figure is the console's own start-up and nothing else.
"""

from __future__ import annotations

from benchmarks.common import Figure, launch_console, seconds

RUNS = 7
TARGET = 0.8
# The connection bar, painted on the first frame: its status before the connection, or the label.
HEADER = (b"connecting", b"local 127.0.0.1")
ROWS = (b"orders-api",)  # a seeded API's name: the list is on screen


def run() -> list[Figure]:
    from console.sandbox.server import reseed, start

    sandbox = start(seeded=False)
    try:
        reseed(sandbox.url)  # reset first: the process's moto backends are shared by every benchmark
        runs = [launch_console(sandbox.url, {"header": HEADER, "rows": ROWS}) for _ in range(RUNS)]
    finally:
        sandbox.stop()
    return [
        seconds("launch → first frame (header)", [r["header"] for r in runs], TARGET, "pty 80x24"),
        seconds("launch → seeded API rows", [r["rows"] for r in runs], note="pty 80x24, seeded estate"),
    ]
