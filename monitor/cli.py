"""The ``link-monitor`` command.

Each sub-command lives in its own section below. User mistakes (bad config,
bad arguments, daemon not running) end with a clear message and a non-zero
exit status, never a traceback.
"""

from __future__ import annotations

import json
import os
import sys
from datetime import datetime
from pathlib import Path

import click

from monitor import __version__
from monitor.compat import UTC
from monitor.config import Config, load
from monitor.domain.durations import format_duration
from monitor.errors import ConfigError, MonitorError
from monitor.schedule import Schedule, check_instant

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
        _print_config_error(exc)
        sys.exit(EXIT_CONFIG)


def _print_config_error(exc: ConfigError) -> None:
    click.echo(f"link-monitor: invalid config {exc.source}:", err=True)
    for problem in exc.problems:
        click.echo(f"  {problem}", err=True)


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

EXIT_USAGE = 2


def _parse_instant(text: str, zone) -> datetime:
    """Return the aware instant of ``text``: ISO 8601 with an offset or ``Z``, or a naive
    local time in ``zone`` (the first showing of a wall time the fall-back repeats), or
    ``now``; raise ValueError saying what is wrong."""
    if text.strip().lower() == "now":
        return datetime.now(zone)  # the CLI may read the clock; the schedule never does
    try:
        t = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(
            "expected ISO 8601 such as 2026-05-06T17:00, 2026-05-06T17:00+09:00 or "
            "2026-05-06T08:00Z"
        ) from None
    if t.tzinfo is not None:
        return t
    local = t.replace(tzinfo=zone, fold=0)
    # A wall time skipped by a spring-forward gap names no instant: say so rather
    # than guess one.
    if local.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != t:
        raise ValueError(f"{t:%Y-%m-%d %H:%M} does not exist in {zone} (the clocks jump "
                         "forward); give an offset")
    return local


def _human_time(t: datetime) -> str:
    seconds = f":{t:%S}" if t.second or t.microsecond else ""
    return f"{t:%Y-%m-%d %H:%M}{seconds} {t:%a} {t:%Z}"


@main.command("explain")
@config_option
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line, in input order.")
@click.argument("instants", nargs=-1, required=True, metavar="AT...")
def explain(config_path: Path | None, as_json: bool, instants: tuple[str, ...]) -> None:
    """Say which period each instant AT is in, why, and when that next changes.

    AT is ISO 8601 with an offset or Z (2026-05-06T17:00+09:00, 2026-05-06T08:00Z),
    or without one in the configured time zone (2026-05-06T17:00), or `now`. A local
    time that daylight saving repeats means its first showing; one it skips is refused.
    Exit 2 if an AT is not an instant."""
    config, _source = load_or_exit(config_path)
    zone = config.zone
    parsed: list[datetime] = []
    bad = False
    for text in instants:  # check every argument before printing anything
        try:
            parsed.append(check_instant(_parse_instant(text, zone)))
        except ValueError as exc:
            click.echo(f"link-monitor explain: bad instant {text!r}: {exc}", err=True)
            bad = True
    if bad:
        sys.exit(EXIT_USAGE)
    schedule = Schedule(config)
    for t in parsed:
        info = schedule.at(t)
        then = schedule.period(info.next_change)
        if as_json:
            click.echo(json.dumps({
                "at": info.at.isoformat(),
                "period": str(info.period),
                "holiday": info.holiday,
                "rule": info.rule,
                "next_change": info.next_change.isoformat(),
                "next_period": str(then),
            }, ensure_ascii=False))
        else:
            click.echo(
                f"{_human_time(info.at)}  {info.period}"
                + (f" by {info.rule}" if info.rule else "")
                + (f"  holiday: {info.holiday}" if info.holiday else "")
                + f"  until {_human_time(info.next_change)}, then {then}"
            )


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


# What each pattern does, for the installer checking the wiring.
_PATTERN_HELP = {
    "off": "main LED off (offline)",
    "on": "main LED steadily on (online, permitted)",
    "warn": "main LED slow blink (overdue / outside a window / no permit)",
    "alarm": "main LED fast blink + buzzer beeping (clinic hours; press the button to silence)",
}


