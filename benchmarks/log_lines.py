"""Access-log lines at incident rates: parse + aggregate, the whole tail-to-view path, and its memory.

Lines are rendered from the sandbox's own formats (REST detailed JSON, HTTP JSON, CLF) with the
variety of real traffic. The whole path is the real one: a Tail reading a LiveTail stream (a
synthetic client, as fast as it can go), draining into the view's LogBuffer and Rollup.
"""

from __future__ import annotations

import itertools
import random
import time
from types import SimpleNamespace

from benchmarks.common import Figure

PARSE_LINES = 200_000
PARSE_TARGET_US = 20.0  # µs a line: 50,000 lines/s
MEMORY_LINES = 1_000_000
MEMORY_TARGET_MB = 30.0  # growth allowed from 250,000 to 1,000,000 lines
CLF = ('$context.identity.sourceIp $context.identity.caller $context.identity.user [$context.requestTime] '
       '"$context.httpMethod $context.resourcePath $context.protocol" $context.status $context.responseLength '
       '$context.requestId $context.responseLatency')
ROUTES = ("/orders", "/orders/{orderId}", "/orders/{orderId}/items", "/refunds", "/payments/{paymentId}/capture")
STATUSES = ("200", "200", "200", "201", "204", "404", "409", "429", "500", "502", "504")


def lines(log_format: str, count: int, start_ms: int, step_ms: float, seed: int = 7) -> list[tuple[int, str]]:
    """(timestamp ms, line) pairs in `log_format`, `step_ms` apart on average."""
    from console.sandbox.history import render

    rng = random.Random(seed)
    months = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
    rendered = []
    at = float(start_ms)
    for _ in range(count):
        at += rng.expovariate(1 / step_ms)
        moment = time.gmtime(at / 1000)
        route = rng.choice(ROUTES)
        context = {
            "requestId": f"{rng.getrandbits(128):032x}", "extendedRequestId": f"{rng.getrandbits(64):016x}",
            "identity.sourceIp": f"203.0.113.{rng.randint(1, 254)}", "identity.userAgent": "okhttp/4.12.0",
            "identity.apiKeyId": rng.choice(("-", "k1a2b3c4d5", "z9y8x7w6v5")),
            "requestTime": time.strftime("%d/", moment) + months[moment.tm_mon - 1] + time.strftime("/%Y:%H:%M:%S +0000",
                                                                                                   moment),
            "requestTimeEpoch": str(int(at)), "httpMethod": rng.choice(("GET", "GET", "POST", "PUT")),
            "resourcePath": route, "routeKey": f"GET {route}", "path": f"/prod{route}", "protocol": "HTTP/1.1",
            "status": rng.choice(STATUSES), "responseLength": str(rng.randint(0, 4000)),
            "responseLatency": str(int(rng.lognormvariate(4, 1))), "integrationLatency": str(rng.randint(1, 900)),
            "integration.latency": str(rng.randint(1, 900)), "integration.status": "200",
            "error.message": rng.choice(("-", "-", "-", "Internal server error")),
            "integrationErrorMessage": "-",
        }
        rendered.append((int(at), render(log_format, context)))
    return rendered


def parse_and_aggregate() -> Figure:
    """What the view does with every line (its Facts into the Rollup), and the whole Entry for comparison."""
    from console.logs.access_log import parser_for
    from console.logs.stats import Rollup
    from console.sandbox.estate import HTTP_API_FORMAT, REST_DETAILED_FORMAT

    per_format = PARSE_LINES // 3
    formats = [(log_format, lines(log_format, per_format, 1_790_000_000_000, 5.0))
               for log_format in (REST_DETAILED_FORMAT, HTTP_API_FORMAT, CLF)]

    def best_of_3(read: str) -> float:
        best = None
        for _ in range(3):
            started = time.perf_counter()
            for log_format, pairs in formats:
                parser, rollup = parser_for(log_format), Rollup()
                parse, add = getattr(parser, read), rollup.add
                for timestamp, message in pairs:
                    add(parse(message), timestamp)
            elapsed = time.perf_counter() - started
            best = elapsed if best is None else min(best, elapsed)
        return best / (per_format * 3) * 1e6

    per_line, whole = best_of_3("facts"), best_of_3("parse")
    return Figure("log lines: parse + aggregate, per line", round(per_line, 2), "µs", PARSE_TARGET_US,
                  f"= {1e6 / per_line:,.0f} lines/s on one core (with every field: {whole:.2f} µs); "
                  "REST JSON, HTTP JSON, CLF; best of 3")


