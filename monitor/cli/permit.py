"""``permit``: record a permit before plugging in (questions one by one, or options for
scripts), or ``permit --cancel`` one that waits or covers the current session.

A quick command: no pydantic, no asyncio (``monitor.cli.client``).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from monitor.cli.client import daemon_call, quick_or_exit, zone_or_exit
from monitor.cli.common import quick_config_option
from monitor.cli.words import say

PURPOSES = ("fee-update", "remote-maintenance", "other")


def _duration(value: str) -> str:
    """Return ``value`` if it is a duration the daemon takes; raise BadParameter otherwise."""
    from monitor.domain.durations import parse_duration

    try:
        parse_duration(value)
    except ValueError:
        raise click.BadParameter(say("cli.permit.bad_duration", value=value)) from None
    return value


def _text(value: str) -> str:
    value = value.strip()
    if not value:
        raise click.BadParameter(say("cli.permit.empty"))
    return value


def _ask(key: str, *, default: str | None = None, proc: Any = _text) -> str:
    return str(
        click.prompt(
            say(f"cli.ask.{key}"), default=default, value_proc=proc, show_default=bool(default)
        )
    )


def ask_number(key: str, count: int, default: int | None = None) -> int:
    """Ask for one of the numbers 1..``count`` of a list; ask again until one is given."""

    def number(value: str) -> int:
        try:
            n = int(str(value).strip())
        except ValueError:
            n = 0
        if not 1 <= n <= count:
            raise click.BadParameter(say("cli.ask.number", count=count))
        return n

    return int(click.prompt(say(key), default=default, value_proc=number))


def ask_permit() -> dict[str, Any]:
    """Ask the permit's questions one by one on the terminal; return the request's fields."""
    click.echo(say("cli.ask.intro"))
    click.echo(say("cli.ask.purpose_list"))
    for i, purpose in enumerate(PURPOSES, 1):
        click.echo(f"  {i}. {say(f'words.purpose.{purpose}')}")
    number = ask_number("cli.ask.purpose", len(PURPOSES), 1)
    fields = {"purpose": PURPOSES[number - 1]}
    fields["company"] = _ask("company")
    fields["staff"] = _ask("staff")
    fields["attendant"] = _ask("attendant")
    fields["for"] = _ask("duration", default="1h", proc=_duration)
    if fields["purpose"] == "other":
        fields["note"] = _ask("note_other")  # "other" says what in the note
    else:
        fields["note"] = _ask("note", default="", proc=str.strip)
    return fields


def summary(fields: dict[str, Any]) -> str:
    """Return the permit's fields as people read them, one per line (before confirming)."""
    rows = [
        ("purpose", say(f"words.purpose.{fields['purpose']}")),
        ("company", fields["company"]),
        ("staff", fields["staff"]),
        ("attendant", fields.get("attendant") or say("cli.none")),
        ("duration", fields["for"]),
        ("note", fields.get("note") or say("cli.none")),
    ]
    return "\n".join(say("cli.permit.row", label=say(f"cli.permit.{k}"), value=v) for k, v in rows)


def _given(purpose: str | None, company: str | None, staff: str | None) -> dict[str, Any]:
    """Return the fields given as options; raise UsageError naming the first missing one."""
    for value, name in ((purpose, "--purpose"), (company, "--company"), (staff, "--staff")):
        if value is None:
            raise click.UsageError(say("cli.missing", name=name))
    return {"purpose": purpose, "company": company, "staff": staff}


@click.command("permit")
@quick_config_option
@click.option("--purpose", type=click.Choice(PURPOSES))
@click.option("--company")
@click.option("--staff")
@click.option("--attendant", default="")
@click.option("--for", "duration", default="1h", show_default=True)
@click.option("--note", default="")
@click.option("--after-the-fact", is_flag=True)
@click.option("--cancel", is_flag=True)
@click.option("--yes", "-y", is_flag=True)
def permit_command(
    config_path: Path | None,
    purpose: str | None,
    company: str | None,
    staff: str | None,
    attendant: str,
    duration: str,
    note: str,
    after_the_fact: bool,
    cancel: bool,
    yes: bool,
) -> None:
    """Record a permit before plugging in; your login is recorded as its grantor."""
    from monitor.reports.status import format_cancel_reply, format_permit_reply

    config = quick_or_exit(config_path)
    zone = zone_or_exit(config)
    if cancel:
        reply = daemon_call(config.socket, {"cmd": "cancel"})
        click.echo(format_cancel_reply(reply, config.language, zone))
        return
    if purpose is None and company is None and staff is None:
        fields = ask_permit()
    else:
        fields = _given(purpose, company, staff)
        fields.update(attendant=attendant.strip(), note=note.strip())
        fields["for"] = _duration(duration)
        if purpose == "other" and not fields["note"]:
            raise click.UsageError(say("cli.permit.note_other"))
    fields["after_the_fact"] = after_the_fact
    if not yes and (purpose is None or sys.stdin.isatty()):
        click.echo(say("cli.permit.check"))
        click.echo(summary(fields))
        if not click.confirm(say("cli.permit.confirm"), default=True):
            click.echo(say("cli.permit.not_recorded"))
            return
    reply = daemon_call(config.socket, {"cmd": "permit", **fields})
    click.echo(format_permit_reply(reply, config.language, zone))