def _describe_state(state: dict) -> str:
    """Return a one-line summary of an indicator's state() for people."""
    devices = state.get("devices")
    if devices:
        parts = [f"{name} {dev['state']}" for name, dev in devices.items() if "state" in dev]
    else:
        parts = [f"{key} {state[key]}" for key in ("led", "buzzer") if key in state]
    parts.append("heartbeat " + ("running" if state.get("heartbeat") else "stopped"))
    return ", ".join(parts)


@main.command("test-indicator")
@config_option
@click.option(
    "--pattern",
    type=click.Choice(["all", "off", "on", "warn", "alarm"]),
    default="all",
    show_default=True,
    help="Pattern to show.",
)
@click.option(
    "--seconds",
    type=click.FloatRange(min=0, min_open=True),
    default=3.0,
    show_default=True,
    help="How long to show each pattern.",
)
def test_indicator(config_path: Path | None, pattern: str, seconds: float) -> None:
    """Show one or all indicator patterns and the heartbeat, to check the wiring.

    Uses the indicator of the config (kind, pins, timings). Press the button to
    acknowledge (silences the buzzer), hold it to run the self-test. Ctrl-C stops
    and leaves every output off.
    """
    import threading
    import time

    from monitor.domain.enums import Pattern
    from monitor.indicator import ConsoleIndicator, build_indicator

    config, source = load_or_exit(config_path)
    lock = threading.Lock()
    current = {"pattern": Pattern.OFF}
    holder: dict = {}

    def on_ack(where: str) -> None:
        # Stands in for the daemon: an acknowledgement silences a sounding alarm.
        click.echo(f"{clear}button pressed ({where}): acknowledged")
        with lock:
            alarm = current["pattern"] is Pattern.ALARM
        if alarm and "indicator" in holder:
            holder["indicator"].show(Pattern.ALARM, silenced=True)

    def on_self_test(where: str) -> None:
        click.echo(f"{clear}button held ({where}): self-test, every output in turn")

    clear = ""
    indicator = build_indicator(config.indicator, on_ack=on_ack, on_self_test=on_self_test)
    holder["indicator"] = indicator
    if isinstance(indicator, ConsoleIndicator) and sys.stdout.isatty():
        clear = "\r\x1b[2K"  # erase the status line before printing above it
    state = indicator.state()
    where = state["kind"]
    if state.get("pin_factory"):
        pins = ", ".join(f"{n} GPIO{d['pin']}" for n, d in state["devices"].items())
        where = f"gpio ({state['pin_factory']}; BCM pins: {pins})"
    click.echo(f"{source}: indicator {where}")
    hb = config.indicator
    click.echo(
        f"status LED heartbeat: {format_duration(hb.heartbeat_on)} flash every "
        f"{format_duration(hb.heartbeat_every)}"
    )
    patterns = list(Pattern) if pattern == "all" else [Pattern(pattern)]
    try:
        indicator.start_heartbeat()
        for p in patterns:
            click.echo(f"{clear}showing {p} for {seconds:g}s: {_PATTERN_HELP[str(p)]}")
            with lock:
                current["pattern"] = p
            indicator.show(p)
            time.sleep(min(seconds, 0.05))
            click.echo(f"{clear}  now: {_describe_state(indicator.state())}")
            time.sleep(max(seconds - 0.05, 0))
    except KeyboardInterrupt:
        click.echo(f"{clear}interrupted")
        _all_off(indicator)
        click.echo("every output off")
        sys.exit(130)
    _all_off(indicator)
    click.echo(f"{clear}done: every output off")


def _all_off(indicator) -> None:
    """Leave every output off and release the pins (test-indicator's ending)."""
    from monitor.domain.enums import Pattern

    indicator.show(Pattern.OFF)
    indicator.stop_heartbeat()
    indicator.close(keep_led=False)



# ============================================================ log / export / verify (register)

_MONTH_RE = r"^(\d{4})-(\d{2})$"


