"""What a person copies from the CLI (ARNs, URLs, ids) is never folded or cropped, at any width."""

from __future__ import annotations

import io

import pytest

from console.render.text import Pairs, terminal

ARN = "arn:aws:wafv2:us-east-1:123456789012:regional/webacl/catalog-public-edge/09d95710-0eb0-40d4-ba52-c98d74b3148e"


def _printed(renderable, width: int) -> list[str]:
    console = terminal()
    console.file, console.width = io.StringIO(), width
    console.print(renderable)
    return [line.rstrip() for line in console.file.getvalue().splitlines()]


@pytest.mark.parametrize("width", [40, 80, 200])
def test_a_value_one_copies_is_whole_on_one_line_at_any_width(width):
    pairs = Pairs()
    pairs.add_row("WAF web ACL", ARN)
    pairs.add_row("Description", "words that may fold " * 6)
    lines = _printed(pairs, width)
    assert any(ARN in line for line in lines)  # whole: beside its label, or alone when it does not fit there
    assert any(line.startswith("WAF web ACL") for line in lines)
    assert all(len(line) <= width for line in lines if ARN not in line)  # prose still folds


def test_a_value_that_fits_stays_beside_its_label():
    pairs = Pairs()
    pairs.add_row("Stage", "prod")
    pairs.add_row("Target", "arn:aws:lambda:us-east-1:123456789012:function:f")
    assert _printed(pairs, 120) == ["Stage   prod", "Target  arn:aws:lambda:us-east-1:123456789012:function:f"]


def test_a_hostile_value_on_its_own_line_is_still_shown_not_obeyed():
    pairs = Pairs()
    pairs.add_row("Name", "\x1b]52;c;cm0gLXJmIH4=\x07" + "x" * 80)
    text = "\n".join(_printed(pairs, 40))
    assert "\x1b" not in text and "\x07" not in text and "␛]52" in text
