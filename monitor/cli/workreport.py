"""``work-report``: after a session, record what was done, whether personal data was
accessed and whether data brought in or out was erased; the daemon checks it against
the permit's plan (MHLW guideline 6.0, システム運用編 §10).

Questions one by one, or options for scripts. A quick command (``monitor.cli.client``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from monitor.cli.client import daemon_call, quick_or_exit, zone_or_exit
from monitor.cli.common import config_option
from monitor.cli.permit import ask_number
from monitor.cli.words import say

ERASED = ("yes", "no", "none")
YES_NO = click.Choice(["yes", "no"])


def _pick(status: dict[str, Any], session: str | None) -> dict[str, Any] | None:
    """Return the unreported session ``session`` names (the newest without one)."""
    waiting = status.get("unreported")
    if not isinstance(waiting, list) or not waiting:
        return None
    if session is None:
        return dict(waiting[-1])
    return next((dict(s) for s in waiting if s.get("id") == session), {"id": session})


def _introduce(target: dict[str, Any], lang: str, zone: Any) -> None:
    from monitor.reports.status import local, permit_words

    click.echo(
        say(
            "cli.report.intro",
            id=target.get("id"),
            started=local(target.get("started_at"), zone),
            ended=local(target.get("ended_at"), zone, date=False),
        )
    )
    permit = target.get("permit")
    if permit:
        click.echo(say("cli.report.plan", permit=permit_words(permit, lang, zone)))
    elif "started_at" in target:
        click.echo(say("cli.report.no_permit"))


def _yes(text: str) -> bool:
    return bool(click.confirm(say(text), default=None))


def ask_report() -> dict[str, Any]:
    """Ask the report's questions one by one; return the request's fields."""
    fields: dict[str, Any] = {}
    fields["done"] = click.prompt(say("cli.report.done")).strip()
    fields["personal_data"] = _yes("cli.report.personal_data")
    click.echo(say("cli.report.erased_list"))
    for i, value in enumerate(ERASED, 1):
        click.echo(f"  {i}. {say(f'words.erased.{value}')}")
    number = ask_number("cli.report.erased", len(ERASED))
    fields["erased"] = ERASED[number - 1]
    fields["as_planned"] = _yes("cli.report.as_planned")
    key = "cli.report.note" if fields["as_planned"] else "cli.report.note_required"
    fields["note"] = str(
        click.prompt(say(key), default="" if fields["as_planned"] else None, show_default=False)
    ).strip()
    return fields


def _given(
    done: str | None, personal: str | None, erased: str | None, planned: str | None, note: str
) -> dict[str, Any]:
    for value, name in (
        (done, "--done"),
        (personal, "--personal-data"),
        (erased, "--erased"),
        (planned, "--as-planned"),
    ):
        if value is None:
            raise click.UsageError(say("cli.missing", name=name))
    if planned == "no" and not note.strip():
        raise click.UsageError(say("cli.report.note_deviation"))
    return {
        "done": done,
        "personal_data": personal == "yes",
        "erased": erased,
        "as_planned": planned == "yes",
        "note": note.strip(),
    }


def _summary(fields: dict[str, Any]) -> str:
    yes_no = {True: say("words.yes"), False: say("words.no")}
    rows = [
        ("done", fields["done"]),
        ("personal_data", yes_no[fields["personal_data"]]),
        ("erased_list", say(f"words.erased.{fields['erased']}")),
        ("as_planned", yes_no[fields["as_planned"]]),
        ("note", fields["note"] or say("cli.none")),
    ]
    return "\n".join(
        say("cli.permit.row", label=say(f"cli.report.label.{k}"), value=v) for k, v in rows
    )


@click.command("work-report")
@config_option
@click.option("--session")
@click.option("--done")
@click.option("--personal-data", type=YES_NO)
@click.option("--erased", type=click.Choice(ERASED))
@click.option("--as-planned", type=YES_NO)
@click.option("--note", default="")
@click.option("--yes", "-y", is_flag=True)
def work_report_command(
    config_path: Path | None,
    session: str | None,
    done: str | None,
    personal_data: str | None,
    erased: str | None,
    as_planned: str | None,
    note: str,
    yes: bool,
) -> None:
    """Record the work report of a finished session: what was done, whether personal data
    was accessed, whether data brought in or out was erased, checked against the permit's
    plan."""
    from monitor.reports.status import format_report_reply

    config = quick_or_exit(config_path)
    zone = zone_or_exit(config)
    target = _pick(daemon_call(config.socket, {"cmd": "status"}), session)
    if target is None and session is None:
        click.echo(say("cli.report.nothing"))
        return
    target = target or {"id": session}
    _introduce(target, config.language, zone)
    interactive = done is None and personal_data is None and erased is None
    if interactive:
        fields = ask_report()
    else:
        fields = _given(done, personal_data, erased, as_planned, note)
    if interactive and not yes:
        click.echo(say("cli.permit.check"))
        click.echo(_summary(fields))
        if not click.confirm(say("cli.report.confirm"), default=True):
            click.echo(say("cli.report.not_recorded"))
            return
    reply = daemon_call(config.socket, {"cmd": "report", "session": target["id"], **fields})
    click.echo(format_report_reply(reply, config.language, zone))
