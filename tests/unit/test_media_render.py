"""The texts of the media alerts, in Japanese and English, from the engine's alerts."""

from __future__ import annotations

from monitor.alerts.render import render
from monitor.domain.enums import AlertKind
from monitor.domain.events import AlertRaised
from monitor.domain.media import MediaAction
from tests.support.engine_driver import Driver, jst
from tests.support.media_driver import media_config, observed

MACHINE = "休日準夜診療所 レセプトPC"


def engine_alerts(script, media=""):
    d = Driver(media_config(media))
    for when, verb, name in script:
        t = jst(when)
        if verb == "in":
            d.feed(observed(name, MediaAction.INSERTED, t), t)
        else:
            d.up(name, t)
    return {e.alert.kind: e.alert for e in d.effects if isinstance(e, AlertRaised)}


def test_media_online_names_the_stick_its_ledger_entry_and_the_cable():
    a = engine_alerts([("2026-06-08 10:00", "in", "backup"), ("2026-06-08 10:05", "up", "eth0")])
    title, body = render(
        a[AlertKind.MEDIA_ONLINE], language="ja", machine=MACHINE, zone="Asia/Tokyo"
    )
    assert title == f"[media-online] USBメモリ等を挿したままネットワークに接続 - {MACHINE}"
    assert body.startswith("USBメモリ等の媒体が挿さったまま、このパソコンがネットワークに接続")
    for line in (
        "媒体: SanDisk Cruzer Blade",
        "登録名: バックアップ1",
        "管理者: 医療事務士 佐藤",
        "シリアル番号: 4C5300012301",
        "デバイス: /dev/sdb (usb-storage)",
        "容量: ",
        "挿入時刻: 2026-06-08",
        "接続: eth0",
        "・すぐに媒体を抜くか",
    ):
        assert line in body, line


def test_media_online_over_wireless_uses_rule_a_wording():
    a = engine_alerts([("2026-06-08 10:00", "in", "backup"), ("2026-06-08 10:05", "up", "wlan0")])
    _, ja = render(a[AlertKind.MEDIA_ONLINE], language="ja", machine=MACHINE, zone="Asia/Tokyo")
    _, en = render(a[AlertKind.MEDIA_ONLINE], language="en", machine=MACHINE, zone="Asia/Tokyo")
    assert ja.startswith("USBメモリ等の媒体が挿さったまま、無線LANが接続されています。")
    assert "接続: wlan0（無線LAN）" in ja
    assert "Connection: wlan0 (wireless LAN)" in en


def test_unregistered_media_says_so_and_how_to_register():
    a = engine_alerts([("2026-06-08 10:00", "in", "stranger")])
    title, body = render(
        a[AlertKind.UNREGISTERED_MEDIA], language="en", machine="pc", zone="Asia/Tokyo"
    )
    assert title == "[unregistered-media] Unregistered USB stick or card - pc"
    assert "Registered as: (unregistered)" in body and "link-monitor media add" in body
    assert "Serial number: 0374220110006421" in body and "/dev/sdc (uas)" in body


def test_clinic_hours_and_left_in_alerts_read_in_both_languages():
    d = engine_alerts([("2026-06-07 21:50", "in", "backup"), ("2026-06-08 09:00", "up", "eth0")])
    for kind in (AlertKind.MEDIA_CLINIC_HOURS, AlertKind.MEDIA_LEFT_IN):
        for language in ("ja", "en"):
            title, body = render(d[kind], language=language, machine="pc", zone="Asia/Tokyo")
            assert title.startswith(f"[{kind}] ") and "{" not in body
    _, left = render(d[AlertKind.MEDIA_LEFT_IN], language="ja", machine="pc", zone="Asia/Tokyo")
    assert "金庫" in left
