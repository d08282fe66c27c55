"""``test-alert``: send a test message through every configured destination now."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from monitor.cli.common import config_option, load_checked_or_exit, say


@click.command("test-alert")
@config_option
@click.option(
    "--lang",
    "language",
    type=click.Choice(["ja", "en"]),
    default=None,
    help="Language of the test message (default: alerts.language).",
)
def test_alert(config_path: Path | None, language: str | None) -> None:
    """Send a test message through every configured alert destination now.

    Prints one line per destination (passwords hidden); exit 0 when every one
    accepted it, 1 when any failed or none is configured."""
    from monitor.alerts.sender import send_test  # apprise is heavy: import only when used

    config, source = load_checked_or_exit(config_path)
    results = send_test(config.alerts, language, zone=config.timezone)
    if not results:
        click.echo(say("alert.no_destination", source=source), err=True)
        sys.exit(1)
    for url, ok, error in results:
        click.echo(say("alert.ok", url=url) if ok else say("alert.failed", url=url, error=error))
    failed = sum(1 for _, ok, _ in results if not ok)
    summary = say("alert.summary", accepted=len(results) - failed, n=len(results))
    click.echo(summary + (say("alert.some_failed", failed=failed) if failed else ""))
    sys.exit(1 if failed else 0)
