"""Fidelity extensions for cloudwatch (to be written)."""

from __future__ import annotations

from console.sandbox.extend import Router


def register(router: Router) -> None:
    """Register this service's handlers."""
