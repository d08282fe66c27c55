"""The command's language: read from the config on the command line before click parses,
click's own messages from the catalog, rules in words."""

from __future__ import annotations

import ast
from pathlib import Path

import click
import pytest

from monitor.cli import words
from monitor.texts import area
from monitor.texts.formats import rule_words


def _click_messages() -> set[str]:
    """Return every message the installed click marks for translation in the modules
    ``monitor.cli.words`` points at the catalog."""
    root = Path(click.__file__).parent
    found: set[str] = set()
    for name in words._CLICK_MODULES:
        tree = ast.parse((root / f"{name}.py").read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in ("_", "ngettext")
            ):
                for arg in node.args[:2]:
                    if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                        found.add(arg.value)
    return found


def test_the_catalog_holds_every_message_the_installed_click_marks() -> None:
    missing = _click_messages() - set(area("clickwords")["ja"])
    assert not missing


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["status", "--config", "{ja}"], "ja"),
        (["status", "--config={en}"], "en"),
        (["--config", "{en}", "log"], "en"),
        (["status", "--config", "{missing}"], "ja"),  # unreadable: the default, then the error
        (["status", "--", "--config", "{en}"], "ja"),
    ],
)
def test_the_language_comes_from_the_config_named_on_the_command_line(
    tmp_path, monkeypatch, args, expected
) -> None:
    monkeypatch.delenv("LINK_MONITOR_CONFIG", raising=False)
    (tmp_path / "ja.toml").write_text('[alerts]\nlanguage = "ja"\n')
    (tmp_path / "en.toml").write_text('[alerts]\nlanguage = "en"\n')
    paths = {n: str(tmp_path / f"{n}.toml") for n in ("ja", "en", "missing")}
    assert words.language_of_args([a.format(**paths) for a in args]) == expected


def test_click_speaks_the_language_in_use_and_back() -> None:
    import click.core

    try:
        words.use("ja")
        assert click.core._("Usage:") == "使い方:"
        words.use("en")
        assert click.core._("Usage:") == "Usage:"
    finally:
        words.use("ja")


@pytest.mark.parametrize(
    ("rule", "ja", "en"),
    [
        (
            "clinic[0] sun,holiday 17:00-22:00",
            "日曜・祝日 17:00〜22:00",
            "Sun, holidays 17:00–22:00",
        ),
        ("maintenance[1] weekday 08:30-17:15", "平日 08:30〜17:15", "weekdays 08:30–17:15"),
        ("clinic[2] all 12:23-14:23", "毎日 12:23〜14:23", "every day 12:23–14:23"),
        ("something else", "something else", "something else"),
    ],
)
def test_a_rule_reads_in_words(rule: str, ja: str, en: str) -> None:
    assert (rule_words(rule, "ja"), rule_words(rule, "en")) == (ja, en)
