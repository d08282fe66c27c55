"""The lazy command group: the listing matches the commands, and quick commands stay light."""

from __future__ import annotations

import importlib
import subprocess
import sys

import click
import pytest
from click.testing import CliRunner

from monitor.cli import main
from monitor.cli.group import COMMANDS
from monitor.texts import has, t
from tests.support.cli import env


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_each_listed_summary_is_the_first_paragraph_of_the_commands_own_help(name: str) -> None:
    lazy = COMMANDS[name]
    command = getattr(importlib.import_module(lazy.module), lazy.attribute)
    assert isinstance(command, click.Command)
    assert command.name == name
    # A staff command's help is the catalog's (in the language in use): its English one.
    help_text = t("en", f"help.{name}") if has("en", f"help.{name}") else command.help
    first = (help_text or "").split("\n\n")[0]
    assert " ".join(first.split()) == lazy.summary


def test_the_group_lists_every_command_and_refuses_an_unknown_one() -> None:
    result = CliRunner().invoke(main, ["--help"])
    assert result.exit_code == 0
    listed = [
        line.split()[0] for line in result.output.split("コマンド:")[1].splitlines() if line.strip()
    ]
    assert listed == sorted(COMMANDS)
    unknown = CliRunner().invoke(main, ["no-such-command"], env={"LINK_MONITOR_CONFIG": ""})
    assert (
        unknown.exit_code == 2 and "'no-such-command' というコマンドはありません" in unknown.output
    )


def _modules_after(*args: str) -> set[str]:
    """Run ``link-monitor ARGS`` in a fresh interpreter; return the modules it imported."""
    code = (
        "import sys\nfrom monitor.cli import main\nsys.argv = ['link-monitor', *sys.argv[1:]]\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "sys.stderr.write('\\nMODULES ' + ' '.join(sorted(sys.modules)))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, *args],
        capture_output=True,
        text=True,
        env=env(),
        timeout=60,
        check=False,
    )
    return set(out.stderr.rsplit("MODULES ", 1)[1].split())


HEAVY = {
    "pydantic",
    "asyncio",
    "monitor.config",
    "monitor.schedule",
    "monitor.register",
    "monitor.alerts",
    "monitor.daemon",
    "monitor.links",
    "monitor.indicator",
}


def test_help_imports_no_command_module() -> None:
    loaded = _modules_after("--help")
    assert not loaded & HEAVY
    # words and quickconfig read alerts.language (the help's language), commands none.
    light = {"monitor.cli.group", "monitor.cli.words", "monitor.cli.quickconfig"}
    assert not {m for m in loaded if m.startswith("monitor.cli.") and m not in light}


@pytest.mark.parametrize(
    "args",
    [
        ["status"],
        ["status", "--json"],
        ["ack"],
        ["permit", "--purpose", "other", "--company", "c", "--staff", "s", "--note", "n"],
        ["work-report", "--done", "d", "--personal-data", "no", "--erased", "none"],
        ["permit", "--cancel"],
    ],
)
def test_quick_commands_import_neither_pydantic_nor_asyncio(tmp_path, args: list[str]) -> None:
    cfg = tmp_path / "config.toml"
    cfg.write_text(f'[control]\nsocket = "{tmp_path}/none.sock"\n')
    loaded = _modules_after(*args, "--config", str(cfg))
    assert "monitor.control.client" in loaded  # it did try the daemon
    assert not loaded & HEAVY
