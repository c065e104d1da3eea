"""Runbooks as code: TOML files of checks, plans, waits and confirmations, run through the console's plans."""
