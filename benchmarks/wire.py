"""Bytes on the wire: what the console writes to its terminal while the operator only watches.

Over SSH every byte crosses the link and competes with the echo of the keys typed. The console runs as
a user starts it (`python -m console --endpoint-url URL` in a pty, TERM=xterm-256color) at 80x24 and
120x40 against a sandbox in this process. Each main screen is opened with the command line, left to
settle, then its output is counted over a window: bytes per second idle. The log view is counted while
following orders-api prod at the sandbox's own rate and at 50 lines/s, next to the bytes of the lines'
text that arrived meanwhile (what a perfect terminal protocol would have to send).

Bytes, unlike times, do not depend on how busy the machine is, so the consoles of one size run side by
side. `--quick` counts over 15 s instead of a minute (the targets are per minute; use it while working).
"""

from __future__ import annotations

import dataclasses
import os
import sys
import time

from benchmarks.common import Figure, isolate_aws
from benchmarks.common import _quit, _read  # noqa: PLC2701 — the pty helpers every launch shares

OPTIONS = ("--quick",)
SIZES = ((80, 24), (120, 40))
IDLE_TARGET = 200.0  # bytes a second, averaged over the window
FOLLOW_RATIO = 3.0  # bytes written per byte of new lines' text, at the sandbox's rate
FAST_RATE = 50  # lines a second
FAST_TARGET = 60_000.0  # bytes a second at FAST_RATE
SETTLE = 8.0  # seconds from opening a screen to counting (its reads arrive and paint)
SCREENS = {  # name → (command typed after ':', bytes that show it has data)
    "API list": ("", b"orders-api"),
    "stage": ("stage orders-api prod", b"Throttl"),
    "pulse": ("pulse", b"orders-api"),
    "metrics": ("metrics orders-api prod", b"integ p99"),
    "plans": ("plans", b"partner-gold"),
    "keys": ("keys", b"mobile"),
    "audit": ("audit", b"audit"),
}
STAGE = ("orders-api", "prod")


def run(*options: str) -> list[Figure]:
    from console.sandbox.server import reseed, start

    window = 15.0 if "--quick" in options else 60.0
    isolate_aws()
    sandbox = start(seeded=False)
    figures: list[Figure] = []
    try:
        reseed(sandbox.url)
        for columns, lines in SIZES:
            figures += _said(_idle(sandbox.url, columns, lines, window))
        sandbox.start_traffic()
        for columns, lines in SIZES:
            figures += _said([_following(sandbox.url, columns, lines, window, None)])
        sandbox.traffic.stop()
        sandbox.traffic = None
        for columns, lines in SIZES:
            figures += _said([_following(sandbox.url, columns, lines, window, FAST_RATE)])
    finally:
        sandbox.stop(flush=False)
    return figures


def _said(figures: list[Figure]) -> list[Figure]:
    """Figures as they are measured, on stderr: a run of minutes shows its progress."""
    for figure in figures:
        print(f"  {figure.name}: {figure.value:g} {figure.unit} ({figure.note})", file=sys.stderr, flush=True)
    return figures


class Console:
    """One console process in a pty of its own; `pump()` reads what it wrote, with the time of each chunk."""

    def __init__(self, url: str, columns: int, lines: int, extra: tuple[str, ...] = ()):
        import fcntl
        import struct
        import subprocess
        import termios

        self.master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", lines, columns, 0, 0))
        env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES", "SSH_CONNECTION")}
        env["TERM"] = "xterm-256color"
        self.process = subprocess.Popen([sys.executable, "-m", "console", "--endpoint-url", url, *extra],
                                        stdin=slave, stdout=slave, stderr=slave, env=env, start_new_session=True)
        os.close(slave)
        self.output = bytearray()
        self.typed_at = 0  # where the output stood when the last keys were sent
        self.chunks: list[tuple[float, int]] = []  # (monotonic time, bytes)

    def pump(self, wait: float = 0.02) -> None:
        chunk = _read(self.master, wait)
        if chunk:
            self.output += chunk
            self.chunks.append((time.monotonic(), len(chunk)))

    def type(self, text: str) -> None:
        self.typed_at = len(self.output)
        os.write(self.master, text.encode())

    def shows(self, marker: bytes) -> bool:
        return marker in self.output[self.typed_at:]

    def bytes_between(self, start: float, end: float) -> int:
        return sum(n for at, n in self.chunks if start <= at < end)

    def quit(self) -> None:
        _quit(self.process, self.master)


def _pump_all(consoles: list[Console], seconds: float) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        for console in consoles:
            console.pump(0.01)


