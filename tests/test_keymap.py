"""The keymap: one table (console.keymap) that the screens bind, the config checks and `keymap` prints."""

from __future__ import annotations

import importlib
import inspect
import json
import pkgutil
import subprocess
import sys

from screen_helpers import SIZE, until
from textual.binding import Binding
from textual.dom import DOMNode

import screens
from console.aws.session import Target
from console.cli import main
from console.config import Settings, load
from console.keymap import BY_ID, KEYS
from screens.apis import ApiListScreen
from screens.app import ConsoleApp
from screens.help import HelpScreen


def bound_ids() -> dict[str, Binding]:
    """Every Binding with an id on every screen, widget and the app, as Textual will read them."""
    found = {}
    for module in pkgutil.iter_modules(screens.__path__):
        loaded = importlib.import_module(f"screens.{module.name}")
        for _, cls in inspect.getmembers(loaded, inspect.isclass):
            if cls.__module__ == loaded.__name__ and issubclass(cls, DOMNode) and "BINDINGS" in cls.__dict__:
                for binding in cls.__dict__["BINDINGS"]:
                    if isinstance(binding, Binding) and binding.id:
                        assert binding.id not in found, f"{binding.id} is bound twice"
                        found[binding.id] = binding
    return found


def test_every_binding_id_comes_from_the_table_and_every_entry_is_bound():
    bound = bound_ids()
    assert not set(bound) - set(BY_ID), f"bound but not in console/keymap.py (add them there): {set(bound) - set(BY_ID)}"
    assert not set(BY_ID) - set(bound), f"in console/keymap.py but bound nowhere: {set(BY_ID) - set(bound)}"
    for key in KEYS:
        binding = bound[key.id]
        assert (binding.key, binding.action, binding.description, binding.show, binding.priority) == (
            key.keys, key.action, key.description, key.show, key.priority)


def test_ids_are_unique_and_named_screen_dot_what():
    assert len(BY_ID) == len(KEYS)
    assert all(key.id.count(".") == 1 and " " not in key.id for key in KEYS)


def test_unknown_ids_in_the_config_are_reported_with_file_and_line(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text('[keymap]\n"stage.throttle" = "T"\n"stage.nope" = "x"\n')
    loaded = load(path)
    assert loaded.keymap == (("stage.throttle", "T"),)
    assert loaded.problems == (f"{path}, line 3: unknown binding id 'stage.nope' in [keymap] ignored "
                               "(apigw-console keymap lists them)",)


def test_keymap_json_merges_the_config_and_says_unknown_ids(tmp_path, monkeypatch, capsys):
    path = tmp_path / "config.toml"
    path.write_text('[keymap]\n"stage.throttle" = "T,ctrl+t"\n"stage.nope" = "x"\n')
    monkeypatch.setenv("APIGW_CONSOLE_CONFIG", str(path))
    assert main(["keymap", "--output", "json"]) == 0
    out, err = capsys.readouterr()
    rows = {row["id"]: row for row in json.loads(out)}
    assert rows["stage.throttle"] == {"id": "stage.throttle", "keys": "T,ctrl+t", "default": "t", "configured": True,
                                      "description": "Throttle"}
    assert rows["list.filter"]["keys"] == "slash" and not rows["list.filter"]["configured"]
    assert list(rows) == [key.id for key in KEYS]
    assert "unknown binding id 'stage.nope'" in err and "line 3" in err


def test_keymap_text_and_table(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("APIGW_CONSOLE_CONFIG", str(tmp_path / "none.toml"))
    assert main(["keymap", "--output", "text"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split("\t") == ["False", "enter", "Open stage", "api.open", "enter"]  # fields by name
    assert main(["keymap"]) == 0
    table = capsys.readouterr().out
    assert "stage.throttle" in table and "[keymap]" in table


def test_keymap_imports_no_textual(tmp_path):
    code = ("import sys; from console.cli import main; main(['keymap', '--output', 'json']); "
            "assert not any(m.split('.')[0] == 'textual' for m in sys.modules), 'textual imported'")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env={"APIGW_CONSOLE_CONFIG": str(tmp_path / "none.toml"), "PATH": ""})
    assert done.returncode == 0, done.stderr


async def test_configured_keys_work_and_help_shows_them(sandbox):
    settings = Settings(keymap=(("apis.refresh", "R"), ("app.help", "question_mark,f1")))
    app = ConsoleApp(Target(endpoint_url=sandbox.url), settings=settings)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: isinstance(app.screen, ApiListScreen) and app.screen.query_one("#apis").row_count,
                    "the API list")
        await pilot.press("f1")
        await until(pilot, lambda: isinstance(app.screen, HelpScreen), "help on f1")
        shown = dict((what, display) for display, what in app.screen.keys)
        assert shown["Refresh"] == "R" and shown["Keys"] == "? f1", app.screen.keys
