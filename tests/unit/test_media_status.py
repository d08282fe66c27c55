"""``link-monitor status`` names the media plugged in now (from the daemon's reply)."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from monitor.reports.status import format_status_report

REPLY = {
    "online": True,
    "pattern": "warn",
    "period": "maintenance",
    "media": {
        "present": [
            {"label": "バックアップ1", "device": "sdb", "serial": "4C5300012301"},
            {"label": None, "device": "sdc", "serial": ""},
        ],
        "online_alerted": ["4C5300012301"],
    },
}


def test_status_lists_each_medium_with_its_label_or_unregistered():
    ja = format_status_report(REPLY, "ja", ZoneInfo("Asia/Tokyo"))
    en = format_status_report(REPLY, "en", ZoneInfo("Asia/Tokyo"))
    assert "媒体: バックアップ1 (/dev/sdb, 4C5300012301); （未登録） (/dev/sdc, （なし）)" in ja
    assert "(unregistered) (/dev/sdc, (none))" in en


def test_status_without_media_has_no_media_line():
    text = format_status_report({**REPLY, "media": {"present": []}}, "ja", ZoneInfo("Asia/Tokyo"))
    assert "媒体" not in text
