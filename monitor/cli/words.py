"""The language of everything the ``link-monitor`` command prints: its own texts, its
help, and click's own words (``Usage:``, ``Error: ...``, ``Missing option ...``).

The language is ``alerts.language`` of the config the command line names (``--config``,
then ``$LINK_MONITOR_CONFIG``, then ``/etc/link-monitor/config.toml``), read with tomllib
alone before click parses anything, so that ``--help`` and click's usage errors are in it
too. A config that cannot be read leaves the default (Japanese): the command then says
what is wrong with it, in Japanese.

Click marks its messages with ``gettext``; :func:`use` points the ``_``/``ngettext`` names
of click's modules at the catalog's ``click`` area (English: click's own words).
Light: click and the catalog only (the quick commands and ``--help`` load it).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any

import click

from monitor.texts import has, language_of, t

_CLICK_MODULES = ("core", "exceptions", "formatting", "parser", "types", "decorators", "termui")
_state = {"language": "ja"}


def language() -> str:
    """Return the language the command speaks (set by :func:`use`; Japanese by default)."""
    return _state["language"]


def config_argument(args: Sequence[str]) -> str | None:
    """Return the value of ``--config`` on the command line ``args``, if any."""
    for i, arg in enumerate(args):
        if arg == "--":
            break
        if arg == "--config" and i + 1 < len(args):
            return args[i + 1]
        if arg.startswith("--config="):
            return arg.partition("=")[2]
    return None


def language_of_args(args: Sequence[str]) -> str:
    """Return ``alerts.language`` of the config that ``args`` name (or the default one);
    Japanese when it cannot be read or holds no known language."""
    from monitor.cli.quickconfig import DEFAULT_LANGUAGE, read_language

    try:
        return language_of(read_language(config_argument(args)))
    except Exception:  # noqa: BLE001 - a broken config is reported by the command itself
        return DEFAULT_LANGUAGE


def _gettext(message: str) -> str:
    key = f"clickwords.{message}"
    return t(language(), key) if has(language(), key) else message


def _ngettext(singular: str, plural: str, n: int) -> str:
    return _gettext(singular if n == 1 else plural)


def use(lang: str) -> None:
    """Speak ``lang`` from now on: the CLI texts, the help and click's own messages."""
    _state["language"] = language_of(lang)
    for name in _CLICK_MODULES:
        module = sys.modules.get(f"click.{name}")
        if module is None:
            continue
        if hasattr(module, "_"):
            module._ = _gettext  # type: ignore[attr-defined]
        if hasattr(module, "ngettext"):
            module.ngettext = _ngettext  # type: ignore[attr-defined]


def say(key: str, /, **values: Any) -> str:
    """Return the catalog text ``key`` (``"<area>.<name>"``) in the command's language."""
    return t(language(), key, **values)


def localize(command: click.Command) -> click.Command:
    """Give ``command`` and its options their help from the catalog's ``help`` area
    (``help.<command>``, ``help.<command>.<option>``) in the command's language."""
    lang = language()
    name = command.name or ""
    if has(lang, f"help.{name}"):
        command.help = t(lang, f"help.{name}")
    for param in command.params:
        for key in (f"help.{name}.{param.name}", f"help.any.{param.name}"):
            if isinstance(param, click.Option) and has(lang, key):
                param.help = t(lang, key)
                break
    return command


def missing(exc: click.MissingParameter) -> click.UsageError:
    """Return the usage error naming the missing option of ``exc`` in the command's language
    (click's own wording cannot be put in Japanese word order)."""
    hint = exc.param.get_error_hint(exc.ctx) if exc.param is not None and exc.ctx else "?"
    return click.UsageError(say("cli.missing", name=hint), exc.ctx)


def summary(name: str, english: str) -> str:
    """Return the one-line help of command ``name`` for the listing: the first paragraph
    of its catalog help, else ``english`` (its summary in ``COMMANDS``)."""
    key = f"help.{name}"
    if not has(language(), key):
        return english
    return t(language(), key).split("\n\n")[0]
