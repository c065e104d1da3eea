"""Shell completion for bash, zsh and fish, from the argparse grammar itself (argcomplete): the script
`apigw-console completion SHELL` prints asks the program for candidates, so it never goes stale."""

from __future__ import annotations

import argparse
import os

from console.exits import EXIT_OK

SHELLS = ("bash", "zsh", "fish")
PROGRAM = "apigw-console"


def complete_if_asked(parser) -> None:
    """Answer a completion request (the shell sets _ARGCOMPLETE) and exit; otherwise do nothing."""
    if "_ARGCOMPLETE" in os.environ:
        import argcomplete

        argcomplete.autocomplete(_insights_routed(parser))


def _insights_routed(parser):
    """`logs insights ...` has a parser of its own, which `logs` hands its words to (cli.logs_args) and
    argcomplete cannot follow: past those two words, complete against that parser, the line cut to what
    follows them."""
    line = os.environ.get("COMP_LINE", "")
    point = int(os.environ.get("COMP_POINT", len(line)))
    words = line[:point].split(" ")
    for at in range(1, len(words) - 2):
        if words[at:at + 2] == ["logs", "insights"]:
            cut = len(" ".join(words[:at + 2]))
            os.environ["COMP_LINE"] = words[0] + line[cut:]
            os.environ["COMP_POINT"] = str(point - cut + len(words[0]))
            commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
            return commands.choices["logs"].insights
    return parser


def script(args) -> int:
    """Print the completion script for `args.shell`; its install line is in the README."""
    import argcomplete

    print(argcomplete.shellcode([PROGRAM], shell=args.shell), end="")
    return EXIT_OK
