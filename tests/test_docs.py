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

    from kiemchung.cli import BENCHMARKS, bench_help

    assert len(BENCHMARKS) >= 6
    for name in BENCHMARKS:
        assert f"kiemchung bench {name}" in cli_doc, f"docs/CLI.md lacks `kiemchung bench {name}`"
        assert f"\n  {name} " in bench_help(), f"`kiemchung bench --help` lacks {name}"


def test_bench_help_lists_every_benchmark_and_each_answers_its_own_help(capsys):
    from kiemchung.cli import BENCHMARKS, main

    assert main(["bench", "--help"]) == 0
    listing = capsys.readouterr().out
    for name in BENCHMARKS:
        assert f"  {name} " in listing
        assert main(["bench", name, "--help"]) == 0
        assert f"kiemchung bench {name}" in capsys.readouterr().out
    assert main(["bench", "nothing-such"]) == 2
    assert "no benchmark 'nothing-such'" in capsys.readouterr().err


def test_registering_a_setting_without_help_is_refused():
    import pytest

    with pytest.raises(env.SettingError):
        env.env_str("KIEMCHUNG_TEST_UNDOCUMENTED", "", "  ")


def _markdown_files() -> list[Path]:
    return [*sorted(DOCS.glob("*.md")), DOCS.parent / "README.md"]


def _code_in(text: str) -> list[str]:
    """The code of a Markdown page: fenced blocks and inline `spans`."""
    import re

    fenced = re.findall(r"```.*?```", text, re.S)
    rest = re.sub(r"```.*?```", "", text, flags=re.S)
    return fenced + re.findall(r"`[^`\n]+`", rest)


def test_the_docs_name_only_commands_that_exist():
    import re

    from django.core.management import get_commands

    known = set(get_commands()) | {"bench"}  # `kiemchung bench ...` runs without Django
    named: dict[str, set[str]] = {}
    for page in _markdown_files():
        for code in _code_in(page.read_text(encoding="utf-8")):
            for found in re.finditer(r"(?<![\w/.-])kiemchung ([a-z][a-z_-]*)", code):
                named.setdefault(found.group(1), set()).add(page.name)
    assert {"run", "worker", "schedule"} <= set(named)
    unknown = {name: sorted(pages) for name, pages in named.items() if name not in known}
    assert unknown == {}


def test_every_page_the_docs_point_to_is_in_the_repo():
    import re

    missing = []
    for page in _markdown_files():
        text = page.read_text(encoding="utf-8")
        for name in set(re.findall(r"\b([A-Z][A-Z_]+\.md)\b", text)):
            if not ((DOCS / name).exists() or (DOCS.parent / name).exists()):
                missing.append(f"{page.name} -> {name}")
        for target in re.findall(r"\]\(([^)#\s]+\.md)\)", text):
            if not (page.parent / target).exists():
                missing.append(f"{page.name} -> {target}")
    assert missing == []
    readme = (DOCS.parent / "README.md").read_text(encoding="utf-8")
    assert "(docs/ARCHITECTURE.md)" in readme


def test_the_architecture_page_names_every_app_and_the_layer_contracts():
    import re
    import tomllib

    page = (DOCS / "ARCHITECTURE.md").read_text(encoding="utf-8")
    root = Path(kiemchung.__file__).parent
    packages = {
        p.name for p in root.iterdir() if p.is_dir() and (p / "__init__.py").exists()
    }
    layout = page.split("## Layout", 1)[1].split("##", 1)[0]
    listed = set(re.findall(r"^  ([a-z]+)/ ", layout, re.M)) - {"templates", "static", "locale"}
    assert listed == packages, "docs/ARCHITECTURE.md's layout differs from src/kiemchung"
    pyproject = tomllib.loads((DOCS.parent / "pyproject.toml").read_text(encoding="utf-8"))
    contracts = pyproject["tool"]["importlinter"]["contracts"]
    forbidden = {c["name"] for c in contracts}
    assert "text and matching are pure Python (no Django, no apps)" in forbidden
    assert "nothing imports the CLI" in forbidden
    assert "`[tool.importlinter]`" in page and "lint-imports" in page


def test_the_readme_names_where_to_start():
    readme = (DOCS.parent / "README.md").read_text(encoding="utf-8")

    for address in ("/p/demo/", "/tin/gui/demo/", "/accounts/login/"):
        assert f"http://127.0.0.1:8000{address}" in readme