def _when_option(ctx: click.Context, param: click.Parameter, value: str | None):
    """Parse ``YYYY-MM-DD`` (a local day) or an ISO 8601 date-time; exit 2 naming the option."""
    if value is None:
        return None
    from datetime import date, datetime

    text = value.strip()
    try:
        if len(text) == 10:
            return date.fromisoformat(text)
        return datetime.fromisoformat(text)
    except ValueError:
        raise click.BadParameter(
            f"{value!r} is not a date: use YYYY-MM-DD or YYYY-MM-DDTHH:MM[+09:00]"
        ) from None


def _month_option(ctx: click.Context, param: click.Parameter, value: str):
    import re

    m = re.match(_MONTH_RE, value.strip())
    if not m or not 1 <= int(m.group(2)) <= 12:
        raise click.BadParameter(f"{value!r} is not a month: use YYYY-MM, e.g. 2026-04")
    return int(m.group(1)), int(m.group(2))


def _instant(value, zone, *, end: bool):
    """Return the aware instant of a --since/--until value: a date means local midnight
    (for --until the end of that day, so the day is included); a naive time is local."""
    from datetime import date, datetime

    from monitor.report import day_bounds

    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=zone)
    if isinstance(value, date):
        start, nxt = day_bounds(datetime(value.year, value.month, value.day), zone)
        return nxt if end else start
    return None


def _open_register(config: Config):
    from monitor.register import Register

    return Register.open_readonly(config.store.path)


@main.command("log")
@config_option
@click.option("--since", callback=_when_option, metavar="DATE",
              help="Only sessions that started on or after DATE (YYYY-MM-DD, local time).")
@click.option("--until", callback=_when_option, metavar="DATE",
              help="Only sessions that started on or before DATE (the whole day is included).")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array instead of a table.")
def log_command(config_path: Path | None, since, until, as_json: bool) -> None:
    """List the register's sessions, newest last (times in the configured zone)."""
    import json

    from monitor.report import log_table, session_json

    config, _ = load_or_exit(config_path)
    zone = config.zone
    with _open_register(config) as reg:
        sessions = reg.sessions(_instant(since, zone, end=False), _instant(until, zone, end=True))
        outbox = reg.alerts_for([s.id for s in sessions])
    if as_json:
        out = [session_json(s, outbox[s.id], zone) for s in sessions]
        click.echo(json.dumps(out, ensure_ascii=False, indent=2))
    elif not sessions:
        click.echo("no sessions recorded" + (" in that period" if since or until else " yet"))
    else:
        click.echo(log_table(sessions, outbox, zone))


@main.command("export")
@config_option
@click.option("--month", required=True, callback=_month_option, metavar="YYYY-MM",
              help="The month to export (in the configured time zone).")
@click.option("--format", "fmt", type=click.Choice(["csv"]), default="csv", show_default=True,
              help="Output format (CSV, UTF-8 with BOM: opens directly in Excel).")
@click.option("--lang", type=click.Choice(["ja", "en"]), default=None,
              help="Column headers and values (default: alerts.language).")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write to FILE instead of standard output.")
def export_command(config_path: Path | None, month, fmt: str, lang: str | None,
                   output: Path | None) -> None:
    """Export one month of the register, one row per session, for printing."""
    import csv
    import io

    from monitor.printout import check_chain, csv_title_rows
    from monitor.printout.command import machine_name
    from monitor.report import export_rows, month_bounds

    config, _ = load_or_exit(config_path)
    zone = config.zone
    start, end = month_bounds(*month, zone)
    with _open_register(config) as reg:
        sessions = reg.sessions(start, end)
        outbox = reg.alerts_for([s.id for s in sessions])
        chain = check_chain(reg)
    buf = io.StringIO()
    language = lang or config.alerts.language
    csv.writer(buf).writerows(csv_title_rows(machine_name(config), *month, chain, language)
                              + export_rows(sessions, outbox, zone, language))
    data = buf.getvalue().encode("utf-8-sig")  # the BOM tells Excel this is UTF-8
    if output is None:
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return
    try:
        output.write_bytes(data)
    except OSError as exc:
        click.echo(f"link-monitor: cannot write {output}: {exc.strerror}", err=True)
        sys.exit(1)
    click.echo(f"{output}: {len(sessions)} session(s) of {month[0]}-{month[1]:02d}", err=True)
    if not chain.ok:
        click.echo(f"BROKEN: {chain.broken_record}: {chain.broken_reason}", err=True)
        sys.exit(1)


