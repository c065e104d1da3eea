"""Bytes on the wire: the console in a real pty writes little while nothing changes, and what it writes
compactly (styles, scrolls) leaves the terminal showing what Textual drew.

Bytes, unlike times, are stable on a busy machine, so the idle figure is held to its target here
(benchmarks/wire.py measures every screen, both sizes, over a minute).
"""

from __future__ import annotations

import fcntl
import os
import re
import select
import struct
import subprocess
import sys
import termios
import time

import pytest

from screens.wire import compact, scroll_up

IDLE_TARGET = 200  # bytes a second, the target for a screen whose data does not change
QUIT = b"\x11"


class Terminal:
    """Just enough of a VT100 to replay what the console writes: cursor moves, text, scroll margins and
    scrolls. Styles are ignored (what a cell says is what is compared)."""

    _CSI = re.compile(r"\x1b\[([?0-9;$]*)([A-Za-z@])|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[=>78]")

    def __init__(self, columns: int, lines: int):
        self.columns, self.lines = columns, lines
        self.cells = [[" "] * columns for _ in range(lines)]
        self.x = self.y = 0
        self.top, self.bottom = 0, lines - 1

    def feed(self, data: str) -> None:
        position = 0
        for match in self._CSI.finditer(data):
            self._text(data[position:match.start()])
            position = match.end()
            if match.group(2):
                self._control(match.group(1), match.group(2))
        self._text(data[position:])

    def _text(self, text: str) -> None:
        for char in text:
            if char == "\r":
                self.x = 0
            elif char == "\n":
                self.y = min(self.lines - 1, self.y + 1)
            elif char >= " ":
                if self.x < self.columns:
                    self.cells[self.y][self.x] = char
                self.x += 1

    def _control(self, params: str, final: str) -> None:
        if params.startswith("?") or "$" in params:
            return
        numbers = [int(p) if p else 0 for p in params.split(";")] if params else []
        if final == "H":
            row, column = (numbers + [1, 1])[:2]
            self.y, self.x = max(1, row) - 1, max(1, column) - 1
        elif final == "r":
            self.top, self.bottom = ((numbers[0] - 1, numbers[1] - 1) if len(numbers) == 2
                                     else (0, self.lines - 1))
            self.x = self.y = 0
        elif final == "S":
            for _ in range(numbers[0] if numbers else 1):
                del self.cells[self.top]
                self.cells.insert(self.bottom, [" "] * self.columns)

    def row(self, y: int) -> str:
        return "".join(self.cells[y]).rstrip()


def test_compact_styles_drop_only_resets_that_change_nothing():
    blank = "\x1b[38;5;253;48;5;16m \x1b[0m"
    assert compact(f"\x1b[1;1H{blank * 3}\x1b[1mX\x1b[0m") == "\x1b[1;1H\x1b[38;5;253;48;5;16m   \x1b[0m\x1b[1mX\x1b[0m"
    # Two styles in force: the reset before the second alone again is needed.
    assert compact("\x1b[1m\x1b[2ma\x1b[0m\x1b[2mb\x1b[0m") == "\x1b[1m\x1b[2ma\x1b[0m\x1b[2mb\x1b[0m"
    # Colours only, then both colours again: no reset needed; bold in force: it is.
    assert compact("\x1b[38;5;1;48;5;2ma\x1b[0m\x1b[38;5;3;48;5;4mb") == "\x1b[38;5;1;48;5;2ma\x1b[38;5;3;48;5;4mb"
    assert compact("\x1b[1;38;5;1;48;5;2ma\x1b[0m\x1b[38;5;3;48;5;4mb") == \
        "\x1b[1;38;5;1;48;5;2ma\x1b[0m\x1b[38;5;3;48;5;4mb"
    assert compact("\x1b[38;5;1ma\x1b[0m\x1b[48;5;4mb") == "\x1b[38;5;1ma\x1b[0m\x1b[48;5;4mb"
    # A cursor move between runs writes the reset first: nothing is written in the wrong style.
    assert compact(f"{blank}\x1b[2;1H{blank}") == f"{blank}\x1b[2;1H{blank}"


