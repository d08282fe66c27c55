"""Renders alerts (ja/en) and drains the outbox through apprise, with retries.

CONTRACT (implemented in the register/alerts issue):

    render(alert: Alert, *, language, machine, zone) -> tuple[str, str]   (title, body)
        title starts with "[<kind>]" so mail rules can route it
    class OutboxWorker:
        __init__(register, alerts_config, *, clock=None)
        async run()            until cancelled: claim due rows, send, record, back off
        kick()                 a new row or a link came up: look now
        status() -> dict
    send_test(alerts_config) -> list[(url_redacted, ok, error)]
"""

from __future__ import annotations
