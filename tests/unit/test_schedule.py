"""The schedule: which period an instant is in, why, and when that changes.

Fixed instants only; the default rules are those of config/link-monitor.toml:
clinic sun,holiday 17:00-22:00, maintenance weekday 08:30-17:15, JP holidays,
closed 12-29..01-03, Asia/Tokyo.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from monitor.compat import UTC
from monitor.config import DAY_NAMES, validate_config
from monitor.domain.enums import Period
from monitor.jobs import local_holidays
from monitor.schedule import HORIZON, Schedule

JST = ZoneInfo("Asia/Tokyo")
BERLIN = ZoneInfo("Europe/Berlin")
CLOSED = "休業日 (closed 12-29..01-03)"

CLINIC = Period.CLINIC
MAINT = Period.MAINTENANCE
OFF = Period.OFF_HOURS


def schedule(**overrides) -> Schedule:
    config = validate_config(overrides)
    return Schedule(config, holidays=local_holidays(config))


DEFAULT = schedule()


def jst(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=JST)


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


# ------------------------------------------------------------------ holidays


def test_substitute_holiday_2026_05_06_has_clinic_hours_and_no_maintenance():
    info = DEFAULT.at(jst("2026-05-06T17:00"))  # Wednesday, 振替休日 for 05-03 (Sunday)
    assert info.period is CLINIC
    assert info.holiday == "振替休日"
    assert info.rule == "clinic[0] sun,holiday 17:00-22:00"
    assert DEFAULT.at(jst("2026-05-06T10:00")).period is OFF
    assert DEFAULT.at(jst("2026-05-07T10:00")).period is MAINT  # Thursday: back to work


def test_citizens_holiday_2026_09_22_has_clinic_hours_and_no_maintenance():
    info = DEFAULT.at(jst("2026-09-22T18:00"))  # Tuesday between two holidays: 国民の休日
    assert (info.period, info.holiday) == (CLINIC, "国民の休日")
    assert DEFAULT.at(jst("2026-09-22T10:00")).period is OFF


def test_holiday_on_a_saturday_2028_04_29_opens_the_clinic():
    info = DEFAULT.at(jst("2028-04-29T17:00"))  # Saturday, 昭和の日
    assert (info.period, info.holiday) == (CLINIC, "昭和の日")
    assert info.rule == "clinic[0] sun,holiday 17:00-22:00"
    # An ordinary Saturday has neither clinic hours nor maintenance.
    ordinary = DEFAULT.at(jst("2028-04-22T17:00"))
    assert (ordinary.period, ordinary.holiday) == (OFF, None)


def test_holiday_names_follow_the_alert_language_not_the_process_locale():
    english = schedule(alerts={"language": "en"})
    assert english.at(jst("2026-05-06T17:00")).holiday == "Substitute Holiday"
    assert DEFAULT.at(jst("2026-05-06T17:00")).holiday == "振替休日"


def test_no_country_means_no_national_holidays():
    none = schedule(calendar={"country": "", "closed": []})
    info = none.at(jst("2026-05-06T10:00"))
    assert (info.period, info.holiday) == (MAINT, None)


# ------------------------------------------------------------------ year-end closure


@pytest.mark.parametrize(
    ("at", "period", "holiday"),
    [
        ("2025-12-26T10:00", MAINT, None),  # Friday: last working day
        ("2025-12-29T10:00", OFF, CLOSED),  # Monday, closed: weekday maintenance does not apply
        ("2025-12-29T17:00", CLINIC, CLOSED),  # a closed day counts as "holiday"
        ("2025-12-31T16:59:59", OFF, CLOSED),
        ("2025-12-31T17:00", CLINIC, CLOSED),  # Wednesday, across the year boundary ...
        ("2026-01-01T21:59:59", CLINIC, f"元日 / {CLOSED}"),  # ... national holiday and closed
        ("2026-01-02T10:00", OFF, CLOSED),  # Friday, closed: no maintenance
        ("2026-01-02T17:00", CLINIC, CLOSED),
        ("2026-01-03T22:00", OFF, CLOSED),
        ("2026-01-05T08:30", MAINT, None),  # Monday: open again
    ],
)
def test_year_end_closure_across_the_year_boundary(at, period, holiday):
    info = DEFAULT.at(jst(at))
    assert (info.period, info.holiday) == (period, holiday)


# ------------------------------------------------------------------ minute boundaries


@pytest.mark.parametrize(
    ("before", "at", "period_before", "period_at"),
    [
        ("2026-05-10T16:59:59.999999", "2026-05-10T17:00", OFF, CLINIC),  # clinic start (Sunday)
        ("2026-05-10T21:59:59.999999", "2026-05-10T22:00", CLINIC, OFF),  # clinic end, exclusive
        ("2026-05-11T08:29:59.999999", "2026-05-11T08:30", OFF, MAINT),  # maintenance start (Mon)
        ("2026-05-11T17:14:59.999999", "2026-05-11T17:15", MAINT, OFF),  # maintenance end
    ],
)
def test_every_window_starts_at_its_minute_and_ends_exclusively(
    before, at, period_before, period_at
):
    assert DEFAULT.at(jst(before)).period is period_before
    assert DEFAULT.at(jst(at)).period is period_at
    assert DEFAULT.next_change(jst(before)) == jst(at)


def test_the_issue_example_17_00_00_is_clinic_16_59_59_and_22_00_00_are_not():
    assert DEFAULT.at(jst("2026-05-10T17:00:00")).period is CLINIC
    assert DEFAULT.at(jst("2026-05-10T16:59:59")).period is OFF
    assert DEFAULT.at(jst("2026-05-10T22:00:00")).period is OFF


def test_clinic_beats_maintenance_where_both_match():
    both = schedule(clinic=[{"days": ["mon"], "hours": "12:00-13:00"}])
    info = both.at(jst("2026-05-11T12:30"))
    assert (info.period, info.rule) == (CLINIC, "clinic[0] mon 12:00-13:00")
    assert both.next_change(jst("2026-05-11T10:00")) == jst("2026-05-11T12:00")
    assert both.next_change(jst("2026-05-11T12:00")) == jst("2026-05-11T13:00")
    assert both.at(jst("2026-05-11T13:00")).period is MAINT


def test_adjacent_windows_of_one_period_are_one_stretch():
    split = schedule(
        maintenance=[
            {"days": ["weekday"], "hours": "08:30-12:00"},
            {"days": ["weekday"], "hours": "12:00-17:15"},
        ]
    )
    assert split.at(jst("2026-05-11T12:00")).rule == "maintenance[1] weekday 12:00-17:15"
    assert split.next_change(jst("2026-05-11T09:00")) == jst("2026-05-11T17:15")


# ------------------------------------------------------------------ crossing midnight


NIGHT = {
    "calendar": {"country": "JP", "closed": []},
    "clinic": [{"days": ["holiday"], "hours": "22:00-02:00"}],
    "maintenance": [{"days": ["fri"], "hours": "22:00-06:00"}],
}


def test_midnight_crossing_window_belongs_to_its_start_day():
    night = schedule(**NIGHT)
    assert night.at(jst("2026-05-15T21:59:59")).period is OFF  # Friday
    info = night.at(jst("2026-05-16T05:59:59"))  # Saturday morning: Friday's window
    assert (info.period, info.rule) == (MAINT, "maintenance[0] fri 22:00-06:00")
    assert night.at(jst("2026-05-16T06:00")).period is OFF
    assert night.next_change(jst("2026-05-15T23:00")) == jst("2026-05-16T06:00")
    # Saturday's own 22:00 does not match "fri".
    assert night.at(jst("2026-05-16T23:00")).period is OFF


def test_window_starting_on_a_holiday_runs_into_the_working_day_and_not_the_reverse():
    night = schedule(**NIGHT)
    # 2026-05-06 (振替休日) 22:00 to 05-07 (Thursday) 02:00: the holiday's rule and name.
    info = night.at(jst("2026-05-07T01:00"))
    assert (info.period, info.holiday) == (CLINIC, "振替休日")
    assert info.next_change == jst("2026-05-07T02:00")
    # 2026-05-02 is an ordinary Saturday; the holiday 05-03 starting at midnight does
    # not open its clinic window early (the day set is judged on the start day).
    assert night.at(jst("2026-05-03T01:00")).period is OFF
    assert night.at(jst("2026-05-03T22:00")).period is CLINIC


# ------------------------------------------------------------------ DST (Europe/Berlin)


BERLIN_RULES = {
    "timezone": "Europe/Berlin",
    "calendar": {"country": "DE", "closed": []},
    "alerts": {"language": "en"},
    "clinic": [{"days": ["sun"], "hours": "01:30-02:30"}],
    "maintenance": [
        {"days": ["sun"], "hours": "02:30-04:00"},
        {"days": ["all"], "hours": "08:00-09:00"},
    ],
}


def test_spring_forward_boundary_inside_the_gap_falls_on_the_jump():
    berlin = schedule(**BERLIN_RULES)
    # 2026-03-29: 02:00 CET jumps to 03:00 CEST (01:00 UTC). 02:30 never shows.
    assert berlin.at(utc("2026-03-29T00:30")).period is CLINIC  # 01:30 CET
    assert berlin.at(utc("2026-03-29T00:59:59")).period is CLINIC  # 01:59:59 CET
    jump = berlin.at(utc("2026-03-29T01:00"))  # 03:00 CEST
    assert (jump.period, jump.rule) == (MAINT, "maintenance[0] sun 02:30-04:00")
    assert berlin.next_change(utc("2026-03-29T00:30")) == utc("2026-03-29T01:00")
    assert jump.next_change == datetime(2026, 3, 29, 4, 0, tzinfo=BERLIN)  # 02:00 UTC
    assert jump.next_change.utcoffset() == timedelta(hours=2)


def test_window_wholly_inside_the_spring_forward_gap_is_empty_that_day():
    gap = schedule(
        **{**BERLIN_RULES, "clinic": [{"days": ["sun"], "hours": "02:10-02:40"}], "maintenance": []}
    )
    assert gap.at(utc("2026-03-29T01:00")).period is OFF
    # The next clinic hours are the following Sunday's, 02:10 CEST.
    assert gap.next_change(utc("2026-03-29T00:00")) == utc("2026-04-05T00:10")


def test_fall_back_repeated_hour_does_not_reopen_a_window():
    berlin = schedule(**BERLIN_RULES)
    # 2026-10-25: 03:00 CEST falls back to 02:00 CET (01:00 UTC); 02:00-03:00 shows twice.
    assert berlin.at(utc("2026-10-24T23:30")).period is CLINIC  # 01:30 CEST
    assert berlin.next_change(utc("2026-10-24T23:30")) == utc("2026-10-25T00:30")  # 1st 02:30
    assert berlin.at(utc("2026-10-25T00:30")).period is MAINT  # 02:30 CEST
    # 02:15 CET (the second showing) lies inside 01:30-02:30 by the wall clock, but the
    # clinic occurrence has ended: it stays maintenance until 04:00 CET.
    assert berlin.at(utc("2026-10-25T01:15")).period is MAINT
    assert berlin.next_change(utc("2026-10-25T00:30")) == utc("2026-10-25T03:00")


def test_daily_window_keeps_its_wall_clock_hours_across_dst_changes():
    berlin = schedule(**BERLIN_RULES)
    for day, offset in (("2026-03-28", 1), ("2026-03-30", 2), ("2026-10-24", 2), ("2026-10-26", 1)):
        eight = datetime.fromisoformat(f"{day}T08:00").replace(tzinfo=BERLIN)
        assert eight.utcoffset() == timedelta(hours=offset)
        assert berlin.at(eight).period is MAINT
        assert berlin.at(eight - timedelta(microseconds=1)).period is OFF
        assert berlin.next_change(eight) == eight + timedelta(hours=1)


# ------------------------------------------------------------------ long runs


ALL_DAY_ON_HOLIDAYS = {
    "clinic": [{"days": ["sun", "holiday"], "hours": "00:00-24:00"}],
}


def test_next_change_spans_golden_week_of_adjacent_all_day_windows():
    run = schedule(**ALL_DAY_ON_HOLIDAYS)
    # Sunday 05-03 .. Wednesday 05-06 (振替休日): four adjacent clinic days.
    assert run.at(jst("2026-05-03T00:00")).period is CLINIC
    assert run.next_change(jst("2026-05-03T00:00")) == jst("2026-05-07T00:00")
    assert run.next_change(jst("2026-05-07T00:00")) == jst("2026-05-07T08:30")


def test_next_change_spans_the_year_end_closure_and_a_sunday():
    run = schedule(**ALL_DAY_ON_HOLIDAYS)
    # Closed Tue 12-29 .. Sun 01-03, 元日 inside: one stretch of six days.
    info = run.at(jst("2026-12-29T00:00"))
    assert info.period is CLINIC
    assert info.next_change == jst("2027-01-04T00:00")


def test_period_that_never_changes_reports_the_search_horizon():
    always = schedule(clinic=[{"days": ["all"], "hours": "00:00-24:00"}])
    t = jst("2026-05-01T12:00")
    assert always.at(t).period is CLINIC
    assert always.next_change(t) == t + HORIZON
    empty = schedule(clinic=[], maintenance=[])
    assert empty.at(t).period is OFF and empty.next_change(t) == t + HORIZON


def test_naive_instant_is_refused():
    with pytest.raises(ValueError, match="naive"):
        DEFAULT.at(datetime(2026, 5, 6, 17, 0))
    with pytest.raises(ValueError, match="naive"):
        DEFAULT.next_change(datetime(2026, 5, 6, 17, 0))


def test_returned_instants_are_local_times_of_the_configured_zone():
    info = DEFAULT.at(utc("2026-05-06T08:00"))
    assert info.at == jst("2026-05-06T17:00") and info.period is CLINIC
    assert info.at.isoformat() == "2026-05-06T17:00:00+09:00" and info.at.tzname() == "JST"
    assert info.next_change.isoformat() == "2026-05-06T22:00:00+09:00"


def test_returned_instants_in_the_repeated_hour_compare_by_real_time():
    berlin = schedule(**BERLIN_RULES)
    first = berlin.at(utc("2026-10-25T00:15")).at  # 02:15 CEST
    second = berlin.at(utc("2026-10-25T01:15")).at  # 02:15 CET, an hour later
    assert first.strftime("%H:%M %Z") == "02:15 CEST" and second.strftime("%H:%M %Z") == "02:15 CET"
    assert first < second and second - first == timedelta(hours=1)
    assert second == utc("2026-10-25T01:15")


# ------------------------------------------------------------------ properties


def _reference_period(s: Schedule, t: datetime) -> Period:
    """An independent wall-clock reading of the rules, valid for zones without DST:
    a window matches when its start day is in the day set and the wall time is in it."""
    local = t.astimezone(s.zone).replace(tzinfo=None)
    minute = local.hour * 60 + local.minute
    found = set()
    for kind, windows in ((CLINIC, s.config.clinic), (MAINT, s.config.maintenance)):
        for w in windows:
            a, b = w.hours.start, w.hours.end
            today = s.day_matches(w.days, local.date())
            yesterday = s.day_matches(w.days, local.date() - timedelta(days=1))
            if w.hours.crosses_midnight:
                hit = (today and minute >= a) or (yesterday and minute < b)
            else:
                hit = today and a <= minute < b
            if hit:
                found.add(kind)
    return CLINIC if CLINIC in found else MAINT if MAINT in found else OFF


instants = st.datetimes(
    min_value=datetime(2025, 1, 1), max_value=datetime(2029, 12, 31), timezones=st.just(UTC)
)
hours = (
    st.tuples(
        st.integers(0, 23),
        st.sampled_from([0, 15, 30, 45]),
        st.integers(0, 23),
        st.sampled_from([0, 15, 30, 45]),
    )
    .filter(lambda h: (h[0], h[1]) != (h[2], h[3]))
    .map(lambda h: f"{h[0]:02d}:{h[1]:02d}-{h[2]:02d}:{h[3]:02d}")
)
windows = st.lists(
    st.fixed_dictionaries(
        {
            "days": st.lists(
                st.sampled_from([*DAY_NAMES, "weekday", "holiday", "all"]),
                min_size=1,
                max_size=3,
                unique=True,
            ),
            "hours": hours,
        }
    ),
    max_size=3,
)
zones = st.sampled_from(["Asia/Tokyo", "Europe/Berlin", "America/Santiago"])

_SCHEDULES: dict[str, Schedule] = {}


def _cached(key: str, make) -> Schedule:
    if key not in _SCHEDULES:
        _SCHEDULES[key] = make()
    return _SCHEDULES[key]


@settings(max_examples=150, deadline=None)
@given(t=instants, zone=zones, clinic=windows, maintenance=windows)
def test_period_is_constant_until_next_change_and_differs_there(t, zone, clinic, maintenance):
    s = _cached(
        repr((zone, clinic, maintenance)),
        lambda: schedule(timezone=zone, clinic=clinic, maintenance=maintenance),
    )
    period = s.at(t).period
    nxt = s.next_change(t)
    assert nxt > t
    if nxt - t == HORIZON:
        samples = [t + HORIZON * k / 8 for k in range(8)]
    else:
        assert s.at(nxt).period is not period
        span = nxt - t
        samples = [t, t + span / 3, t + span * 2 / 3, nxt - timedelta(microseconds=1)]
    for sample in samples:
        assert s.at(sample).period is period, sample


@settings(max_examples=200, deadline=None)
@given(t=instants, clinic=windows, maintenance=windows)
def test_period_agrees_with_a_plain_wall_clock_reading_in_tokyo(t, clinic, maintenance):
    s = _cached(
        repr(("jst", clinic, maintenance)), lambda: schedule(clinic=clinic, maintenance=maintenance)
    )
    assert s.at(t).period is _reference_period(s, t)


def test_thousand_instants_agree_with_the_wall_clock_reading():
    start = jst("2026-04-20T00:00")
    ts = [start + timedelta(minutes=17 * i) for i in range(1000)]  # 12 days, odd minutes
    for t in ts:
        info = DEFAULT.at(t)
        assert info.period is _reference_period(DEFAULT, t)
        assert info.next_change > t
    assert {DEFAULT.at(t).period for t in ts} == {CLINIC, MAINT, OFF}


def test_holiday_tables_are_loaded_once_per_year():
    s = schedule()
    for day in range(365):
        s.is_holiday(date(2026, 1, 1) + timedelta(days=day))
    assert sorted(s._holiday_years) == [2026]


def _recording(config_overrides: dict) -> tuple[Schedule, list[int]]:
    asked: list[int] = []

    def source(year: int) -> dict[date, str]:
        asked.append(year)
        return {date(year, 1, 1): "New Year's Day"}

    return Schedule(validate_config(config_overrides), holidays=source), asked


@pytest.mark.parametrize(
    "when",
    ["2026-12-31 23:59:59", "2027-01-01 00:00:00", "2026-06-08 10:00:00", "2026-11-30 12:00:00"],
)
def test_holiday_years_covers_every_table_a_lookup_asks_for(when):
    s, asked = _recording({})
    t = jst(when)
    s.at(t)
    assert asked and set(asked) <= set(s.holiday_years(t))


@given(t=instants, zone=zones, clinic=windows, maintenance=windows)
@settings(max_examples=40, deadline=None)
def test_holiday_years_covers_every_table_in_any_zone(t, zone, clinic, maintenance):
    s, asked = _recording({"timezone": zone, "clinic": clinic, "maintenance": maintenance})
    s.at(t)
    assert set(asked) <= set(s.holiday_years(t))
