"""A read command's answer as data: --query (JMESPath, as the AWS CLI's) and then --output json or text.

No rich here: a one-shot `--output json` or `text` read imports nothing that draws tables.
"""

from __future__ import annotations

import json
from typing import Any, Callable

from actions.plan import Invalid
from console.render.jsonable import jsonable


def out(args, value: Any, table: Callable[[], Any]) -> None:
    """A read command's answer: the table `table()` builds (rich is imported only then), or `value` as
    JSON or text, after --query."""
    if args.output == "table" and not getattr(args, "query", None):
        from console.render.text import terminal

        terminal().print(table())
    else:
        emit(args, jsonable(value))


def emit(args, value: Any) -> None:
    """`value` as --output json or text (a table of a query's result is its text), --query applied first:
    the AWS CLI's habits, so that `--query 'items[].id' --output text` feeds a shell loop."""
    value = json.loads(json.dumps(value, default=str))  # JSON's own types, as JMESPath expects
    if getattr(args, "query", None):
        import jmespath
        from jmespath.exceptions import JMESPathError

        try:
            value = jmespath.search(args.query, value)
        except JMESPathError as problem:
            raise Invalid("--query", f"is a JMESPath expression ({problem})", args.query) from None
    if args.output == "json":
        print(json.dumps(value, indent=2))
    else:
        for line in text_lines(value):
            print(line)


def text_lines(value: Any) -> list[str]:
    """--output text, as the AWS CLI writes it: tab-separated, one line per object. An object's scalar
    fields come first, in the order of their names (a list of objects shares one column order: the union
    of its scalar fields, a missing one written None); each nested list or object follows on lines of its
    own that start with its name in capitals. A list of scalars is one line; null is None."""
    if isinstance(value, dict):
        return _object_lines(value, sorted(k for k, v in value.items() if not _nested(v)))
    if isinstance(value, list):
        if all(isinstance(v, dict) for v in value) and value:
            columns = sorted({k for v in value for k, x in v.items() if not _nested(x)})
            return [line for v in value for line in _object_lines(v, columns)]
        if not any(_nested(v) for v in value):
            return ["\t".join(_scalar(v) for v in value)] if value else []
        return [line for v in value for line in text_lines(v)]
    return [_scalar(value)]


def _object_lines(value: dict, columns: list[str]) -> list[str]:
    lines = ["\t".join(_scalar(value.get(k)) for k in columns)] if columns else []
    for name in sorted(k for k, v in value.items() if _nested(v)):
        lines += [f"{name.upper()}\t{line}" for line in text_lines(value[name])]
    return lines


def _nested(value: Any) -> bool:
    return isinstance(value, (dict, list))


def _scalar(value: Any) -> str:
    if value is None:
        return "None"
    if isinstance(value, bool):
        return "True" if value else "False"
    return str(value).replace("\t", " ").replace("\n", " ")
