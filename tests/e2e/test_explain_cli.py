"""`link-monitor explain` as a user runs it: ``python -m monitor`` in a subprocess."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from monitor.config import load_config
from monitor.jobs import local_holidays
from monitor.schedule import Schedule
from tests.support import cli

SAMPLE = cli.ROOT / "config" / "link-monitor.toml"
JSON_KEYS = ["at", "period", "holiday", "rule", "next_change", "next_period"]


def explain(*args: str, config: Path = SAMPLE) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "monitor", "explain", "--config", str(config), *args],
        capture_output=True,
        text=True,
        timeout=60,
        env=cli.env(),
        check=False,
    )


def lines_of(result: subprocess.CompletedProcess) -> list[dict]:
    assert result.returncode == 0, result.stderr
    return [json.loads(line) for line in result.stdout.splitlines()]


def test_naive_instant_is_read_in_the_configured_zone_like_its_offset_forms():
    objs = lines_of(
        explain(
            "--json",
            "2026-05-06T17:00",
            "2026-05-06T17:00+09:00",
            "2026-05-06T08:00Z",
            "2026-05-06T08:00:00+00:00",
        )
    )
    assert len(objs) == 4
    assert all(o == objs[0] for o in objs)
    assert objs[0]["at"] == "2026-05-06T17:00:00+09:00"
    assert objs[0]["period"] == "clinic"


def test_json_gives_one_object_per_line_with_the_documented_keys_in_input_order():
    ats = ["2026-05-07T12:00", "2026-05-06T17:00", "2027-01-02T10:00", "2026-05-06T22:00"]
    objs = lines_of(explain("--json", *ats))
    assert [list(o) for o in objs] == [JSON_KEYS] * 4
    assert [o["at"] for o in objs] == [f"{a}:00+09:00" for a in ats]
    assert objs[0] == {
        "at": "2026-05-07T12:00:00+09:00",
        "period": "maintenance",
        "holiday": None,
        "rule": "maintenance[0] weekday 08:30-17:15",
        "next_change": "2026-05-07T17:15:00+09:00",
        "next_period": "off-hours",
    }
    assert (
        objs[1]["holiday"] == "振替休日" and objs[1]["rule"] == "clinic[0] sun,holiday 17:00-22:00"
    )
    assert objs[1]["next_change"] == "2026-05-06T22:00:00+09:00"
    assert objs[2]["holiday"] == "休業日 (closed 12-29..01-03)" and objs[2]["period"] == "off-hours"
    assert objs[2]["rule"] is None and objs[2]["next_change"] == "2027-01-02T17:00:00+09:00"
    assert objs[3]["period"] == "off-hours"


def test_human_output_is_one_readable_line_per_instant_in_local_time():
    result = explain("2026-05-06T08:00Z", "2026-05-07T12:00")
    assert result.returncode == 0, result.stderr
    first, second = result.stdout.splitlines()
    assert first == (
        "2026-05-06 17:00 Wed JST  診療時間（日曜・祝日 17:00〜22:00）"
        "  休日: 振替休日  2026-05-06 22:00 Wed JST まで、その後 時間外"
    )
    assert second.startswith("2026-05-07 12:00 Thu JST  保守時間（平日 08:30〜17:15）")
    assert second.endswith("2026-05-07 17:15 Thu JST まで、その後 時間外")


def test_now_is_explained_as_the_current_instant():
    before = datetime.now(ZoneInfo("Asia/Tokyo"))
    (obj,) = lines_of(explain("--json", "now"))
    at = datetime.fromisoformat(obj["at"])
    assert before <= at <= datetime.now(ZoneInfo("Asia/Tokyo"))
    assert at.utcoffset() == timedelta(hours=9)
    assert obj["period"] in {"clinic", "maintenance", "off-hours"}
    assert datetime.fromisoformat(obj["next_change"]) > at


def test_bad_instant_exits_2_naming_the_argument_without_traceback():
    result = explain("--json", "2026-05-06T17:00", "tomorrow", "2026-02-30T10:00")
    assert result.returncode == 2
    assert result.stdout == ""  # nothing printed for the good one either: all or nothing
    assert "時刻 'tomorrow' が不正です" in result.stderr
    assert "時刻 '2026-02-30T10:00' が不正です" in result.stderr
    assert "Traceback" not in result.stderr


def test_local_time_skipped_by_daylight_saving_is_refused_but_its_offset_form_works(
    tmp_path: Path,
):
    cfg = tmp_path / "berlin.toml"
    cfg.write_text(
        'timezone = "Europe/Berlin"\n[calendar]\ncountry = "DE"\nclosed = []\n'
        '[alerts]\nlanguage = "en"\n',
        encoding="utf-8",
    )
    refused = explain("2026-03-29T02:30", config=cfg)
    assert refused.returncode == 2 and "does not exist in Europe/Berlin" in refused.stderr
    objs = lines_of(explain("--json", "2026-03-29T01:30Z", "2026-10-25T02:30", config=cfg))
    assert objs[0]["at"] == "2026-03-29T03:30:00+02:00"
    assert objs[1]["at"] == "2026-10-25T02:30:00+02:00"  # the first of the two 02:30s


def test_invalid_config_exits_2_with_its_problems(tmp_path: Path):
    cfg = tmp_path / "bad.toml"
    cfg.write_text('[[clinic]]\ndays = ["sun"]\nhours = "17:00-25:00"\n', encoding="utf-8")
    result = explain("2026-05-06T17:00", config=cfg)
    assert result.returncode == 2
    assert "clinic[0].hours" in result.stderr and "Traceback" not in result.stderr


def test_thousand_instants_come_back_in_order_and_agree_with_the_schedule():
    zone = ZoneInfo("Asia/Tokyo")
    start = datetime(2026, 4, 25, tzinfo=zone)
    ats = [start + timedelta(minutes=37 * i) for i in range(1000)]  # ~26 days incl. Golden Week
    objs = lines_of(explain("--json", *(t.isoformat() for t in ats)))
    assert len(objs) == 1000
    config = load_config(SAMPLE)
    schedule = Schedule(config, holidays=local_holidays(config))
    for t, obj in zip(ats, objs, strict=True):
        info = schedule.at(t)
        assert datetime.fromisoformat(obj["at"]) == t
        assert (obj["period"], obj["holiday"], obj["rule"]) == (
            info.period.value,
            info.holiday,
            info.rule,
        )
        assert datetime.fromisoformat(obj["next_change"]) == info.next_change
    assert {o["period"] for o in objs} == {"clinic", "maintenance", "off-hours"}
