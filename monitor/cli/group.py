"""The ``link-monitor`` group: a click group that imports a command's module only when
that command runs (or its ``--help`` is asked).

``link-monitor --help`` lists every command with its one-line help from ``COMMANDS``
without importing any of them; ``tests/unit/test_cli_group.py`` holds each summary
equal to the first paragraph of the command's own help.
"""

from __future__ import annotations

import importlib
import sys
from typing import Any, NamedTuple

import click

from monitor import __version__


class Lazy(NamedTuple):
    """Where a command lives and its one-line help (the first paragraph of its help)."""

    module: str
    attribute: str
    summary: str


COMMANDS: dict[str, Lazy] = {
    "ack": Lazy(
        "monitor.cli.client",
        "ack_command",
        "Silence the alarm buzzer (the lamp keeps blinking until the cable is out).",
    ),
    "box": Lazy(
        "monitor.cli.box",
        "box",
        "Run the indicator box (on the Raspberry Pi beside the receipt PC).",
    ),
    "check-config": Lazy(
        "monitor.cli.check",
        "check_config",
        "Validate the config; print a summary (exit 0) or every problem (exit 2).",
    ),
    "explain": Lazy(
        "monitor.cli.explain",
        "explain",
        "Say which period each instant AT is in, why, and when that next changes.",
    ),
    "export": Lazy(
        "monitor.cli.records",
        "export_command",
        "Export one month of the register, one row per session, for printing.",
    ),
    "lamp": Lazy(
        "monitor.cli.lamp",
        "lamp_command",
        "Show the lamp on the screen: a small window that follows the monitor.",
    ),
    "log": Lazy(
        "monitor.cli.records",
        "log_command",
        "List the register's sessions, newest last (times in the configured zone).",
    ),
    "media": Lazy(
        "monitor.cli.media",
        "media",
        "Keep the ledger of registered USB sticks and cards (add, list, retire).",
    ),
    "permit": Lazy(
        "monitor.cli.permit",
        "permit_command",
        "Record a permit before plugging in; your login is recorded as its grantor.",
    ),
    "reload": Lazy(
        "monitor.cli.service",
        "reload_command",
        "Make the running monitor read its config again (like SIGHUP).",
    ),
    "report": Lazy(
        "monitor.cli.printout",
        "report_command",
        "Make the printable register of a month (or --year): one HTML file with a timeline "
        "picture, the list of connections, a summary and sign-off boxes, for A4 landscape.",
    ),
    "run": Lazy(
        "monitor.cli.service",
        "run_command",
        "Run the monitor in the foreground (what the systemd service runs).",
    ),
    "status": Lazy(
        "monitor.cli.client",
        "status_command",
        "Show what the running monitor sees: link, period, lamp, session, outbox.",
    ),
    "test-alert": Lazy(
        "monitor.cli.alert",
        "test_alert",
        "Send a test message through every configured alert destination now.",
    ),
    "test-indicator": Lazy(
        "monitor.cli.indicator",
        "test_indicator",
        "Show one or all indicator patterns and the heartbeat, to check the wiring.",
    ),
    "verify": Lazy(
        "monitor.cli.records",
        "verify_command",
        "Check the register's hash chain "
        "and tables: exit 0 when intact, 1 naming the first record that was "
        "edited, deleted or inserted.",
    ),
    "work-report": Lazy(
        "monitor.cli.workreport",
        "work_report_command",
        "Record the work report of a finished session: what was done, whether personal data "
        "was accessed, whether data brought in or out was erased, checked against the "
        "permit's plan.",
    ),
    "watch": Lazy(
        "monitor.cli.watch",
        "watch",
        "Print the online state of each watched interface, then a line per change.",
    ),
}


class LazyGroup(click.Group):
    """Loads a command on first use; turns our own errors into one clear line (exit 1)
    instead of a traceback (a damaged register: what it is and what to do)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        lazy = COMMANDS.get(cmd_name)
        if lazy is None:
            return None
        command = getattr(importlib.import_module(lazy.module), lazy.attribute)
        assert isinstance(command, click.Command), lazy
        from monitor.cli.words import localize

        return localize(command)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """List the commands like click does, from their summaries (nothing imported)."""
        names = self.list_commands(ctx)
        limit = formatter.width - 6 - max(len(name) for name in names)
        from monitor.cli.words import summary

        rows = [
            (
                name,
                click.Command(name, help=summary(name, COMMANDS[name].summary)).get_short_help_str(
                    limit
                ),
            )
            for name in names
        ]
        with formatter.section(click.core._("Commands")):
            formatter.write_dl(rows)

    def main(self, args: Any = None, *rest: Any, **extra: Any) -> Any:
        """Speak the configured language (``monitor.cli.words``), then run click's main."""
        from monitor.cli.words import language_of_args, say, use

        use(language_of_args(sys.argv[1:] if args is None else list(args)))
        self.help = say("help.main")
        for param in self.params:
            if param.name == "version":
                param.help = click.core._("Show the version and exit.")
        return super().main(args, *rest, **extra)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except click.MissingParameter as exc:
            from monitor.cli.words import missing

            raise missing(exc) from None
        except Exception as exc:
            from monitor.cli.common import error_lines

            lines = error_lines(exc)
            if lines is None:
                raise
            for line in lines:
                click.echo(line, err=True)
            sys.exit(1)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="link-monitor")
def main() -> None:
    """Watch the network link of an offline PC, show it on an LED, alert and keep a register."""
