"""From a view of one stage (metrics, logs) to the stage and its fixes in one key.

The stage screen's own actions do the work (`then=` runs one once the stage is on screen, as from
the pulse). When the view was opened from that very stage's screen, the jump goes back down to it
instead of stacking a second copy: escape then leads where the operator came from.
"""

from __future__ import annotations

from textual.screen import Screen

from console.model import Api
from screens.views import view


def open_stage(screen: Screen, api: Api, stage_name: str, then: str | None = None) -> None:
    """Show `api`'s stage `stage_name`, then run its `then` action ("throttle", "canary", "flush", "logs")."""
    stage_screen = view("stage").screen_class()
    stack = screen.app.screen_stack
    below = stack[-2] if len(stack) > 1 and stack[-1] is screen else None
    if isinstance(below, stage_screen) and below.api.id == api.id and below.stage_name == stage_name:
        screen.app.pop_screen()
        if then and below.stage is None:  # still reading: it runs `then` once the stage is shown
            below.then = then
        elif then:
            below.call_after_refresh(getattr(below, f"action_{then}"))
        return
    screen.app.push_screen(stage_screen(api, stage_name, then=then))
