"""What the command modules share: the ``--config`` option, loading the config or
exiting 2 with every problem, the exit codes and the CLI's texts.

Light: imports neither pydantic nor the config module until a command loads the
full config (``load_or_exit``).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click

from monitor.cli.words import language
from monitor.errors import ConfigError, Problem
from monitor.texts import has, t

if TYPE_CHECKING:
    from monitor.config import Config

EXIT_CONFIG = 2
EXIT_USAGE = 2

#: The group install.sh creates: its members may read the config, the register and
#: use the socket.
SERVICE_GROUP = "link-monitor"


def user_name() -> str:
    """Return the name of the user this process runs as."""
    import pwd

    try:
        return pwd.getpwuid(os.geteuid()).pw_name
    except KeyError:
        return str(os.geteuid())


def _config_option(*, readable: bool) -> Any:
    return click.option(
        "--config",
        "config_path",
        type=click.Path(dir_okay=False, readable=readable, path_type=Path),
        default=None,
        help="Config file (default: $LINK_MONITOR_CONFIG, then /etc/link-monitor/config.toml, "
        "then the built-in default).",
    )


config_option = _config_option(readable=True)
#: The quick commands' option: a file this user may not read is theirs to explain (in
#: one line, asking IT for the service group), not click's usage error.
quick_config_option = _config_option(readable=False)


def say(name: str, /, **values: Any) -> str:
    """Return the CLI text ``cli.<name>`` in the command's language (``alerts.language``
    of the config on the command line, see ``monitor.cli.words``) with ``values``."""
    return t(language(), f"cli.{name}", **values)


def error_lines(exc: BaseException) -> list[str] | None:
    """Return the lines that say ``exc`` to a person (our own errors; SQLite saying the
    register file is damaged), or None for a bug (let its traceback show)."""
    import sqlite3

    from monitor.errors import MonitorError, RegisterDamaged, RegisterDenied

    if isinstance(exc, sqlite3.DatabaseError):  # a read path that did not convert it
        from monitor.register.damage import is_damage

        if not is_damage(exc):
            return None
        exc = RegisterDamaged("the register", str(exc))
    if isinstance(exc, RegisterDamaged):
        lines = [t(language(), "register.damaged", path=exc.path, detail=exc.detail)]
        if exc.moved_to:
            lines.append(t(language(), "register.damaged_moved", path=exc.moved_to))
        else:
            lines.append(t(language(), "register.damaged_kept", path=exc.path))
        lines.append(t(language(), "register.damaged_todo", path=exc.path))
        return lines
    if isinstance(exc, RegisterDenied):
        values = {"path": exc.path, "user": user_name(), "group": SERVICE_GROUP}
        return [say("error", error=say("denied.register", **values))]
    if isinstance(exc, MonitorError):
        return [say("error", error=exc)]
    return None


def print_config_error(exc: ConfigError) -> None:
    """Print ``exc``'s source and every problem it lists, on stderr."""
    click.echo(say("config.invalid", source=exc.source), err=True)
    for problem in exc.problems:
        click.echo(f"  {_problem_words(problem)}", err=True)


def _problem_words(problem: Problem) -> str:
    """Return a problem in the command's language when the catalog has its words (the
    file-level ones: missing, unreadable); a key's problem as the validation said it."""
    key = f"cli.problem.{problem.message}"
    if problem.path or not has(language(), key):
        return str(problem)
    return t(language(), key)


def exit_config_error(exc: ConfigError) -> NoReturn:
    """Print every problem of ``exc`` and exit 2."""
    print_config_error(exc)
    sys.exit(EXIT_CONFIG)


def load_or_exit(config_path: Path | None) -> tuple[Config, str]:
    """Return ``(config, source)`` checked in shape (no library checks: the commands that
    use this need neither ``calendar.country`` nor ``alerts.urls`` to be usable); on an
    invalid config print every problem and exit 2."""
    from monitor.config.loading import load  # pydantic: only for the commands that need it

    try:
        return load(config_path)
    except ConfigError as exc:
        exit_config_error(exc)


def load_checked_or_exit(config_path: Path | None) -> tuple[Config, str]:
    """Return ``(config, source)`` checked in full, the library checks (holiday country,
    apprise URLs) included as one step after parsing; on any problem print every one
    and exit 2."""
    from monitor.jobs import load_and_check

    try:
        return load_and_check(config_path)
    except ConfigError as exc:
        exit_config_error(exc)