def test_a_terminal_scroll_moves_the_band_and_nothing_else():
    terminal = Terminal(10, 5)
    terminal.feed("".join(f"\x1b[{y + 1};1Hrow {y}" for y in range(5)))
    terminal.feed(scroll_up(1, 3, 1) + "\x1b[4;1Hnew")
    assert [terminal.row(y) for y in range(5)] == ["row 0", "row 2", "row 3", "new", "row 4"]


class Pty:
    """The console as a user starts it, in a pty of `columns` x `lines`."""

    def __init__(self, url: str, columns: int, lines: int):
        self.master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", lines, columns, 0, 0))
        env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES", "SSH_CONNECTION")}
        env["TERM"] = "xterm-256color"
        self.process = subprocess.Popen([sys.executable, "-m", "console", "--endpoint-url", url],
                                        stdin=slave, stdout=slave, stderr=slave, env=env, start_new_session=True)
        os.close(slave)
        self.output = bytearray()

    def read(self, seconds: float) -> bytes:
        """What the console wrote over `seconds`."""
        got = bytearray()
        end = time.monotonic() + seconds
        while (left := end - time.monotonic()) > 0:
            if select.select([self.master], [], [], min(left, 0.05))[0]:
                try:
                    got += os.read(self.master, 65536)
                except OSError:
                    break
        self.output += got
        return bytes(got)

    def wait_for(self, marker: bytes, timeout: float = 15.0) -> None:
        start = len(self.output)
        end = time.monotonic() + timeout
        while marker not in self.output[start:] and time.monotonic() < end:
            self.read(0.1)
        assert marker in self.output[start:], f"never saw {marker!r}: {bytes(self.output[-400:])!r}"

    def type(self, text: str) -> None:
        os.write(self.master, text.encode())

    def close(self) -> None:
        try:
            os.write(self.master, QUIT)
            end = time.monotonic() + 5
            while self.process.poll() is None and time.monotonic() < end:
                self.read(0.05)
        finally:
            if self.process.poll() is None:
                self.process.kill()
            self.process.wait()
            os.close(self.master)


@pytest.fixture
def console_in_pty(sandbox):
    started: list[Pty] = []

    def start(columns: int = 80, lines: int = 24) -> Pty:
        started.append(Pty(sandbox.url, columns, lines))
        return started[-1]

    yield start
    for pty in started:
        pty.close()


@pytest.mark.timeout(60)
def test_the_console_leaves_when_its_terminal_goes_away(sandbox):
    """A closed SSH session or tmux pane whose hang-up never reaches the console (here: the pty is not its
    controlling terminal) must not leave it running, its input spinning on the dead terminal's end of file."""
    pty = Pty(sandbox.url, 80, 24)
    try:
        pty.wait_for(b"orders-api")
        os.close(pty.master)
        assert pty.process.wait(timeout=15) == 129  # 128 + SIGHUP, as a shell reports a hung-up job
    finally:
        if pty.process.poll() is None:
            pty.process.kill()
            pty.process.wait()


@pytest.mark.timeout(60)
def test_an_idle_api_list_writes_at_most_its_age_label(console_in_pty):
    """Nothing changes on the API list: over 4 s the console writes less than 200 bytes a second (before,
    the status line's one-second tick repainted the whole terminal: ~3 KB/s at 120x40, 2 KB/s here)."""
    pty = console_in_pty(80, 24)
    pty.wait_for(b"orders-api")
    pty.read(1.5)  # the first reads land and paint
    seconds = 4.0
    written = len(pty.read(seconds))
    assert written / seconds <= IDLE_TARGET, f"{written / seconds:.0f} B/s written while idle"


@pytest.mark.timeout(60)
def test_an_idle_screen_over_another_writes_nothing_for_the_one_beneath(console_in_pty):
    """The audit journal over the API list: the list's own ticks must not repaint the terminal."""
    pty = console_in_pty(80, 24)
    pty.wait_for(b"orders-api")
    pty.type(":audit\r")
    pty.wait_for(b"Outcome")
    pty.read(1.5)
    seconds = 3.0
    written = len(pty.read(seconds))
    assert written / seconds <= IDLE_TARGET, f"{written / seconds:.0f} B/s written while idle"