def _anchor_option(ctx: click.Context, param: click.Parameter, value: str | None):
    import re

    if value is None:
        return None
    m = re.match(r"^(\d+):([0-9a-fA-F]{64})$", value.strip())
    if not m:
        raise click.BadParameter(f"{value!r}: expected RECORD:HASH as printed by verify, "
                                 "e.g. 1234:9ea5d5aa…(64 hex digits)")
    return int(m.group(1)), m.group(2)


@main.command("verify")
@config_option
@click.option("--anchor", callback=_anchor_option, metavar="RECORD:HASH",
              help="A head noted down earlier (printed by verify): that record must still "
              "carry that hash.")
def verify_command(config_path: Path | None, anchor) -> None:
    """Check the register's hash chain and tables: exit 0 when intact, 1 naming the
    first record that was edited, deleted or inserted."""
    from monitor.errors import ChainBroken

    config, _ = load_or_exit(config_path)
    with _open_register(config) as reg:
        try:
            count = reg.verify(anchor)
        except ChainBroken as exc:
            click.echo(f"BROKEN: {exc.record}: {exc.reason}", err=True)
            click.echo(f"  register {config.store.path}", err=True)
            sys.exit(1)
        seq, head = reg.head()
    click.echo(f"OK: {count} records intact")
    click.echo(f"  register {config.store.path}")
    click.echo(f"  head     {seq}:{head}")
    if anchor:
        click.echo(f"  anchor   {anchor[0]}:{anchor[1].lower()} matches")


# ============================================================ report (printout)


@main.command("report")
@config_option
@click.option("--month", callback=lambda c, p, v: v and _month_option(c, p, v), metavar="YYYY-MM",
              help="The month to print (in the configured time zone).")
@click.option("--year", type=click.IntRange(1970, 9999), default=None, metavar="YYYY",
              help="Print a whole year instead: a summary page, then one page per month.")
@click.option("--lang", type=click.Choice(["ja", "en"]), default=None,
              help="Language of the page (default: alerts.language).")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write to FILE (\"-\": standard output); default report-YYYY-MM.html here.")
def report_command(config_path: Path | None, month, year: int | None, lang: str | None,
                   output: Path | None) -> None:
    """Make the printable register of a month (or --year): one HTML file with a timeline
    picture, the list of connections, a summary and sign-off boxes, for A4 landscape.

    Exit 1 when the register's hash chain is broken (the file is still written, with a
    red banner naming the first broken record)."""
    import getpass

    from monitor.jobs import local_holidays
    from monitor.printout.command import build_report
    from monitor.schedule import Schedule

    if (month is None) == (year is None):
        raise click.UsageError("give either --month YYYY-MM or --year YYYY")
    config, _ = load_or_exit(config_path)
    with _open_register(config) as reg:
        schedule = Schedule(config, holidays=local_holidays(config))
        report = build_report(reg, config, schedule, year=month[0] if month else year,
                              month=month[1] if month else None,
                              language=lang or config.alerts.language,
                              made_by=getpass.getuser(), now=datetime.now(UTC))
    if str(output) == "-":
        sys.stdout.write(report.html)
    else:
        target = output or Path(report.name)
        try:
            target.write_text(report.html, encoding="utf-8")
        except OSError as exc:
            click.echo(f"link-monitor: cannot write {target}: {exc.strerror}", err=True)
            sys.exit(1)
        click.echo(f"{target}: {report.connections} connection(s)", err=True)
    if not report.chain.ok:
        click.echo(f"BROKEN: {report.chain.broken_record}: {report.chain.broken_reason}", err=True)
        sys.exit(1)


