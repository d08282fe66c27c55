"""The ledger of removable media: ``media add``, ``media list``, ``media retire``;
and the media records of ``log --media``.

The ledger is written straight into the register (chained, like everything there):
the running monitor looks a stick's serial up at each insertion, so a stick
registered now counts as registered from its next insertion. Replies follow
``alerts.language`` (the people at the PC read them).
"""

from __future__ import annotations

import getpass
import json
import os
import sys
from datetime import datetime, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click

from monitor.cli.common import config_option, load_or_exit
from monitor.texts import t

if TYPE_CHECKING:
    from monitor.domain.media import MediaObserved, Medium, RegisteredMedium

EXIT_REFUSED = 1


def _user() -> str:
    """Return who runs the command: the user behind sudo, else the OS user."""
    return os.environ.get("SUDO_USER") or getpass.getuser()


def _fail(text: str) -> NoReturn:
    click.echo(text, err=True)
    sys.exit(EXIT_REFUSED)


def _local(at: datetime | None, zone: tzinfo) -> str:
    return at.astimezone(zone).strftime("%Y-%m-%d %H:%M") if at is not None else ""


def _pick(L: str, serial: str | None, sys_root: Path) -> tuple[str, Medium | None]:
    """Return the serial to register and the medium plugged in now that has it (if any)."""
    from monitor.media import present_media

    present = present_media(sys_root)
    if serial is not None:
        return serial, next((m for m in present if m.serial == serial), None)
    if not present:
        _fail(t(L, "media.err.none_present"))
    if len(present) > 1:
        serials = ", ".join(m.serial or f"/dev/{m.device}" for m in present)
        _fail(t(L, "media.err.several_present", n=len(present), serials=serials))
    medium = present[0]
    if not medium.serial:
        _fail(t(L, "media.err.no_serial", device=f"/dev/{medium.device}"))
    return medium.serial, medium


def medium_json(m: RegisteredMedium, zone: tzinfo) -> dict[str, Any]:
    """Return a ledger entry as ``media list --json`` prints it (see the README)."""

    def iso(at: datetime | None) -> str | None:
        return at.astimezone(zone).isoformat() if at is not None else None

    return {
        "serial": m.serial,
        "label": m.label,
        "holder": m.holder,
        "purpose": m.purpose,
        "vendor": m.vendor,
        "model": m.model,
        "size_bytes": m.size_bytes,
        "registered_at": iso(m.registered_at),
        "registered_by": m.registered_by,
        "retired_at": iso(m.retired_at),
        "retire_reason": str(m.retire_reason) if m.retire_reason else None,
        "erasure": m.erasure or None,
        "retired_by": m.retired_by or None,
    }


@click.group("media")
def media() -> None:
    """Keep the ledger of registered USB sticks and cards (add, list, retire)."""


@media.command("add")
@config_option
@click.option("--label", required=True, help="The medium's name in the ledger (バックアップ1).")
@click.option("--holder", required=True, help="Who keeps it.")
@click.option("--purpose", required=True, help="What it is used for.")
@click.option(
    "--serial", default=None, help="Register this serial number instead of the plugged-in stick."
)
@click.option(
    "--sys", "sys_root", default="/sys", hidden=True, type=click.Path(path_type=Path)
)  # tests: a fixture tree
def add_command(
    config_path: Path | None,
    label: str,
    holder: str,
    purpose: str,
    serial: str | None,
    sys_root: Path,
) -> None:
    """Register the USB stick plugged in now (or the one with --serial) in the ledger."""
    from dataclasses import replace

    from monitor.compat import UTC
    from monitor.domain.media import RegisteredMedium
    from monitor.register import Register
    from monitor.register.media import MediaError

    config, _ = load_or_exit(config_path)
    L = config.alerts.language
    for what, value in (("--label", label), ("--holder", holder), ("--purpose", purpose)):
        if not value.strip():
            _fail(t(L, "media.err.empty", what=what))
    chosen, medium = _pick(L, serial.strip() if serial is not None else None, sys_root)
    if not chosen:
        _fail(t(L, "media.err.empty", what="--serial"))
    entry = RegisteredMedium(
        serial=chosen,
        label=label.strip(),
        holder=holder.strip(),
        purpose=purpose.strip(),
        registered_at=datetime.now(UTC),
        registered_by=_user(),
    )
    if medium is not None:
        entry = replace(
            entry, vendor=medium.vendor, model=medium.model, size_bytes=medium.size_bytes
        )
    with Register(config.store.path) as reg:
        old = reg.medium_by_serial(chosen)
        if old is not None and old.active:
            _fail(t(L, "media.err.already", serial=chosen, label=old.label))
        try:
            reg.register_medium(entry)
        except MediaError as exc:
            _fail(str(exc))
    click.echo(t(L, "media.add.done", label=entry.label, serial=chosen))


