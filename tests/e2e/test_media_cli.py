"""``link-monitor media add / list / retire`` and ``log --media``, as installed, on a
real register; the plugged-in stick is read from a sysfs tree built from the
kernel's documentation (tests/fixtures/sysfs_trees.py)."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest

from monitor.domain.media import MediaAction, MediaObserved
from monitor.register import Register
from tests.fixtures import sysfs_trees
from tests.support.cli import run
from tests.support.media_driver import STRANGER
from tests.support.register import T0

STICK_SERIAL = "4C530001230125117313"


@pytest.fixture
def setup(tmp_path):
    config = tmp_path / "link-monitor.toml"
    config.write_text(
        f'[alerts]\nlanguage = "ja"\n[store]\npath = "{tmp_path}/register.db"\n'
        f'[control]\nsocket = "{tmp_path}/control.sock"\n'
    )
    root = tmp_path / "sys"
    return config, root, tmp_path / "register.db"


def add(config: Path, root: Path, *extra: str):
    return run(
        "media",
        "add",
        "--config",
        str(config),
        "--sys",
        str(root),
        "--label",
        "バックアップ1",
        "--holder",
        "医療事務士 佐藤",
        "--purpose",
        "日次バックアップ",
        *extra,
    )


def test_the_stick_plugged_in_now_is_registered_listed_and_retired_and_kept(setup):
    config, root, store = setup
    sysfs_trees.build(root, "usb-storage-stick")
    sysfs_trees.build(root, "internal-disk")  # never offered
    done = add(config, root)
    assert done.returncode == 0, done.stderr
    assert (
        f"媒体「バックアップ1」（シリアル番号 {STICK_SERIAL}）を台帳に登録しました。" in done.stdout
    )

    again = add(config, root)
    assert again.returncode == 1 and "すでに「バックアップ1」として登録されています" in again.stderr

    listed = json.loads(run("media", "list", "--config", str(config), "--json").stdout)
    assert [
        (m["label"], m["serial"], m["vendor"], m["model"], m["retired_at"]) for m in listed
    ] == [("バックアップ1", STICK_SERIAL, "SanDisk", "Cruzer Blade", None)]
    assert listed[0]["size_bytes"] == 30031872 * 512 and listed[0]["registered_by"]

    refused = run(
        "media", "retire", "--config", str(config), "--serial", STICK_SERIAL, "--reason", "disposed"
    )
    assert refused.returncode == 1 and "--erasure" in refused.stderr
    retired = run(
        "media",
        "retire",
        "--config",
        str(config),
        "--serial",
        STICK_SERIAL,
        "--reason",
        "disposed",
        "--erasure",
        "ゼロで3回上書き",
    )
    assert retired.returncode == 0, retired.stderr
    assert "登録抹消しました（廃棄）" in retired.stdout
    table = run("media", "list", "--config", str(config)).stdout
    assert "バックアップ1" in table and "抹消" in table and "廃棄" in table
    listed = json.loads(run("media", "list", "--config", str(config), "--json").stdout)
    assert listed[0]["retire_reason"] == "disposed" and listed[0]["erasure"] == "ゼロで3回上書き"
    with Register.open_readonly(store) as reg:
        assert reg.verify() > 0


def test_add_without_a_stick_or_with_two_says_what_to_do(setup):
    config, root, _ = setup
    sysfs_trees.build(root, "internal-disk")
    none = add(config, root)
    assert none.returncode == 1 and "--serial" in none.stderr and "Traceback" not in none.stderr
    sysfs_trees.build(root, "usb-storage-stick")
    sysfs_trees.build(root, "uas-stick")
    two = add(config, root)
    assert two.returncode == 1 and "2 個" in two.stderr and STICK_SERIAL in two.stderr
    by_serial = add(config, root, "--serial", "0374220110006421")
    assert by_serial.returncode == 0, by_serial.stderr


def test_log_media_lists_the_records_as_a_table_and_as_json(setup):
    config, _, store = setup
    with Register(store) as reg:
        reg.record_media_event(MediaObserved(MediaAction.INSERTED, STRANGER, T0))
    table = run("log", "--media", "--config", str(config))
    assert table.returncode == 0, table.stderr
    assert (
        "挿入" in table.stdout and STRANGER.serial in table.stdout and "（未登録）" in table.stdout
    )
    out = json.loads(run("log", "--media", "--json", "--config", str(config)).stdout)
    assert out[0]["action"] == "inserted" and out[0]["serial"] == STRANGER.serial
    assert out[0]["label"] is None and out[0]["usb"] is True and out[0]["driver"] == "uas"
    assert set(out[0]) == {
        "at",
        "action",
        "label",
        "device",
        "devnum",
        "usb",
        "driver",
        "removable",
        "vendor",
        "model",
        "serial",
        "size_bytes",
    }


def test_a_session_with_a_media_online_alert_is_logged_exported_and_printed(setup, tmp_path):
    from dataclasses import replace as copy

    from monitor.domain.enums import AlertKind, EndReason, Severity, Verdict
    from monitor.domain.model import Alert
    from tests.support.register import session_at

    config, _, store = setup
    s = session_at(T0, interfaces=frozenset({"eth0"}), verdicts=(Verdict.NO_PERMIT,))
    with Register(store) as reg:
        reg.open_session(s)
        obs = MediaObserved(MediaAction.INSERTED, STRANGER, T0)
        reg.record_media_event(obs)
        alert = Alert(AlertKind.MEDIA_ONLINE, Severity.WARNING, T0, s, medium=obs)
        assert reg.enqueue_alert(alert, "[media-online] 件名", "本文")
        reg.close_session(
            copy(s, ended_at=T0 + timedelta(minutes=5), end_reason=EndReason.UNPLUGGED)
        )
    log = run("log", "--config", str(config))
    assert log.returncode == 0, log.stderr
    export = run("export", "--config", str(config), "--month", "2026-03")
    assert export.returncode == 0, export.stderr
    assert "媒体挿入中の接続" in export.stdout
    out = tmp_path / "march.html"
    printed = run("report", "--config", str(config), "--month", "2026-03", "--output", str(out))
    assert printed.returncode == 0, printed.stderr
    html = out.read_text()
    assert "媒体挿入中の接続" in html and "媒体の記録" in html and STRANGER.serial in html