# ============================================================ test-alert (alerts)


@main.command("test-alert")
@config_option
@click.option("--lang", "language", type=click.Choice(["ja", "en"]), default=None,
              help="Language of the test message (default: alerts.language).")
def test_alert(config_path: Path | None, language: str | None) -> None:
    """Send a test message through every configured alert destination now.

    Prints one line per destination (passwords hidden); exit 0 when every one
    accepted it, 1 when any failed or none is configured."""
    from monitor.notify import send_test  # apprise is heavy: import only when used

    config, source = load_or_exit(config_path)
    results = send_test(config.alerts, language, zone=config.timezone)
    if not results:
        click.echo(
            f"link-monitor: no alert destination configured in {source}: set alerts.urls, "
            "alerts.config or alerts.credential (see config/link-monitor.toml)",
            err=True,
        )
        sys.exit(1)
    for url, ok, error in results:
        click.echo(f"{'OK' if ok else 'FAILED':<7} {url}" + ("" if ok else f"\n        {error}"))
    failed = sum(1 for _, ok, _ in results if not ok)
    click.echo(f"{len(results) - failed} of {len(results)} destination(s) accepted the test "
               "message" + ("" if not failed else f"; {failed} failed"))
    sys.exit(1 if failed else 0)


# ============================================================ run / status / permit / ack / reload (daemon)


def _daemon_call(config: Config, payload: dict) -> dict:
    """Send one request to the running daemon; on failure print one clear line, exit 1."""
    from monitor.control import DaemonError, request
    from monitor.errors import ControlError

    try:
        return request(config.control.socket, payload)
    except DaemonError as exc:
        click.echo(f"link-monitor: {payload['cmd']} refused: {exc}", err=True)
    except ControlError as exc:
        click.echo(str(exc) if str(exc).startswith("link-monitor") else f"link-monitor: {exc}",
                   err=True)
    sys.exit(1)


@main.command("run")
@config_option
@click.option("-v", "--verbose", is_flag=True, help="Debug logging (timestamps of every step).")
def run_command(config_path: Path | None, verbose: bool) -> None:
    """Run the monitor in the foreground (what the systemd service runs).

    Logs go to stderr (without timestamps under systemd: journald adds them).
    Stop with Ctrl-C or SIGTERM; SIGHUP reloads the config."""
    from monitor.config import resolve_config_path
    from monitor.daemon import prewarm, run_daemon, setup_logging
    from monitor.offload import load_checked

    setup_logging(verbose=verbose)
    path = resolve_config_path(config_path)
    try:
        config, source, holidays = load_checked(path, datetime.now(UTC), prewarm=prewarm)
    except ConfigError as exc:
        _print_config_error(exc)
        sys.exit(EXIT_CONFIG)
    sys.exit(run_daemon(config, source, config_path=path, holidays=holidays))


@main.command("status")
@config_option
@click.option("--json", "as_json", is_flag=True, help="One JSON object (for scripts).")
def status_command(config_path: Path | None, as_json: bool) -> None:
    """Show what the running monitor sees: link, period, lamp, session, outbox."""
    import json

    from monitor.status_text import format_status_report

    config, _ = load_or_exit(config_path)
    reply = _daemon_call(config, {"cmd": "status"})
    reply.pop("ok", None)
    if as_json:
        click.echo(json.dumps(reply, ensure_ascii=False, indent=2))
    else:
        click.echo(format_status_report(reply, config.alerts.language, config.zone))


@main.command("permit")
@config_option
@click.option("--purpose", required=True,
              type=click.Choice(["fee-update", "remote-maintenance", "other"]),
              help="Why the cable is plugged in.")
@click.option("--company", required=True, help="The contractor's company.")
@click.option("--staff", required=True, help="The contractor's staff member.")
@click.option("--for", "duration", default="1h", show_default=True,
              help="Expected duration (\"90m\", \"2h\").")
@click.option("--note", default="", help="Anything else worth recording.")
@click.option("--after-the-fact", is_flag=True,
              help="Record an emergency connection that is already plugged in.")
