"""The screen every view builds on: shared bars, a worker helper, and the age of what is shown."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, Callable, TypeVar

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer

from console.render.describe import age
from screens.filtering import ListFilter
from screens.widgets import ConnectionBar, StatusLine
from screens.workers import in_thread, notify_problem

if TYPE_CHECKING:
    from console.aws.errors import Problem
    from console.read.gateway import Gateway

T = TypeVar("T")


def coarse_age(then: datetime) -> str:
    """An age that changes every 10 s at most ("fetched 40 s ago", then minutes): the status line is
    written only when its text changes, and over SSH every rewrite is bytes on the link."""
    seconds = (datetime.now(then.tzinfo) - then).total_seconds()
    if seconds < 10:
        return "just now"
    if seconds < 60:
        return f"{int(seconds) // 10 * 10} s ago"
    return age(then)


class ConsoleScreen(Screen):
    """Subclasses compose `body()` and load through `fetch`, which never blocks the UI."""

    def __init__(self) -> None:
        super().__init__()
        self.fetched_at: datetime | None = None
        self.summary = ""
        self.problem: str | None = None
        self.loading_what: str | None = None
        self._read_generation: int | None = None  # the gateway's generation when this view last read

    def compose(self) -> ComposeResult:
        yield ConnectionBar(id="connection")
        yield from self.body()
        yield StatusLine(id="status")
        yield Footer()

    def body(self) -> ComposeResult:
        raise NotImplementedError

    def on_mount(self) -> None:
        self.set_interval(1.0, self.show_status)  # writes only when the age's text changes
        if self.app.gateway is not None:
            self.load()
        self._arm_refresh()

    def _arm_refresh(self) -> None:
        """Re-fetch every `refresh_seconds` (config); each refresh re-arms the next, so none overlap."""
        seconds = self.app.settings.refresh_seconds
        if seconds:
            self.set_timer(seconds, self._auto_refresh)

    def _auto_refresh(self) -> None:
        if self.is_current and self.app.gateway is not None and self.loading_what is None:
            self.load(refresh=True)
        self._arm_refresh()

    def on_connected(self) -> None:
        """The app connected (or switched place) after this screen was shown."""
        self.load()

    def load(self, refresh: bool = False) -> None:
        """Fetch what this screen shows; `refresh` bypasses the cache."""

    def action_refresh(self) -> None:
        if self.app.gateway is not None:
            self.load(refresh=True)

    def fetch(self, what: Callable[["Gateway"], T], then: Callable[[T], None], *, group: str,
              label: str = "loading") -> None:
        """Run `what(gateway)` in a thread worker; `then(result)` runs on the UI thread.

        Failures become a notification and a status line in plain words; the screen keeps what it
        showed before, so a failed refresh never blanks the view.
        """
        gateway = self.app.gateway
        self.loading_what = label
        self.show_status()
        in_thread(self, lambda: what(gateway), lambda value: self._arrived(then, value), group=group, exclusive=True,
                  failed=self._failed, profile=gateway.connection.target.profile)

    def on_screen_resume(self) -> None:
        """Back on top: if a change was applied since this view read (its cache was dropped), read again.
        A view under another never shows a stage as it was before the operator's own change."""
        gateway = self.app.gateway
        if gateway is not None and self._read_generation is not None and gateway.generation != self._read_generation:
            self.load()

    def _arrived(self, then: Callable[[Any], None], value: Any) -> None:
        gateway = self.app.gateway
        self._read_generation = gateway.generation if gateway is not None else None
        self.loading_what = None
        self.problem = None
        then(value)
        if self.focused is None and self.AUTO_FOCUS:
            # A widget still loading when the screen mounted could not take focus then.
            self.query(self.AUTO_FOCUS).first().focus()
        self.show_status()

    def _failed(self, problem: "Problem") -> None:
        self.loading_what = None
        self.problem = str(problem)
        notify_problem(self.app, problem)
        self.show_status()

    def loaded(self, fetched_at: datetime | None, summary: str) -> None:
        self.fetched_at = fetched_at
        self.summary = summary

    def show_status(self) -> None:
        parts = [self.summary] if self.summary else []
        if self.fetched_at is not None:
            parts.append(f"fetched {coarse_age(self.fetched_at)}")
        if self.loading_what:
            parts.append(f"{self.loading_what}…")
        if self.problem:
            parts.append(f"failed: {self.problem} — r retries")
        parts[:0] = [said for box in self.query(ListFilter) if (said := box.describe())]
        for line in self.query(StatusLine):
            line.show(" · ".join(parts))
