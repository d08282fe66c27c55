"""Texts of the register as people read it: the monthly CSV (``export``).

Verdict, purpose, end-reason and alert-kind names are the alert texts' own
(``alerts.verdict.*`` ...): one vocabulary for the council.
"""

from __future__ import annotations

JA: dict[str, str] = {
    "csv.no": "番号",
    "csv.start": "開始日時",
    "csv.end": "終了日時",
    "csv.duration": "接続時間",
    "csv.interfaces": "インターフェース",
    "csv.verdict": "判定",
    "csv.purpose": "目的",
    "csv.company": "業者名",
    "csv.staff": "担当者",
    "csv.granted_by": "許可者",
    "csv.after_the_fact": "事後届出",
    "csv.note": "備考",
    "csv.alerts": "警報",
    "csv.bytes_sent": "送信バイト",
    "csv.bytes_received": "受信バイト",
    "csv.end_reason": "終了理由",
    "csv.record_id": "記録ID",
    "alert.sent": "・送信済",
    "alert.not_sent": "・未送信",
    "open": "接続中",
    "separator": "、",
}

EN: dict[str, str] = {
    "csv.no": "No.",
    "csv.start": "Start",
    "csv.end": "End",
    "csv.duration": "Duration",
    "csv.interfaces": "Interfaces",
    "csv.verdict": "Verdict",
    "csv.purpose": "Purpose",
    "csv.company": "Company",
    "csv.staff": "Staff",
    "csv.granted_by": "Granted by",
    "csv.after_the_fact": "After the fact",
    "csv.note": "Note",
    "csv.alerts": "Alerts",
    "csv.bytes_sent": "Bytes sent",
    "csv.bytes_received": "Bytes received",
    "csv.end_reason": "End reason",
    "csv.record_id": "Record ID",
    "alert.sent": " sent",
    "alert.not_sent": " not sent",
    "open": "open",
    "separator": "; ",
}