def permit_command(config_path: Path | None, purpose: str, company: str, staff: str,
                   duration: str, note: str, after_the_fact: bool) -> None:
    """Record a permit before plugging in; you (the OS user) are recorded as its grantor."""
    from monitor.domain.durations import parse_duration
    from monitor.status_text import format_permit_reply

    try:
        parse_duration(duration)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--for") from None
    config, _ = load_or_exit(config_path)
    reply = _daemon_call(config, {"cmd": "permit", "purpose": purpose, "company": company,
                                  "staff": staff, "for": duration, "note": note,
                                  "after_the_fact": after_the_fact})
    click.echo(format_permit_reply(reply, config.alerts.language, config.zone))


@main.command("ack")
@config_option
def ack_command(config_path: Path | None) -> None:
    """Silence the alarm buzzer (the lamp keeps blinking until the cable is out)."""
    config, _ = load_or_exit(config_path)
    reply = _daemon_call(config, {"cmd": "ack"})
    ja = config.alerts.language == "ja"
    if reply.get("silenced"):
        click.echo("ブザーを止めました（ケーブルを抜くまでランプは点滅を続けます）。" if ja
                   else "Buzzer silenced (the lamp keeps blinking until the cable is out).")
    else:
        click.echo(f"止めるブザーはありません（ランプ: {reply.get('pattern')}）。" if ja
                   else f"Nothing to silence (lamp: {reply.get('pattern')}).")


@main.command("reload")
@config_option
def reload_command(config_path: Path | None) -> None:
    """Make the running monitor read its config again (like SIGHUP).

    A config with errors is refused with the reasons (exit 2); the old one stays in force."""
    try:
        config, _ = load(config_path)
    except ConfigError as exc:
        click.echo(f"link-monitor: invalid config {exc.source}:", err=True)
        for problem in exc.problems:
            click.echo(f"  {problem}", err=True)
        click.echo("not reloaded: the running monitor keeps its current config", err=True)
        sys.exit(EXIT_CONFIG)
    reply = _daemon_call(config, {"cmd": "reload"})
    click.echo(f"reloaded {reply.get('reloaded')}")
    if reply.get("restart_needed"):
        click.echo("restart the service for: " + ", ".join(reply["restart_needed"]))



# ============================================================ box (indicator box)


@main.command("box")
@config_option
@click.option(
    "--port",
    default="/dev/ttyGS0",
    show_default=True,
    help="Serial port to the receipt PC (a Pi Zero's USB gadget serial, or a USB-UART adapter).",
)
def box(config_path: Path | None, port: str) -> None:
    """Run the indicator box (on the Raspberry Pi beside the receipt PC).

    Shows the pattern the PC's monitor sends over the serial line on this Pi's
    LED and buzzer (pins and timings: the [indicator] section of the config; the
    pin factory from $GPIOZERO_PIN_FACTORY or the Pi's default). The button
    acknowledges the alarm on the PC. With no valid message for 5 s the box shows
    "lost": a double blink, status LED dark, a chirp once a minute. Runs until
    SIGTERM or Ctrl-C.
    """
    import logging
    import os
    import signal
    import threading

    from monitor.indicator.box import LOST_AFTER, start_box

    config, source = load_or_exit(config_path)
    fmt = "%(levelname)s %(message)s" if os.environ.get("JOURNAL_STREAM") else (
        "%(asctime)s %(levelname)s %(message)s")
    logging.basicConfig(level=logging.INFO, format=fmt)
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    runner, indicator = start_box(config.indicator, port)  # IndicatorError: one line, exit 1
    state = indicator.state()
    click.echo(
        f"link-monitor box {__version__}: {source}; port {port}; indicator {state['kind']}"
        + (f" ({state['pin_factory']})" if state.get("pin_factory") else "")
        + f"; lost after {LOST_AFTER:g}s without a message",
        err=True,
    )
    try:
        while not stop.wait(1.0):
            pass
    finally:
        runner.close()
        indicator.close()
    click.echo("link-monitor box: stopped", err=True)




# ============================================================ end of commands
