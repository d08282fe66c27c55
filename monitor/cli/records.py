"""The register for people: ``log``, ``export`` (the monthly CSV) and ``verify``."""

from __future__ import annotations

import re
import sys
from datetime import date, datetime, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from monitor.cli.common import config_option, load_or_exit, say
from monitor.cli.words import language
from monitor.compat import fromisoformat
from monitor.texts import t

if TYPE_CHECKING:
    from monitor.config import Config
    from monitor.domain.model import Session
    from monitor.domain.outbox import OutboxRow
    from monitor.printout import ChainCheck
    from monitor.register import Register

_MONTH_RE = r"^(\d{4})-(\d{2})$"


def _when_option(
    ctx: click.Context, param: click.Parameter, value: str | None
) -> date | datetime | None:
    """Parse ``YYYY-MM-DD`` (a local day) or an ISO 8601 date-time; exit 2 naming the option."""
    if value is None:
        return None
    text = value.strip()
    try:
        if len(text) == 10:
            return date.fromisoformat(text)
        return fromisoformat(text)
    except ValueError:
        raise click.BadParameter(say("records.bad_date", value=value)) from None


def month_option(ctx: click.Context, param: click.Parameter, value: str) -> tuple[int, int]:
    m = re.match(_MONTH_RE, value.strip())
    if not m or not 1 <= int(m.group(2)) <= 12:
        raise click.BadParameter(say("records.bad_month", value=value))
    return int(m.group(1)), int(m.group(2))


def _anchor_option(
    ctx: click.Context, param: click.Parameter, value: str | None
) -> tuple[int, str] | None:
    if value is None:
        return None
    m = re.match(r"^(\d+):([0-9a-fA-F]{64})$", value.strip())
    if not m:
        raise click.BadParameter(say("records.bad_anchor", value=value))
    return int(m.group(1)), m.group(2)


def _instant(value: date | datetime | None, zone: tzinfo, *, end: bool) -> datetime | None:
    """Return the aware instant of a --since/--until value: a date means local midnight
    (for --until the end of that day, so the day is included); a naive time is local."""
    from monitor.reports.days import day_bounds

    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=zone)
    if isinstance(value, date):
        start, nxt = day_bounds(datetime(value.year, value.month, value.day), zone)
        return nxt if end else start
    return None


def open_register(config: Config) -> Register:
    """Return the register opened read-only. When it is gone but its witness says the
    monitor had one, say so (not "no register yet") and exit 1."""
    from monitor.register import Register, read_witness

    path = config.store.path
    try:
        missing = not path.exists()
    except OSError:  # e.g. a folder this user may not enter: open_readonly says so
        missing = False
    if missing:
        witness = read_witness(path)
        if witness is not None:
            click.echo(
                t(language(), "register.missing", path=path, seq=witness.seq, head=witness.hash),
                err=True,
            )
            click.echo(t(language(), "register.missing_todo"), err=True)
            sys.exit(1)
    return Register.open_readonly(path)


def check_first(reg: Register, since: datetime | None = None) -> tuple[str, str] | None:
    """Verify ``reg`` before printing from it (with ``since``: only the part the
    sessions from ``since`` on rest on); return ``(record, reason)`` of the first
    broken record, or None when intact. (A damaged file raises RegisterDamaged.)"""
    from monitor.errors import ChainBroken

    try:
        if since is None:
            reg.verify()
        else:
            reg.verify_period(since)
    except ChainBroken as exc:
        return exc.record, exc.reason
    return None


def write_or_exit(target: Path, data: bytes) -> None:
    """Write ``data`` to the file ``target`` (``--output``); when it cannot be written,
    say which file and why, and exit 1."""
    try:
        target.write_bytes(data)
    except OSError as exc:
        click.echo(say("records.cannot_write", path=target, error=exc.strerror), err=True)
        sys.exit(1)


def exit_if_broken(chain: ChainCheck) -> None:
    """After a printout: when the chain it rests on is broken, name the first broken
    record and exit 1 (a printout of a broken chain never exits 0)."""
    if not chain.ok:
        click.echo(
            say("records.broken", record=chain.broken_record, reason=chain.broken_reason), err=True
        )
        sys.exit(1)


