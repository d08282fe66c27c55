"""``watch``: print the online state of each watched interface, then a line per change."""

from __future__ import annotations

import os
import sys
from datetime import tzinfo
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from monitor.cli.common import EXIT_CONFIG, config_option, load_or_exit, say

if TYPE_CHECKING:
    from monitor.config import Link
    from monitor.domain.model import LinkObserved


def watch_line(obs: LinkObserved, zone: tzinfo, *, as_json: bool, initial: bool) -> str:
    """Return one output line for ``link-monitor watch``."""
    if as_json:
        import json

        return json.dumps({**obs.as_dict(), "event": "state" if initial else "change"})
    if not obs.present:
        state = say("watch.removed")
    else:
        state = say("watch.online" if obs.online else "watch.offline")
    carrier = {True: "yes", False: "no", None: "?"}[obs.carrier]
    local = obs.at.astimezone(zone)
    stamp = (
        local.strftime("%Y-%m-%d %H:%M:%S.")
        + f"{local.microsecond // 1000:03d} "
        + local.strftime("%Z")
    )
    return say(
        "watch.line",
        stamp=stamp,
        interface=obs.interface,
        state=state,
        carrier=carrier,
        operstate=obs.operstate,
        admin="up" if obs.admin_up else "down",
        index=obs.index,
    )


async def _watch(link_config: Link, zone: tzinfo, netns: str | None, as_json: bool) -> None:
    from monitor.links import build_watcher

    watcher = build_watcher(link_config, netns=netns)

    def emit(line: str) -> None:
        sys.stdout.write(line + "\n")
        sys.stdout.flush()  # a reader (a person, a pipe, a test) sees each change at once

    try:
        current = await watcher.start()
        click.echo(
            say(
                "watch.start",
                interfaces=", ".join(link_config.interfaces),
                ignore=", ".join(link_config.ignore) or say("watch.nothing"),
                method=watcher.method,
                netns=say("watch.netns", netns=netns) if netns else "",
                n=len(current),
            ),
            err=True,
        )
        for obs in current:
            emit(watch_line(obs, zone, as_json=as_json, initial=True))
        async for obs in watcher.changes():
            emit(watch_line(obs, zone, as_json=as_json, initial=False))
    finally:
        await watcher.close()


def _with_patterns(link_config: Link, patterns: tuple[str, ...]) -> Link:
    """Return ``link_config`` watching ``patterns``; print why and exit 2 if one is bad."""
    from pydantic import ValidationError

    from monitor.config import Link

    try:
        Link(interfaces=patterns)
    except ValidationError as exc:
        for err in exc.errors():
            click.echo(
                say("watch.bad_interface", error=err["msg"].removeprefix("Value error, ")), err=True
            )
        sys.exit(EXIT_CONFIG)
    return link_config.model_copy(update={"interfaces": tuple(patterns)})


def _run(coroutine: Any) -> None:
    """Run ``coroutine`` until it ends or SIGINT/SIGTERM cancels it (the normal stop)."""
    import asyncio
    import signal

    async def run() -> None:
        task = asyncio.current_task()
        assert task is not None
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, task.cancel)
        try:
            await coroutine
        except asyncio.CancelledError:
            pass  # Ctrl-C / SIGTERM: the normal way to stop

    try:
        asyncio.run(run())
    except BrokenPipeError:
        # The reader went away (e.g. `| head`): nothing left to tell anyone.
        sys.stderr.close()
        os._exit(0)


@click.command("watch")
@config_option
@click.option(
    "--interface",
    "-i",
    "patterns",
    multiple=True,
    metavar="PATTERN",
    help="Watch these names or glob patterns instead of link.interfaces "
    "(repeatable). link.ignore still applies.",
)
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="One JSON object per line: at, interface, index, online, carrier, "
    "operstate, admin_up, present, event (state|change).",
)
@click.option(
    "--netns",
    default=None,
    hidden=True,
    help="Watch inside this named network namespace (root; for tests and benchmarks).",
)
def watch(
    config_path: Path | None, patterns: tuple[str, ...], as_json: bool, netns: str | None
) -> None:
    """Print the online state of each watched interface, then a line per change.

    Online means carrier present and operstate up. Runs until Ctrl-C or SIGTERM
    (exit 0); needs no root.
    """
    config, _source = load_or_exit(config_path)
    link_config = _with_patterns(config.link, patterns) if patterns else config.link
    _run(_watch(link_config, config.zone, netns, as_json))