@media.command("list")
@config_option
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array instead of a table.")
def list_command(config_path: Path | None, as_json: bool) -> None:
    """List the ledger: every medium ever registered, retired ones included."""
    from monitor.register import Register

    config, _ = load_or_exit(config_path)
    L, zone = config.alerts.language, config.zone
    with Register.open_readonly(config.store.path) as reg:
        entries = reg.media()
    if as_json:
        click.echo(
            json.dumps([medium_json(m, zone) for m in entries], ensure_ascii=False, indent=2)
        )
        return
    if not entries:
        click.echo(t(L, "media.list.empty"))
        return
    lines = [t(L, "media.list.header")]
    for m in entries:
        state = t(L, "media.list.active")
        if not m.active:
            reason = t(L, f"media.reason.{m.retire_reason}")
            state = t(L, "media.list.retired", at=_local(m.retired_at, zone), reason=reason)
        cells = (m.label, m.serial, m.holder, m.purpose, _local(m.registered_at, zone), state)
        lines.append("\t".join(cells))
    click.echo("\n".join(lines))


@media.command("retire")
@config_option
@click.option("--serial", required=True, help="The serial number of the medium to retire.")
@click.option(
    "--reason",
    required=True,
    type=click.Choice(["lost", "broken", "disposed"]),
    help="Why it is no longer used.",
)
@click.option(
    "--erasure",
    default="",
    help="For disposed: how the data was erased (e.g. overwritten 3 times with zeros).",
)
def retire_command(config_path: Path | None, serial: str, reason: str, erasure: str) -> None:
    """Mark a registered medium retired (lost, broken, disposed); it stays in the ledger."""
    from monitor.compat import UTC
    from monitor.domain.media import RetireReason
    from monitor.register import Register
    from monitor.register.media import MediaError

    config, _ = load_or_exit(config_path)
    L = config.alerts.language
    why = RetireReason(reason)
    if why is RetireReason.DISPOSED and not erasure.strip():
        _fail(t(L, "media.err.erasure"))
    with Register(config.store.path) as reg:
        old = reg.medium_by_serial(serial)
        if old is None or not old.active:
            _fail(t(L, "media.err.unknown", serial=serial))
        try:
            done = reg.retire_medium(serial, why, datetime.now(UTC), _user(), erasure)
        except MediaError as exc:
            _fail(str(exc))
    click.echo(
        t(
            L,
            "media.retire.done",
            label=done.label,
            serial=serial,
            reason=t(L, f"media.reason.{why}"),
        )
    )


def event_json(e: MediaObserved, zone: tzinfo) -> dict[str, Any]:
    """Return a media record as ``log --media --json`` prints it (see the README)."""
    out = e.as_dict()
    out["at"] = e.at.astimezone(zone).isoformat()
    return out


def print_media_log(
    config: Any, since: datetime | None, until: datetime | None, as_json: bool
) -> None:
    """Print the media records at ``[since, until)`` (``log --media``)."""
    from monitor.register import Register

    L, zone = config.alerts.language, config.zone
    with Register.open_readonly(config.store.path) as reg:
        events = reg.media_events(since, until)
    if as_json:
        click.echo(json.dumps([event_json(e, zone) for e in events], ensure_ascii=False, indent=2))
        return
    if not events:
        click.echo(t(L, "media.log.empty"))
        return
    lines = [t(L, "media.log.header")]
    for e in events:
        m = e.medium
        cells = (
            e.at.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S"),
            t(L, f"media.action.{e.action}"),
            f"/dev/{m.device}",
            m.serial or t(L, "media.no_serial"),
            e.label or t(L, "media.unregistered"),
            " ".join(x for x in (m.vendor, m.model) if x),
        )
        lines.append("\t".join(cells))
    click.echo("\n".join(lines))
