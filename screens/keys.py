"""A screen's Bindings, built from console.keymap (the one table of ids, default keys and actions)."""

from __future__ import annotations

from textual.binding import Binding

from console.keymap import of


def bindings(screen: str, *unnamed: Binding) -> list[Binding]:
    """The keys of `screen` ("stage", "audit", ...) as Textual Bindings; `unnamed` ones (no id, so not
    configurable: focus moves) follow them."""
    return [Binding(key.keys, key.action, key.description, show=key.show, priority=key.priority, id=key.id)
            for key in of(screen)] + list(unnamed)
