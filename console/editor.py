"""Editing text in the operator's own editor ($VISUAL, $EDITOR, else vi)."""

from __future__ import annotations

import os
import shlex
import subprocess
import tempfile

from console.aws.errors import Problem


def edit_in_editor(text: str, suffix: str = ".txt") -> str:
    """Open `text` in the editor and return what was saved; a failing editor changes nothing."""
    editor = os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi"
    with tempfile.NamedTemporaryFile("w+", suffix=suffix, prefix="apigw-console-") as handle:
        handle.write(text)
        handle.flush()
        if subprocess.call([*shlex.split(editor), handle.name]) != 0:
            raise Problem(f"The editor ({editor}) exited with an error; nothing was changed.", kind="bad-request")
        handle.seek(0)
        return handle.read()
