"""Rotate an API key: the rotation's steps, which of them ran, and enter to run the next.

Each step is planned, confirmed and applied through `propose` like any change; the last one,
disabling the old key, is its own confirmation. The new key's value (AWS's answer to the first
step) is shown here once and forgotten when this screen closes. Opening it on a key whose rotation
was interrupted or paused picks that rotation up where the journal says it stopped.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

from actions import rotation
from console.model import ApiKey
from console.render.text import assemble
from screens.confirm import propose
from screens.keys import bindings
from screens.workers import in_thread

if TYPE_CHECKING:
    from actions.engine import Applied
    from actions.rotation import Rotation

ROTATION_CSS = "RotationScreen { align: center middle; } #value { height: auto; }"


class RotationScreen(ModalScreen[None]):
    DEFAULT_CSS = ROTATION_CSS
    BINDINGS = bindings("rotation")

    def __init__(self, key: ApiKey) -> None:
        super().__init__()
        self.key = key
        self.rotation: Rotation | None = None
        self.resumed = False
        self.busy = True  # until the rotation is read, and while a step is planned or applied
        self._value: str | None = None

    def compose(self) -> ComposeResult:
        with Vertical(id="form"):
            yield Static(assemble(("Rotate API key  ", "bold"), f"{self.key.name} ({self.key.id})"), id="head")
            yield Static("reading the journal and the key…", id="steps")
            yield Static("", id="value")
            yield Static("[b]enter[/b] run the next step (each is confirmed) · [b]esc[/b] close", id="keys")

    def on_mount(self) -> None:
        engine, key_id = self.app.engine, self.key.id

        def read() -> tuple["Rotation", bool]:
            old = engine.api_key(key_id)
            found = rotation.unfinished(engine, old)
            return (found, True) if found else (rotation.start(engine, old), False)

        in_thread(self, read, lambda found: self.show(*found), group="rotation", title="Rotation")

    def show(self, current: "Rotation", resumed: bool | None = None) -> None:
        self.rotation, self.busy = current, False
        if resumed is not None:
            self.resumed = resumed
        lead = (f"Rotation {current.id} was interrupted or paused; the journal and AWS say:" if self.resumed
                else f"Rotation {current.id}:")
        state = "finished — enter closes" if current.finished else f"next: {current.next.label}"
        self.query_one("#steps", Static).update(Text("\n".join([lead, *current.lines(), state])))

    def action_next(self) -> None:
        current = self.rotation
        if self.busy or current is None:
            return
        step = current.next
        if step is None:
            self.dismiss(None)
            return
        self.busy = True
        propose(self, lambda engine: rotation.step_plan(engine, current, step),
                on_applied=self._ran, on_not_applied=self._not_ran)

    def _not_ran(self) -> None:
        self.busy = False

    def _ran(self, applied: "Applied") -> None:
        if applied.plan.call.operation == "CreateApiKey":
            self._value = applied.answer.get("value")
            self.query_one("#value", Static).update(assemble(
                ("New key's value, shown this once: ", "bold"), (self._value or "—", "bold reverse"),
                ("\nc copies it; it is forgotten when this closes.", "dim")))
        engine, current = self.app.engine, self.rotation
        in_thread(self, lambda: rotation.refresh(engine, current), self.show, group="rotation", title="Rotation")

    def action_copy(self) -> None:
        if self._value:
            self.app.copy_to_clipboard(self._value)
            self.notify("The new key's value is on the clipboard.")
