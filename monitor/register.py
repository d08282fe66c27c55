"""SQLite store: schema + migrations, sessions, events, permits, outbox, hash chain.

CONTRACT (implemented in the register issue; the daemon and notify rely on it):

    Register(path)                            open/create, WAL, synchronous=FULL, migrate
    .close() / context manager
    .record_link_event(obs: LinkObserved)
    .open_session(s: Session) / .update_session(s) / .close_session(s)
    .current_session() -> Session | None      the open session (for restart safety)
    .add_permit(p: Permit) -> Permit          with id
    .valid_permits(now) -> list[Permit]       granted, unexpired, not yet linked
    .record_transition(t: Transition)
    .enqueue_alert(alert: Alert, title: str, body: str) -> int | None
                                              None when alert.key is already queued (idempotent)
    .claim_due_alerts(now, limit) -> list[OutboxRow]   conditional update: claimed once
    .record_attempt(id, ok, error, duration_s, next_attempt_at, delivered_at)
    .retry_all_now(now)                       a link came up: mail may leave now
    .outbox_summary() -> dict                 {"pending": n, "failed": n, "last_error": str|None}
    .sessions(since=None, until=None) -> list[Session]
    .set_last_seen(at)                        heartbeat of the daemon (for RECOVERED end times)
    .verify() -> int                          count of intact records; raise ChainBroken
"""

from __future__ import annotations
