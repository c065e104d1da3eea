"""The pulse ranks by harm, shows counts where shares mean nothing, and never shows a figure it lacks."""

from __future__ import annotations

from datetime import UTC, datetime

from rich.console import Console

from console.read.metrics import StageRef
from console.read.pulse import MIN_SAMPLE, RegionPulse, Span, StagePulse
from console.render.pulse import cells, pulse_table

WINDOW = Span(datetime(2026, 12, 4, 3, 10, tzinfo=UTC), datetime(2026, 12, 4, 3, 15, tzinfo=UTC))


def stage(api: str, name: str, requests: float, e4: float = 0, e5: float = 0, throttled: float | None = None,
          per_minute: tuple = (1.0,) * 15) -> StagePulse:
    return StagePulse(StageRef(api, api, name), WINDOW, requests, e4, e5, throttled, 120.0, requests / 5,
                      per_minute, None)


def plain(renderable) -> str:
    console = Console(width=160, color_system=None, record=True)
    with console.capture() as captured:
        console.print(renderable)
    return captured.get()


def test_a_prod_stage_shedding_half_its_load_outranks_a_dev_stage_with_two_failures_in_three():
    shedding = stage("orders-api", "prod", 300 * 300, e4=0.49 * 300 * 300, throttled=0.488 * 300 * 300)
    tiny = stage("orders-api", "dev", 3, e5=2)
    mild = stage("catalog-api", "prod", 60_000, e5=0.03 * 60_000)
    ranked = sorted([tiny, mild, shedding], key=lambda r: r.score, reverse=True)
    assert ranked[0] is shedding and ranked[-1] is tiny
    assert tiny.small_sample and not shedding.small_sample and MIN_SAMPLE == 20


def test_a_tiny_sample_shows_counts_not_percentages_and_an_unread_429_share_is_a_dash():
    row = cells(stage("orders-api", "dev", 3, e5=2))
    assert row[4].plain == "2/3" and row[3].plain == "—"
    big = cells(stage("orders-api", "prod", 1000, e4=100, throttled=50))
    assert (big[2].plain, big[3].plain) == ("10.0", "5.0")


def test_the_table_says_its_window_and_dots_an_unpublished_minute():
    row = stage("orders-api", "prod", 1000, per_minute=(5.0,) * 14 + (None,))
    found = RegionPulse((row,), WINDOW, 1, (), datetime.now(UTC))
    text = plain(pulse_table(found, "us-east-1"))
    assert "03:10–03:15 UTC" in text and "not yet published" in text and "·" in text


def test_json_has_the_documented_fields_in_iso_utc():
    document = stage("orders-api", "prod", 1000, e4=100, e5=10, throttled=50).to_json()
    for field in ("api", "api_id", "stage", "protocol", "window_start", "window_end", "requests", "pct_4xx",
                  "pct_429", "pct_5xx", "p99_ms", "alarm", "score"):
        assert field in document
    assert document["window_start"] == "2026-12-04T03:10:00Z" and document["pct_429"] == 5.0