def _wait_for(consoles: dict[str, Console], marker: dict[str, bytes], timeout: float = 120.0) -> None:
    """Until each console has written its marker since the last command it was sent."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        _pump_all(list(consoles.values()), 0.1)
        if all(console.shows(marker[name]) for name, console in consoles.items()):
            return
    missing = [name for name, console in consoles.items() if not console.shows(marker[name])]
    raise RuntimeError(f"never saw {missing}")


def _open(url: str, columns: int, lines: int, screens: dict[str, tuple[str, bytes]]) -> dict[str, Console]:
    """One console per screen, each on the API list first, then sent to its screen by the command line."""
    consoles = {name: Console(url, columns, lines) for name in screens}
    _wait_for(consoles, {name: b"orders-api" for name in screens})
    _pump_all(list(consoles.values()), 1.0)
    for name, (command, _) in screens.items():
        if command:
            consoles[name].type(f":{command}\r")
    _wait_for(consoles, {name: marker for name, (_, marker) in screens.items()})
    return consoles


def _idle(url: str, columns: int, lines: int, window: float) -> list[Figure]:
    consoles = _open(url, columns, lines, SCREENS)
    try:
        _pump_all(list(consoles.values()), SETTLE)
        start = time.monotonic()
        _pump_all(list(consoles.values()), window)
        end = time.monotonic()
    finally:
        for console in consoles.values():
            console.quit()
    return [Figure(f"idle {name}, {columns}x{lines}", round(console.bytes_between(start, end) / (end - start)),
                   "B/s", IDLE_TARGET, f"over {end - start:.0f} s, after {SETTLE:.0f} s to settle")
            for name, console in consoles.items()]


def _following(url: str, columns: int, lines: int, window: float, rate: int | None) -> Figure:
    """The log view of orders-api prod, following, while lines arrive (the sandbox's traffic, or `rate`
    lines a second written to the stage's log group here)."""
    command = f"logs {' '.join(STAGE)}"
    consoles = _open(url, columns, lines, {"logs": (command, b" lines")})
    console = consoles["logs"]
    writer = _Writer(url, rate) if rate else None
    try:
        _pump_all([console], SETTLE)
        counter = _LogCounter(url)
        start = time.monotonic()
        if writer:
            writer.run_for(window, lambda: console.pump(0.005))
        else:
            _pump_all([console], window)
        end = time.monotonic()
        text_bytes, count = counter.since_start()
    finally:
        console.quit()
    written = console.bytes_between(start, end) / (end - start)
    text = text_bytes / (end - start)
    per_second = count / (end - start)
    if rate is None:
        return Figure(f"following at the sandbox's rate, {columns}x{lines}", round(written / max(text, 1), 2), "×",
                      FOLLOW_RATIO, f"{written:,.0f} B/s written for {text:,.0f} B/s of new lines' text "
                      f"({per_second:.1f} lines/s) over {end - start:.0f} s")
    return Figure(f"following at {rate} lines/s, {columns}x{lines}", round(written), "B/s", FAST_TARGET,
                  f"{written / max(text, 1):.2f}× the {text:,.0f} B/s of new lines' text "
                  f"({per_second:.1f} lines/s) over {end - start:.0f} s")


def _log_group(url: str) -> tuple[str, str]:
    """The stage's access log group and its line format."""
    from console.aws.session import Target
    from console.config import Settings
    from console.connect import Connector
    from console.logs.sources import stage_sources

    engine = Connector(Settings()).open(Target(endpoint_url=url))
    gateway = engine.gateway
    sources = stage_sources(engine.connection, gateway.stage(gateway.find_api(STAGE[0]), STAGE[1]))
    return sources.access.name, sources.format


def _logs_client(url: str):
    import boto3

    from console.sandbox import ACCESS_KEY_ID, REGION, SECRET_ACCESS_KEY

    return boto3.client("logs", endpoint_url=url, region_name=REGION, aws_access_key_id=ACCESS_KEY_ID,
                        aws_secret_access_key=SECRET_ACCESS_KEY)


class _LogCounter:
    """The lines that reach the stage's access log group from now on, and the bytes of their text."""

    def __init__(self, url: str):
        self.client = _logs_client(url)
        self.group, _ = _log_group(url)
        self.started_ms = int(time.time() * 1000)

    def since_start(self) -> tuple[int, int]:
        time.sleep(1.5)  # the traffic runner's last step lands
        total = count = 0
        for page in self.client.get_paginator("filter_log_events").paginate(logGroupName=self.group,
                                                                             startTime=self.started_ms):
            for event in page["events"]:
                total += len(event["message"].encode())
                count += 1
        return total, count


@dataclasses.dataclass
class _Writer:
    """`rate` access-log lines a second into the stage's log group, in the stage's own format."""

    url: str
    rate: int

    def run_for(self, seconds: float, meanwhile) -> None:
        from benchmarks.log_lines import lines

        client = _logs_client(self.url)
        group, log_format = _log_group(self.url)
        stream = f"wire-benchmark-{time.time_ns()}"
        client.create_log_stream(logGroupName=group, logStreamName=stream)
        started = time.monotonic()
        sent = 0
        while (elapsed := time.monotonic() - started) < seconds:
            due = int(elapsed * self.rate) - sent
            if due > 0:
                now = int(time.time() * 1000)
                batch = [{"timestamp": now, "message": message}
                         for _, message in lines(log_format, due, now, 1.0, seed=sent)]
                client.put_log_events(logGroupName=group, logStreamName=stream, logEvents=batch)
                sent += due
            end = time.monotonic() + 0.1
            while time.monotonic() < end:
                meanwhile()
