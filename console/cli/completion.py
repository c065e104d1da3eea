"""Shell completion for bash, zsh and fish, from the argparse grammar itself (argcomplete): the script
`apigw-console completion SHELL` prints asks the program for candidates, so it never goes stale."""

from __future__ import annotations

import os

from console.exits import EXIT_OK

SHELLS = ("bash", "zsh", "fish")
PROGRAM = "apigw-console"


def complete_if_asked(parser) -> None:
    """Answer a completion request (the shell sets _ARGCOMPLETE) and exit; otherwise do nothing."""
    if "_ARGCOMPLETE" in os.environ:
        import argcomplete

        argcomplete.autocomplete(parser)


def script(args) -> int:
    """Print the completion script for `args.shell`; its install line is in the README."""
    import argcomplete

    print(argcomplete.shellcode([PROGRAM], shell=args.shell), end="")
    return EXIT_OK
