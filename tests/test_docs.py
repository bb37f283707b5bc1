"""Docs that tests keep honest: every setting and every command is documented."""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path

import kiemchung
from kiemchung import env

DOCS = Path(__file__).resolve().parents[1] / "docs"


def _own_commands() -> dict[str, str]:
    commands: dict[str, str] = {}
    root = Path(kiemchung.__file__).parent
    for package in pkgutil.iter_modules([str(root)]):
        folder = root / package.name / "management" / "commands"
        if not folder.is_dir():
            continue
        for module in pkgutil.iter_modules([str(folder)]):
            dotted = f"kiemchung.{package.name}.management.commands.{module.name}"
            mod = importlib.import_module(dotted)
            commands[module.name] = mod.Command.help
    return commands


def test_every_setting_has_a_help_line():
    import kiemchung.settings  # noqa: F401  (registers every setting)

    assert env.REGISTRY, "no setting registered"
    missing = [name for name, doc in env.REGISTRY.items() if len(doc.help.strip()) < 10]
    assert missing == []


def test_settings_page_is_current():
    import kiemchung.settings  # noqa: F401

    page = (DOCS / "SETTINGS.md").read_text(encoding="utf-8")
    assert page == env.settings_markdown(), "docs/SETTINGS.md is stale: run `make docs`"


def test_every_command_has_help_and_a_line_in_cli_docs():
    cli_doc = (DOCS / "CLI.md").read_text(encoding="utf-8")
    commands = _own_commands()
    assert {"run", "worker", "seed_demo", "settings"} <= set(commands)
    for name, help_text in commands.items():
        assert help_text and len(help_text) > 10, f"kiemchung {name} has no help"
        assert f"kiemchung {name}" in cli_doc, f"docs/CLI.md does not document `kiemchung {name}`"
    assert "kiemchung bench match" in cli_doc
    assert "kiemchung bench pairs" in cli_doc


def test_registering_a_setting_without_help_is_refused():
    import pytest

    with pytest.raises(env.SettingError):
        env.env_str("KIEMCHUNG_TEST_UNDOCUMENTED", "", "  ")
