"""Editing text in the operator's own editor ($VISUAL, $EDITOR, else vi)."""

from __future__ import annotations

import os
import shlex
import subprocess
import tempfile
from pathlib import Path

from console.aws.errors import Problem


def edit_in_editor(text: str, suffix: str = ".txt") -> str:
    """Open `text` in the editor and return what was saved; a failing editor changes nothing.

    The file is read again by its path once the editor exits: editors that save by writing a new file
    and renaming it over the old one (vim with backupcopy=no, JetBrains IDEs) leave a handle opened
    before pointing at the old text. The file is this user's alone (0600) and removed afterwards.
    """
    editor = os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi"
    descriptor, name = tempfile.mkstemp(suffix=suffix, prefix="apigw-console-")
    path = Path(name)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(text)
        try:
            code = subprocess.call([*shlex.split(editor), name])
        except (OSError, ValueError) as problem:
            raise Problem(f"The editor ({editor}) could not be started ({problem}); nothing was changed.",
                          kind="bad-request") from None
        if code != 0:
            raise Problem(f"The editor ({editor}) exited with an error; nothing was changed.", kind="bad-request")
        try:
            return path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise Problem(f"The editor ({editor}) removed the file instead of saving it; nothing was changed.",
                          kind="bad-request") from None
        except (OSError, UnicodeDecodeError) as problem:
            raise Problem(f"What the editor saved cannot be read as UTF-8 text ({type(problem).__name__}); "
                          "nothing was changed.", kind="bad-request") from None
    finally:
        path.unlink(missing_ok=True)
