"""`apigw-console keymap`: every binding id, its keys (the config's [keymap] merged over the defaults)
and what it does, written as the config takes it. Unknown ids in the config are said by `main` on stderr,
as every config problem is."""

from __future__ import annotations

from console.cli.answer import emit
from console.config import config_path, load
from console.exits import EXIT_OK
from console.keymap import KEYS


def keymap(args) -> int:
    overrides = dict(load().keymap)
    rows = [{"id": key.id, "keys": overrides.get(key.id, key.keys), "default": key.keys,
             "configured": key.id in overrides, "description": key.description} for key in KEYS]
    if args.output != "table" or args.query:
        emit(args, rows)
        return EXIT_OK
    from console.render.text import Table, terminal

    table = Table(box=None, pad_edge=False)
    table.add_column("Id", no_wrap=True)
    table.add_column("Keys", no_wrap=True)
    table.add_column("Does", overflow="fold")
    for row in rows:
        table.add_row(row["id"], row["keys"] + (" (config)" if row["configured"] else ""), row["description"])
    out = terminal()
    out.print(table)
    out.print(f'Change one in {config_path()}: [keymap] "stage.throttle" = "T" (several keys: "T,ctrl+t")')
    return EXIT_OK
