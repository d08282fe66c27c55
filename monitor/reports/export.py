"""The monthly CSV (``link-monitor export``): one row per session, header first, values
translated into Japanese (``lang="ja"``) or kept as identifiers in English."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, tzinfo

from monitor.domain.enums import AlertKind, OutboxState
from monitor.domain.model import Ack, Session, WorkReport
from monitor.domain.outbox import OutboxRow
from monitor.reports.log import ack_text, report_words
from monitor.reports.views import duration_s, session_alerts
from monitor.texts import t

COLUMNS = (
    "no",
    "start",
    "end",
    "duration",
    "interfaces",
    "verdict",
    "purpose",
    "company",
    "staff",
    "granted_by",
    "after_the_fact",
    "note",
    "alerts",
    "bytes_sent",
    "bytes_received",
    "end_reason",
    "record_id",
    "attendant",
    "acks",
    "report",
)


def _hms(seconds: float | None) -> str:
    """Return ``H:MM:SS`` (Excel reads it as a time), or "" for an open session."""
    if seconds is None:
        return ""
    h, rest = divmod(int(seconds), 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}"


def _alert_names(s: Session, rows: Sequence[OutboxRow], lang: str) -> list[str]:
    ja = lang == "ja"
    names = []
    for a in session_alerts(s, rows):
        kind = AlertKind(a["kind"])
        name = t(lang, f"alerts.kind.{kind}") if ja else str(kind)
        if a["reminder"]:
            name += t(lang, "alerts.reminder", n=a["reminder"])
        sent = a["state"] == OutboxState.DELIVERED
        name += t(lang, "reports.alert.sent" if sent else "reports.alert.not_sent")
        names.append(name)
    return names


def _end_reason(s: Session, lang: str) -> str:
    if not s.end_reason:
        return t(lang, "reports.open")
    return t(lang, f"alerts.end.{s.end_reason}") if lang == "ja" else str(s.end_reason)


def _permit_cells(s: Session, lang: str) -> list[str]:
    p = s.permit
    if p is None:
        return ["", "", "", "", "", ""]
    return [
        t(lang, f"alerts.purpose.{p.purpose}"),
        p.company,
        p.staff,
        p.granted_by,
        t(lang, "alerts.yes") if p.after_the_fact else "",
        p.note,
    ]


def _row(
    n: int,
    s: Session,
    rows: Sequence[OutboxRow],
    zone: tzinfo,
    lang: str,
    acks: Sequence[Ack] = (),
    report: WorkReport | None = None,
) -> list[str]:
    def when(at: datetime | None) -> str:
        return at.astimezone(zone).strftime("%Y/%m/%d %H:%M:%S") if at else ""

    sep = t(lang, "reports.separator")
    verdicts = [t(lang, f"alerts.verdict.{v}") if lang == "ja" else str(v) for v in s.verdicts]
    ended = when(s.ended_at)
    if s.ended_by is not None:  # ended while the monitor was down: the exact time is unknown
        ended = t(lang, "reports.between", first=ended, last=when(s.ended_by))
    return [
        str(n),
        when(s.started_at),
        ended,
        _hms(duration_s(s)),
        " ".join(sorted(s.interfaces)),
        sep.join(verdicts),
        *_permit_cells(s, lang),
        sep.join(_alert_names(s, rows, lang)),
        str(s.bytes_sent),
        str(s.bytes_received),
        _end_reason(s, lang),
        s.id,
        s.permit.attendant if s.permit else "",
        sep.join(ack_text(a, when(a.at), lang) for a in acks),
        report_words(s, report, lang) if s.ended_at or report else "",
    ]


def export_rows(
    sessions: Sequence[Session],
    outbox: Mapping[str, Sequence[OutboxRow]],
    zone: tzinfo,
    lang: str = "ja",
    acks: Mapping[str, Sequence[Ack]] | None = None,
    reports: Mapping[str, WorkReport] | None = None,
) -> list[list[str]]:
    """Return the monthly CSV as rows, header first, one row per session (oldest first);
    values translated with ``lang="ja"``."""
    lang = "ja" if lang == "ja" else "en"
    rows = [[t(lang, f"reports.csv.{column}") for column in COLUMNS]]
    for n, s in enumerate(sessions, start=1):
        rows.append(
            _row(
                n,
                s,
                outbox.get(s.id, []),
                zone,
                lang,
                (acks or {}).get(s.id, ()),
                (reports or {}).get(s.id),
            )
        )
    return rows
