"""Shell completion for bash, zsh and fish, generated from the argparse grammar by argcomplete: the
scripts name the program, and the program answers a completion request as the shells send it."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from console.cli import main


@pytest.mark.parametrize("shell, mark", [("bash", "complete "), ("zsh", "#compdef apigw-console"),
                                         ("fish", "complete --command apigw-console")])
def test_each_shell_gets_a_script(shell, mark, capsys):
    assert main(["completion", shell]) == 0
    assert mark in capsys.readouterr().out


@pytest.mark.parametrize("line, expected", [("apigw-console au", "audit"), ("apigw-console audit --acc", "--account"),
                                            ("apigw-console completion f", "fish"),
                                            ("apigw-console logs in", "insights"),
                                            ("apigw-console logs insights orders-api prod --li", "--limit"),
                                            ("apigw-console --region eu-west-1 logs insights api prod --un", "--until")])
def test_the_program_answers_a_completion_request(line, expected, tmp_path):
    answer = tmp_path / "answer"
    env = {**os.environ, "_ARGCOMPLETE": "1", "COMP_LINE": line, "COMP_POINT": str(len(line)),
           "_ARGCOMPLETE_STDOUT_FILENAME": str(answer)}
    done = subprocess.run([sys.executable, "-m", "console"], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert expected in answer.read_text().split()