@pytest.mark.timeout(90)
def test_following_a_log_scrolls_the_terminal_and_it_shows_what_textual_drew(console_in_pty, aws):
    """Lines arrive while the log view follows: the rows the terminal ends up showing (replayed from the
    bytes, scrolls and all) are the rows Textual draws afresh once the view is paused."""
    columns, lines = 80, 24
    pty = console_in_pty(columns, lines)
    pty.wait_for(b"orders-api")
    pty.type(":logs orders-api prod\r")
    pty.wait_for(b" lines")
    pty.read(1.0)
    logs = aws("logs")
    group = next(g["logGroupName"] for g in logs.describe_log_groups()["logGroups"]
                 if "orders-api" in g["logGroupName"] and "prod" in g["logGroupName"] and "canary" not in
                 g["logGroupName"].lower())
    stream = f"wire-{time.time_ns()}"
    logs.create_log_stream(logGroupName=group, logStreamName=stream)
    now = int(time.time() * 1000)  # a screenful first: then every line that comes must scroll the view
    logs.put_log_events(logGroupName=group, logStreamName=stream,
                        logEvents=[{"timestamp": now + i, "message": _line(now + i, 100 + i)} for i in range(lines)])
    pty.wait_for(b"wire-test/1%02d" % (lines - 1))
    pty.read(1.0)
    before = len(pty.output)
    for n in range(10):  # a line every half second: each read brings fewer lines than the view's rows
        now = int(time.time() * 1000)
        logs.put_log_events(logGroupName=group, logStreamName=stream,
                            logEvents=[{"timestamp": now, "message": _line(now, n)}])
        pty.read(0.5)
    pty.read(1.5)
    following = pty.output[before:]
    assert b"S\x1b[r" in following  # the terminal scrolled: the new lines came as rows, not as a repaint
    terminal = Terminal(columns, lines)
    terminal.feed(pty.output.decode(errors="replace"))
    seen = [terminal.row(y) for y in range(lines)]
    mark = len(pty.output)
    pty.type("p")  # pause: the view is drawn afresh, all its rows
    pty.read(1.0)
    terminal.feed(pty.output[mark:].decode(errors="replace"))
    drawn = [terminal.row(y) for y in range(lines)]
    rows = [y for y in range(lines) if "wire-test" in drawn[y]]
    assert rows, "the new lines are on screen"
    assert [seen[y] for y in rows] == [drawn[y] for y in rows]


def _line(at_ms: int, n: int) -> str:
    """An access-log line orders-api prod's parser reads (its JSON format); the route names the test."""
    import json

    return json.dumps({"requestId": f"wire-test-{n:04d}", "ip": "10.0.0.1", "httpMethod": "GET",
                       "resourcePath": f"/wire-test/{n}", "status": "200", "responseLatency": "12",
                       "requestTime": str(at_ms)})


@pytest.mark.parametrize("slow_link", [True, False])
async def test_question_mark_says_whether_the_slow_link_mode_is_on(sandbox, slow_link):
    """Over a slow link: no animations, no spinner (a still word instead), and `?` says so and how to
    turn it off; otherwise `?` says how to turn it on."""
    from console.aws.session import Target
    from screens.app import ConsoleApp
    from screens.help import HelpScreen
    from screen_helpers import screen_text

    app = ConsoleApp(Target(endpoint_url=sandbox.url), slow_link=slow_link)
    async with app.run_test(size=(100, 40)) as pilot:
        assert (app.animation_level == "none") is slow_link
        assert (type(app.get_loading_widget()).__name__ == "LoadingIndicator") is not slow_link
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        text = " ".join(screen_text(app).split())
        assert ("Slow link on" in text and "--no-slow-link turns it off" in text) is slow_link
        assert ("Slow link off (--slow-link turns it on" in text) is not slow_link