def live_tail_client(pairs: list[tuple[int, str]], per_update: int = 500, pace: float | None = None):
    """A Logs client whose LiveTail session streams `pairs` (a sessionUpdate of `per_update` lines each,
    `pace` seconds apart, or as fast as taken), then keeps the session open; FilterLogEvents finds nothing."""
    group = "arn:aws:logs:us-east-1:123456789012:log-group:/bench"

    class Stream:
        def __init__(self):
            self.closed = False

        def __iter__(self):
            yield {"sessionStart": {}}
            started = time.perf_counter()
            for index, start in enumerate(range(0, len(pairs), per_update)):
                if self.closed:
                    return
                if pace:
                    time.sleep(max(0.0, started + index * pace - time.perf_counter()))
                yield {"sessionUpdate": {"sessionMetadata": {"sampled": False}, "sessionResults": [
                    {"logStreamName": "s", "logGroupIdentifier": group, "timestamp": ts, "ingestionTime": ts,
                     "message": message} for ts, message in pairs[start:start + per_update]]}}
            while not self.closed:
                time.sleep(0.05)

        def close(self):
            self.closed = True

    return SimpleNamespace(
        meta=SimpleNamespace(events=SimpleNamespace(register=lambda *a, **k: None)),
        start_live_tail=lambda **_: {"responseStream": Stream()},
        filter_log_events=lambda **_: {"events": []},
    )


def tail_into_view(pairs, log_format: str, samples: tuple[int, ...] = ()) -> tuple[float, dict[int, float]]:
    """Run the pairs through Tail -> LogBuffer + Rollup as the view does; (seconds, RSS MB at sample counts)."""
    from console.aws.budget import TokenBucket
    from console.logs.access_log import parser_for
    from console.logs.buffer import LogBuffer
    from console.logs.sources import LogGroup
    from console.logs.stats import Rollup
    from console.logs.tail import Tail

    client = live_tail_client(pairs)
    group = LogGroup("/bench", "arn:aws:logs:us-east-1:123456789012:log-group:/bench")
    buffer, rollup = LogBuffer(), Rollup()
    rss: dict[int, float] = {}
    pending = list(samples)
    started = time.perf_counter()
    tail = Tail(client, [group], parser_for(log_format), budget=TokenBucket(5, 5), settle=0.0).start()
    taken = 0
    try:
        while taken < len(pairs):
            batch = tail.drain(5_000)
            if not batch.lines:
                time.sleep(0.001)
                continue
            rollup.add_lines(batch.lines)
            buffer.add(batch.lines)
            taken += len(batch.lines)
            while pending and taken >= pending[0]:
                rss[pending.pop(0)] = _rss_mb()
    finally:
        tail.stop()
    return time.perf_counter() - started, rss


def _rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        pages = int(statm.read().split()[1])
    import os

    return pages * os.sysconf("SC_PAGE_SIZE") / 1e6


def whole_path_and_memory() -> list[Figure]:
    from console.sandbox.estate import REST_DETAILED_FORMAT

    generated = iter(())
    chunks = []
    start_ms = 1_790_000_000_000
    # 1,000,000 lines at 1,000 a second of log time: the tail's memory of recent keys is exercised too.
    for chunk in range(10):
        chunks.append(lines(REST_DETAILED_FORMAT, MEMORY_LINES // 10, start_ms + chunk * 100_000_000 // 1000,
                            1.0, seed=chunk))
    generated = list(itertools.chain.from_iterable(chunks))
    del chunks
    elapsed, rss = tail_into_view(generated, REST_DETAILED_FORMAT, samples=(250_000, 500_000, 1_000_000))
    growth = rss[1_000_000] - rss[250_000]
    return [
        Figure("log lines: LiveTail → view (whole path)", round(len(generated) / elapsed), "lines/s",
               note="Tail intake, dedupe, parse, settle, drain, LogBuffer, Rollup; info only"),
        Figure("log view memory growth 250k → 1M lines", round(growth, 1), "MB", MEMORY_TARGET_MB,
               f"RSS {rss[250_000]:.0f} → {rss[500_000]:.0f} → {rss[1_000_000]:.0f} MB; buffer keeps 20,000 lines"),
    ]


def run() -> list[Figure]:
    return [parse_and_aggregate(), *whole_path_and_memory()]
