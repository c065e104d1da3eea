"""Intent -> plan -> apply: every change the console makes, shared by the TUI and the CLI. No Textual."""
