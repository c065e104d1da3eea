"""Key press to screen update in the log view while it ingests 50,000 lines a second (headless, 80x24).

The console runs as in use — ConsoleApp on a seeded sandbox, the log view of orders-api prod — but
its tail reads a synthetic LiveTail stream paced at 50,000 lines/s (a real session caps at 500/s
and samples; this is the stress case). Keys are sent as the terminal driver sends them; the time
is from sending the key to the view laying out the rows that show its effect (the frame it paints).
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import statistics
import time

from benchmarks.common import COLUMNS, LINES, Figure

RATE = 50_000  # lines a second
PRESSES = 200
TARGET_MS = 100.0
BEHIND_TARGET_S = 0.25  # how much further behind the stream the view may fall while measured (a 0.2 s drain tick)
# Each changes what is shown whatever the stream does meanwhile: timestamps, raw lines, wrap, the status filter.
KEYS = ("t", "o", "w", "s", "t", "o", "w", "s", "s", "s", "s")


def run() -> list[Figure]:
    return asyncio.run(_measure())


async def _measure() -> list[Figure]:
    from console.sandbox.server import reseed, start

    sandbox = start(seeded=False)
    try:
        reseed(sandbox.url)
        return await _in_app(sandbox.url)
    finally:
        sandbox.stop()


async def _in_app(url: str) -> list[Figure]:
    from textual import events

    from benchmarks.log_lines import lines, live_tail_client
    from console.aws.budget import TokenBucket
    from console.aws.session import Target
    from console.logs.access_log import parser_for
    from console.logs.tail import Tail
    from console.sandbox.estate import REST_DETAILED_FORMAT
    from screens.app import ConsoleApp
    from screens.logs import LogLines, LogScreen

    seconds = 40
    start_ms = int(time.time() * 1000)
    pool = [message for _, message in lines(REST_DETAILED_FORMAT, 50_000, start_ms, 1.0)]
    # 40 s of lines at the rate: 50,000 distinct lines, each sent again at a later time (a new line).
    stream = [(start_ms + i * 1000 // RATE, pool[i % len(pool)]) for i in range(RATE * seconds)]
    gc.freeze()  # the benchmark's own two million lines are not the app's: keep them out of its collections

    class Flooded(LogScreen):
        def open_tail(self, group) -> Tail:
            client = live_tail_client(stream, per_update=500, pace=500 / RATE)
            return Tail(client, [group], parser_for(REST_DETAILED_FORMAT), budget=TokenBucket(5, 5)).start()

    app = ConsoleApp(Target(endpoint_url=url))
    latencies: list[float] = []
    async with app.run_test(size=(COLUMNS, LINES)):
        while app.engine is None:
            await asyncio.sleep(0.05)
        api = app.gateway.find_api("orders-api")
        screen = Flooded(api, "prod")
        await app.push_screen(screen)
        while screen.tail is None or len(screen.buffer.all) < 20_000:
            await asyncio.sleep(0.05)
        view = screen.query_one(LogLines)
        frames: list[tuple[float, tuple]] = []

        def state() -> tuple:
            return view.timestamps, view.raw, view.wrap, screen.buffer.filter.statuses

        layout = view._layout
        painted = asyncio.Event()

        def timed():
            rows = layout()
            frames.append((time.perf_counter(), state()))
            painted.set()
            return rows

        view._layout = timed

        def behind() -> float:
            """Seconds between now and the newest line in the view, less a constant (the stream's start):
            it stays level while the view keeps up with the stream and grows while it falls behind."""
            newest = next(line.timestamp for line in reversed(screen.buffer.all) if line.facts is not None)
            return time.time() - newest / 1000

        lags: list[float] = []
        taken_before, started = screen.rollup.lines, time.perf_counter()
        for index in range(PRESSES):
            key = KEYS[index % len(KEYS)]
            before = state()
            seen = len(frames)
            event = events.Key(key, None)
            event.set_sender(app)
            painted.clear()
            sent = time.perf_counter()
            app._driver.send_message(event)
            while True:
                done = next((at for at, state in frames[seen:] if state != before), None)
                if done is not None or time.perf_counter() - sent > 2.0:
                    break
                with contextlib.suppress(TimeoutError):  # woken by each frame laid out, not by polling
                    await asyncio.wait_for(painted.wait(), 0.1)
                painted.clear()
            latencies.append(((done or time.perf_counter()) - sent) * 1000)
            lags.append(behind())
            await asyncio.sleep(0.02)  # a fast typist: 50 keys a second at most
        taken = (screen.rollup.lines - taken_before) / (time.perf_counter() - started)
        backlog = screen.tail.pending
    latencies.sort()
    p99 = latencies[int(len(latencies) * 0.99) - 1]
    # The lag sampled after each key moves with the 0.2 s drain tick: compare the first and last tenths.
    tenth = PRESSES // 10
    fell_behind = statistics.median(lags[-tenth:]) - statistics.median(lags[:tenth])
    return [Figure("log view: key → screen update, p99", round(p99, 1), "ms", TARGET_MS,
                   f"median {statistics.median(latencies):.1f} ms, max {latencies[-1]:.1f} ms over {PRESSES} keys; "
                   f"headless 80x24"),
            Figure("log view: fell behind the stream meanwhile", round(max(0.0, fell_behind), 2), "s",
                   BEHIND_TARGET_S, f"took {taken:,.0f} lines/s into the view (offered {RATE:,}); "
                   f"{backlog:,} held at the end (a second's worth settles)")]