@click.command("log")
@config_option
@click.option(
    "--since",
    callback=_when_option,
    metavar="DATE",
    help="Only sessions that started on or after DATE (YYYY-MM-DD, local time).",
)
@click.option(
    "--until",
    callback=_when_option,
    metavar="DATE",
    help="Only sessions that started on or before DATE (the whole day is included).",
)
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array instead of a table.")
@click.option(
    "--media", "media", is_flag=True, help="List the removable media records instead of sessions."
)
def log_command(
    config_path: Path | None, since: Any, until: Any, as_json: bool, media: bool
) -> None:
    """List the register's sessions, newest last (times in the configured zone)."""
    import json

    from monitor.reports.log import log_table
    from monitor.reports.views import session_json

    config, _ = load_or_exit(config_path)
    zone = config.zone
    if media:
        from monitor.cli.media import print_media_log

        print_media_log(
            config, _instant(since, zone, end=False), _instant(until, zone, end=True), as_json
        )
        return
    start, end = _instant(since, zone, end=False), _instant(until, zone, end=True)
    with open_register(config) as reg:
        broken = check_first(reg, start)
        sessions = reg.sessions(start, end)
        ids = [s.id for s in sessions]
        outbox = reg.alerts_for(ids)
        acks, reports = reg.acks_for(ids), reg.work_reports_for(ids)
    if broken is not None:
        # At the top of what is printed (on stderr with --json: the JSON stays JSON).
        warning = t(language(), "register.broken_top", record=broken[0], reason=broken[1])
        click.echo(warning, err=as_json)
    if as_json:
        out = [
            session_json(s, outbox[s.id], zone, acks.get(s.id, ()), reports.get(s.id))
            for s in sessions
        ]
        click.echo(json.dumps(out, ensure_ascii=False, indent=2))
    elif not sessions:
        click.echo(say("records.none_in_period" if since or until else "records.none_yet"))
    else:
        click.echo(log_table(sessions, outbox, zone, config.alerts.language, acks, reports))
    if broken is not None:
        sys.exit(1)


@click.command("export")
@config_option
@click.option(
    "--month",
    required=True,
    callback=month_option,
    metavar="YYYY-MM",
    help="The month to export (in the configured time zone).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["csv"]),
    default="csv",
    show_default=True,
    help="Output format (CSV, UTF-8 with BOM: opens directly in Excel).",
)
@click.option(
    "--lang",
    type=click.Choice(["ja", "en"]),
    default=None,
    help="Column headers and values (default: alerts.language).",
)
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write to FILE instead of standard output.",
)
def export_command(
    config_path: Path | None,
    month: tuple[int, int],
    fmt: str,
    lang: str | None,
    output: Path | None,
) -> None:
    """Export one month of the register, one row per session, for printing."""
    from monitor.printout import check_chain
    from monitor.reports.days import month_bounds

    config, _ = load_or_exit(config_path)
    start, end = month_bounds(*month, config.zone)
    with open_register(config) as reg:
        sessions = reg.sessions(start, end)
        ids = [s.id for s in sessions]
        outbox = reg.alerts_for(ids)
        extra = (reg.acks_for(ids), reg.work_reports_for(ids))
        chain = check_chain(reg, start, end)
    data = _csv_bytes(config, month, chain, sessions, outbox, lang or config.alerts.language, extra)
    if output is None:
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
    else:
        write_or_exit(output, data)
        click.echo(
            say("records.exported", path=output, n=len(sessions), year=month[0], month=month[1]),
            err=True,
        )
    exit_if_broken(chain)  # to standard output too


def _csv_bytes(
    config: Config,
    month: tuple[int, int],
    chain: ChainCheck,
    sessions: list[Session],
    outbox: dict[str, list[OutboxRow]],
    language: str,
    extra: tuple[Any, Any] = ({}, {}),
) -> bytes:
    """Return the monthly CSV file: title lines, header, one row per session."""
    import csv
    import io

    from monitor.printout import csv_title_rows
    from monitor.printout.command import machine_name
    from monitor.reports.export import export_rows

    buf = io.StringIO()
    title = csv_title_rows(machine_name(config), *month, chain, language)
    csv.writer(buf).writerows(title + export_rows(sessions, outbox, config.zone, language, *extra))
    return buf.getvalue().encode("utf-8-sig")  # the BOM tells Excel this is UTF-8


@click.command("verify")
@config_option
@click.option(
    "--anchor",
    callback=_anchor_option,
    metavar="RECORD:HASH",
    help="A head noted down earlier (printed by verify): that record must still carry that hash.",
)
def verify_command(config_path: Path | None, anchor: tuple[int, str] | None) -> None:
    """Check the register's hash chain and tables: exit 0 when intact, 1 naming the
    first record that was edited, deleted or inserted."""
    from monitor.errors import ChainBroken
    from monitor.register import read_witness, witness_path

    config, _ = load_or_exit(config_path)
    path = config.store.path
    witness = read_witness(path)  # before the snapshot: it can only be older than it
    try:
        with open_register(config) as reg:  # opening can say a version was set back
            count = reg.verify(anchor)
            if witness is not None:  # the head the monitor last noted, beside the file
                reg.check_anchor(witness.seq, witness.hash)
            seq, head = reg.head()
    except ChainBroken as exc:
        click.echo(say("records.broken", record=exc.record, reason=exc.reason), err=True)
        click.echo(say("records.register", path=path), err=True)
        sys.exit(1)
    click.echo(say("records.intact", n=count))
    click.echo(say("records.register", path=path))
    click.echo(say("records.head", seq=seq, head=head))
    if anchor:
        click.echo(say("records.anchor", seq=anchor[0], head=anchor[1].lower()))
    if witness is not None:
        where = witness_path(path)
        click.echo(
            t(language(), "register.witness", seq=witness.seq, head=witness.hash, path=where)
        )
