"""Textual screens and widgets: they render the read model and dispatch; they hold no AWS logic."""
