"""`:` — a vim-style command line for jumping anywhere by name."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from textual import on
from textual.app import ComposeResult
from textual.screen import ModalScreen
from textual.suggester import SuggestFromList
from textual.widgets import Input

from screens.keys import bindings
from screens.views import BY_NAME, VIEWS

# Commands that are not views; the views come from screens.views.
OTHER_COMMANDS = {
    "open URL [METHOD]": "the stage, and the method or route, serving a URL, e.g. "
                         ":open https://api.shop.example.com/orders/123",
    "region NAME": "switch to another region, e.g. :region eu-west-1",
    "help": "every key",
    "q": "quit",
}
_OTHER_VERBS = {"open": "open", "region": "region", "help": "help", "q": "quit", "quit": "quit", "exit": "quit"}
_REGION = re.compile(r"^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d{1,2}$")


def commands() -> dict[str, str]:
    """Every command the line takes, with what it does (for `?` and the errors)."""
    return {**{v.command + (f"  (:{v.alias})" if v.alias else ""): v.help for v in VIEWS}, **OTHER_COMMANDS}


def _known() -> str:
    return ", ".join(f":{c}" for c in commands())


@dataclass(frozen=True)
class Command:
    verb: str
    argument: str = ""


def parse(text: str) -> Command:
    """Parse what was typed after ':'; a ValueError says what is wrong and what would work."""
    words = text.strip().removeprefix(":").split()
    if not words:
        raise ValueError(f"Type a command: {_known()}")
    verb = words[0].lower()
    verb = BY_NAME[verb].name if verb in BY_NAME else _OTHER_VERBS.get(verb)
    if verb is None:
        raise ValueError(f"Unknown command :{words[0]} — try {_known()}")
    if verb == "region":
        if len(words) != 2 or not _REGION.match(words[1]):
            raise ValueError("Usage: :region NAME, where NAME is a region code such as eu-west-1")
        return Command(verb, words[1])
    if verb == "open":
        if len(words) not in (2, 3):
            raise ValueError("Usage: :open URL [METHOD], e.g. :open https://api.shop.example.com/orders/123 GET")
        return Command(verb, " ".join(words[1:]))  # the URL as typed: its path is case-sensitive
    view = BY_NAME.get(verb)
    if view is not None and view.stage_view:
        canary = "[canary]" in view.usage and len(words) == 4 and words[3].lower() == "canary"
        if len(words) != 3 and not canary:
            raise ValueError(f"Usage: :{view.command}, e.g. :{view.example}")
        return Command(verb, " ".join(words[1:]))
    if view is not None and view.usage.startswith("[") and len(words) == 2:
        return Command(verb, words[1])  # an optional argument: :ctx NAME
    if len(words) > 1:
        raise ValueError(f":{words[0]} takes no argument" if view is None or not view.usage else
                         f"Usage: :{view.command}, e.g. :{view.example}")
    return Command(verb)


class CommandLine(ModalScreen[Command | None]):
    """One line at the bottom; enter runs, escape leaves. A mistake keeps the text for fixing."""

    BINDINGS = bindings("command")

    def __init__(self, text: str = "", completions: Sequence[str] = ()) -> None:
        """`completions`: whole commands to offer as the operator types (→ takes one), e.g.
        "stage orders-api prod" for every stage already read."""
        super().__init__()
        self.text = text
        self.completions = [*(v.command for v in VIEWS), *OTHER_COMMANDS, *completions]

    def compose(self) -> ComposeResult:
        shown = " · ".join([*(v.command for v in VIEWS), *OTHER_COMMANDS, "→ completes"])
        yield Input(value=self.text, placeholder=shown, id="command",
                    suggester=SuggestFromList(self.completions, case_sensitive=False))

    def on_mount(self) -> None:
        self.query_one(Input).focus()
        self.call_after_refresh(self.app.release_keys)  # the keys typed while it opened

    @on(Input.Submitted)
    def _run(self, event: Input.Submitted) -> None:
        try:
            command = parse(event.value)
        except ValueError as problem:
            self.notify(str(problem), severity="warning")
            return
        self.dismiss(command)

    def action_dismiss_line(self) -> None:
        self.dismiss(None)
