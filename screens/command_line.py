"""`:` — a vim-style command line for jumping anywhere by name."""

from __future__ import annotations

import re
from dataclasses import dataclass

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import ModalScreen
from textual.widgets import Input

ALIASES = {
    "apis": "the API list",
    "plans": "usage plans",
    "keys": "API keys (values masked)",
    "audit": "the journal of changes; enter undoes one",
    "ctx": "switch profile or region",
    "region NAME": "switch to another region, e.g. :region eu-west-1",
    "pulse": "every stage of the region, worst first (CloudWatch)",
    "logs API STAGE": "tail a stage's access log, e.g. :logs orders-api prod (add canary for its canary)",
    "metrics API STAGE": "a stage's CloudWatch metrics",
    "help": "every key",
    "q": "quit",
}
_VERBS = {"apis": "apis", "plans": "plans", "keys": "keys", "audit": "audit", "ctx": "ctx", "region": "region", "help": "help",
          "pulse": "pulse", "logs": "logs", "metrics": "metrics",
          "q": "quit", "quit": "quit", "exit": "quit"}
_REGION = re.compile(r"^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d{1,2}$")


@dataclass(frozen=True)
class Command:
    verb: str
    argument: str = ""


def parse(text: str) -> Command:
    """Parse what was typed after ':'; a ValueError says what is wrong and what would work."""
    words = text.strip().removeprefix(":").split()
    if not words:
        raise ValueError("Type a command, e.g. :apis, :plans, :keys, :region NAME, :q")
    verb = _VERBS.get(words[0].lower())
    if verb is None:
        raise ValueError(f"Unknown command :{words[0]} — try :apis, :plans, :keys, :audit, :region NAME, :help, :q")
    if verb == "region":
        if len(words) != 2 or not _REGION.match(words[1]):
            raise ValueError("Usage: :region NAME, where NAME is a region code such as eu-west-1")
        return Command(verb, words[1])
    if verb in ("logs", "metrics"):
        canary = verb == "logs" and len(words) == 4 and words[3].lower() == "canary"
        if len(words) != 3 and not canary:
            raise ValueError(f"Usage: :{verb} API STAGE, e.g. :{verb} orders-api prod")
        return Command(verb, " ".join(words[1:]))
    if len(words) > 1:
        raise ValueError(f":{words[0]} takes no argument")
    return Command(verb)


class CommandLine(ModalScreen[Command | None]):
    """One line at the bottom; enter runs, escape leaves. A mistake keeps the text for fixing."""

    BINDINGS = [Binding("escape", "dismiss_line", "Cancel", id="command.cancel")]

    def __init__(self, text: str = "") -> None:
        super().__init__()
        self.text = text

    def compose(self) -> ComposeResult:
        yield Input(value=self.text, placeholder="apis · plans · keys · pulse · logs API STAGE · region NAME · help · q", id="command")

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
