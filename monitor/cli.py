"""The ``link-monitor`` command.

Each sub-command lives in its own section below. User mistakes (bad config,
bad arguments, daemon not running) end with a clear message and a non-zero
exit status, never a traceback.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import click

from monitor import __version__
from monitor.config import Config, format_duration, load
from monitor.errors import ConfigError, MonitorError

EXIT_CONFIG = 2

config_option = click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Config file (default: $LINK_MONITOR_CONFIG, then /etc/link-monitor/config.toml, "
    "then the built-in default).",
)


def load_or_exit(config_path: Path | None) -> tuple[Config, str]:
    """Return ``(config, source)``; on an invalid config print every problem and exit 2."""
    try:
        return load(config_path)
    except ConfigError as exc:
        click.echo(f"link-monitor: invalid config {exc.source}:", err=True)
        for problem in exc.problems:
            click.echo(f"  {problem}", err=True)
        sys.exit(EXIT_CONFIG)


class _Group(click.Group):
    """Turn our own errors into one clear line (exit 1) instead of a traceback."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except MonitorError as exc:
            click.echo(f"link-monitor: {exc}", err=True)
            sys.exit(1)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="link-monitor")
def main() -> None:
    """Watch the network link of an offline PC, show it on an LED, alert and keep a register."""


# ============================================================ check-config (foundation)


@main.command("check-config")
@config_option
def check_config(config_path: Path | None) -> None:
    """Validate the config; print a summary (exit 0) or every problem (exit 2)."""
    config, source = load_or_exit(config_path)
    click.echo(f"{source}: OK")
    click.echo(f"  timezone      {config.timezone}")
    country = config.calendar.country or "none"
    closed = ", ".join(str(c) for c in config.calendar.closed) or "none"
    click.echo(f"  holidays      {country}; closed {closed}")
    for i, w in enumerate(config.clinic):
        click.echo(f"  clinic[{i}]     {w.describe()}")
    for i, w in enumerate(config.maintenance):
        click.echo(f"  maintenance[{i}] {w.describe()}")
    lim = config.limits
    click.echo(
        f"  limits        max_session {format_duration(lim.max_session)}, "
        f"remind_every {format_duration(lim.remind_every)}, "
        f"require_permit {str(lim.require_permit).lower()}"
    )
    click.echo(
        f"  link          {config.link.method}: {', '.join(config.link.interfaces)} "
        f"(ignore {', '.join(config.link.ignore) or 'none'})"
    )
    click.echo(f"  indicator     {config.indicator.kind}")
    n_urls = len(config.alerts.urls)
    extra = " + apprise config" if config.alerts.config else ""
    extra += " + credential" if config.alerts.credential else ""
    click.echo(f"  alerts        {n_urls} url(s){extra}, language {config.alerts.language}")
    click.echo(f"  store         {config.store.path}")
    click.echo(f"  control       {config.control.socket}")


# ============================================================ explain (foundation)


# ============================================================ watch (links)


def _watch_line(obs, zone, *, as_json: bool, initial: bool) -> str:
    """Return one output line for ``link-monitor watch``."""
    if as_json:
        return json.dumps({**obs.as_dict(), "event": "state" if initial else "change"})
    if not obs.present:
        state = "removed"
    else:
        state = "online" if obs.online else "offline"
    carrier = {True: "yes", False: "no", None: "?"}[obs.carrier]
    local = obs.at.astimezone(zone)
    stamp = local.strftime("%Y-%m-%d %H:%M:%S.") + f"{local.microsecond // 1000:03d} " \
        + local.strftime("%Z")
    return (f"{stamp}  {obs.interface:<15} {state:<8} carrier={carrier} "
            f"operstate={obs.operstate} admin={'up' if obs.admin_up else 'down'} "
            f"index={obs.index}")


async def _watch(link_config, zone, netns: str | None, as_json: bool) -> None:
    from monitor.links import build_watcher

    watcher = build_watcher(link_config, netns=netns)

    def emit(line: str) -> None:
        sys.stdout.write(line + "\n")
        sys.stdout.flush()  # a reader (a person, a pipe, a test) sees each change at once

    try:
        current = await watcher.start()
        click.echo(
            f"watching {', '.join(link_config.interfaces)} "
            f"(ignoring {', '.join(link_config.ignore) or 'nothing'}) with {watcher.method}"
            f"{' in namespace ' + netns if netns else ''}; "
            f"{len(current)} present now; Ctrl-C to stop", err=True)
        for obs in current:
            emit(_watch_line(obs, zone, as_json=as_json, initial=True))
        async for obs in watcher.changes():
            emit(_watch_line(obs, zone, as_json=as_json, initial=False))
    finally:
        await watcher.close()


@main.command("watch")
@config_option
@click.option("--interface", "-i", "patterns", multiple=True, metavar="PATTERN",
              help="Watch these names or glob patterns instead of link.interfaces "
              "(repeatable). link.ignore still applies.")
@click.option("--json", "as_json", is_flag=True,
              help="One JSON object per line: at, interface, index, online, carrier, "
              "operstate, admin_up, present, event (state|change).")
@click.option("--netns", default=None, hidden=True,
              help="Watch inside this named network namespace (root; for tests and "
              "benchmarks).")
def watch(config_path: Path | None, patterns: tuple[str, ...], as_json: bool,
          netns: str | None) -> None:
    """Print the online state of each watched interface, then a line per change.

    Online means carrier present and operstate up. Runs until Ctrl-C or SIGTERM
    (exit 0); needs no root.
    """
    import asyncio
    import signal

    from pydantic import ValidationError

    from monitor.config import Link

    config, _source = load_or_exit(config_path)
    link_config = config.link
    if patterns:
        try:
            Link(interfaces=patterns)
        except ValidationError as exc:
            for err in exc.errors():
                click.echo(f"link-monitor: --interface: {err['msg'].removeprefix('Value error, ')}",
                           err=True)
            sys.exit(EXIT_CONFIG)
        link_config = link_config.model_copy(update={"interfaces": tuple(patterns)})

    async def run() -> None:
        task = asyncio.current_task()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, task.cancel)
        try:
            await _watch(link_config, config.zone, netns, as_json)
        except asyncio.CancelledError:
            pass  # Ctrl-C / SIGTERM: the normal way to stop

    try:
        asyncio.run(run())
    except BrokenPipeError:
        # The reader went away (e.g. `| head`): nothing left to tell anyone.
        sys.stderr.close()
        os._exit(0)



# ============================================================ test-indicator (indicator)


# ============================================================ log / export / verify (register)


# ============================================================ test-alert (alerts)


# ============================================================ run / status / permit / ack / reload (daemon)


# ============================================================ box (indicator box)


# ============================================================ end of commands
