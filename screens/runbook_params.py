"""A runbook's parameters before it runs: each in a box of its own, the default in it, its type, bounds and
help beside it (the TUI's --param).

Enter (or ctrl+s) checks every value as `runbook run --param` does, and every step's fields with them in
place, before anything is called; a problem is said under the boxes and nothing typed is lost. Escape goes
back to the list. The form hands the values as typed to the runbook screen, which runs with them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from console.render.text import assemble, foreign
from screens.keys import bindings

if TYPE_CHECKING:
    from console.runbook.format import Param, Runbook


class RunbookParamsForm(ModalScreen["dict[str, str] | None"]):
    DEFAULT_CSS = """
    RunbookParamsForm { align: center middle; }
    RunbookParamsForm #form { width: 100%; max-width: 96; height: auto; max-height: 100%; border: round $primary;
                              padding: 0 1; background: $surface; }
    RunbookParamsForm #params { height: auto; max-height: 16; }
    RunbookParamsForm .field { height: 1; margin-top: 1; }
    RunbookParamsForm .label { width: 16; color: $text-muted; }
    RunbookParamsForm .field Input { width: 1fr; height: 1; border: none; padding: 0 1; background: $boost; }
    RunbookParamsForm .field Input:focus { background: $primary 25%; }
    RunbookParamsForm .help { color: $text-muted; height: auto; padding-left: 16; }
    RunbookParamsForm #error { height: auto; margin-top: 1; }
    """
    BINDINGS = bindings("runbook-params")

    def __init__(self, runbook: "Runbook") -> None:
        super().__init__()
        self.runbook = runbook

    def compose(self) -> ComposeResult:
        with Vertical(id="form"):
            yield Static(assemble(("Run runbook  ", "bold"), foreign(self.runbook.name),
                                  ("  on this connection", "dim")))
            yield Static(foreign(self.runbook.summary, style="dim"))
            with VerticalScroll(id="params"):
                for number, param in enumerate(self.runbook.params.values()):
                    yield Horizontal(Static(foreign(param.name), classes="label"),
                                     Input("" if param.default is None else _text(param.default),
                                           placeholder=f"{param.type} (required)", id=f"param-{number}"),
                                     classes="field")
                    yield Static(foreign(_about(param)), classes="help")
            yield Static("", id="error")
            yield Static("[b]enter[/b]/[b]ctrl+s[/b] check and run · [b]esc[/b] back to the list", id="keys")

    def on_mount(self) -> None:
        if self.runbook.params:
            self.query_one("#param-0", Input).focus()

    @on(Input.Submitted)
    def _submitted(self) -> None:
        self.action_run()

    def action_run(self) -> None:
        """Check the values and the steps with them, as the CLI's --param; run only if all hold."""
        from console.runbook.format import RunbookInvalid

        typed = {name: self.query_one(f"#param-{n}", Input).value.strip()
                 for n, name in enumerate(self.runbook.params)}
        given = {name: value for name, value in typed.items() if value}
        try:
            self.runbook.bind(self.runbook.values(given, asked_as=""))
        except RunbookInvalid as invalid:
            self.query_one("#error", Static).update(foreign(str(invalid), style="bold"))
            return
        self.dismiss(given)

    def action_back(self) -> None:
        self.dismiss(None)


def _text(value: object) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def _about(param: "Param") -> str:
    bounds = f" {param.low:g}..{param.high:g}" if param.low is not None and param.high is not None else ""
    return f"{param.type}{bounds}" + (f" — {param.help}" if param.help else "")
