"""Holidays are never silently empty: the holiday library's own answers, checked.

A wrong ``calendar.subdivision`` used to empty the holiday table: こどもの日's
clinic hours then read as a working evening (off-hours) and a cable plugged in
got a slow blink and an outside-window mail instead of the alarm.
"""

from __future__ import annotations

from datetime import date, datetime

import pytest
from click.testing import CliRunner

from monitor import jobs
from monitor.calendar import HolidayError, calendar_problems, national_holidays
from monitor.cli import main
from monitor.compat import UTC
from monitor.config import ConfigError, parse_config_text


def _write(tmp_path, text: str):
    path = tmp_path / "calendar.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_an_unknown_subdivision_of_japan_is_a_config_error_saying_there_are_none(tmp_path):
    path = _write(tmp_path, '[calendar]\ncountry = "JP"\nsubdivision = "XX"\n')
    result = CliRunner().invoke(main, ["check-config", "--config", str(path)])
    assert result.exit_code == 2, result.output
    assert (
        "calendar.subdivision: unknown subdivision 'XX': the holiday library has no "
        "subdivisions of JP; leave calendar.subdivision out"
    ) in result.output


def test_explain_refuses_the_config_instead_of_calling_childrens_day_off_hours(tmp_path):
    path = _write(tmp_path, '[calendar]\ncountry = "JP"\nsubdivision = "XX"\n')
    result = CliRunner().invoke(main, ["explain", "--config", str(path), "2026-05-05T18:00"])
    assert result.exit_code == 2, result.output
    assert "calendar.subdivision" in result.output
    # The same instant with the subdivision left out: clinic hours (こどもの日, 17:00-22:00).
    good = _write(tmp_path, '[calendar]\ncountry = "JP"\n')
    result = CliRunner().invoke(
        main, ["explain", "--config", str(good), "--json", "2026-05-05T18:00"]
    )
    assert result.exit_code == 0, result.output
    assert '"period": "clinic"' in result.output and "こどもの日" in result.output


def test_an_unknown_subdivision_names_the_valid_ones():
    (problem,) = calendar_problems("US", "XX", [2026])
    assert problem.path == "calendar.subdivision"
    assert problem.message.startswith("unknown subdivision 'XX' of US: one of AK, AL, ")
    assert ", CA, " in problem.message
    assert calendar_problems("US", "CA", [2026]) == []
    assert calendar_problems("US", "California", [2026]) == []  # the library's alias


def test_an_unknown_country_names_the_valid_codes():
    (problem,) = calendar_problems("ZZ", None, [2026])
    assert problem.path == "calendar.country"
    assert problem.message.startswith("unknown country 'ZZ': use \"\" for none, or one of AD, AE, ")
    assert ", JP, " in problem.message and ", US, " in problem.message


def test_a_subdivision_without_a_country_is_a_config_error():
    with pytest.raises(ConfigError) as info:
        jobs.check_text('[calendar]\ncountry = ""\nsubdivision = "13"\n', "c.toml")
    assert [str(p) for p in info.value.problems] == [
        'calendar.subdivision: a subdivision needs calendar.country (it is "", no holidays)'
    ]


def test_a_year_the_library_has_no_data_for_is_an_error_not_an_empty_table():
    with pytest.raises(HolidayError) as info:
        national_holidays("JP", None, "ja", 2100)
    assert str(info.value.problems[0]) == (
        "calendar: the holiday library has the holidays of JP for 1949-2099 only, not 2100"
    )
    assert national_holidays("JP", None, "ja", 2099)[date(2099, 1, 1)] == "元日"


def test_the_holiday_lookup_raises_rather_than_return_nothing_for_a_bad_subdivision():
    with pytest.raises(HolidayError) as info:
        national_holidays("JP", "XX", "ja", 2026)
    assert info.value.problems[0].path == "calendar.subdivision"


def test_the_daemons_check_in_children_refuses_an_unknown_subdivision(tmp_path):
    path = _write(tmp_path, '[calendar]\ncountry = "JP"\nsubdivision = "XX"\n')
    with pytest.raises(ConfigError) as info:
        jobs.load_checked(path, datetime(2026, 5, 5, 9, tzinfo=UTC))
    assert [p.path for p in info.value.problems] == ["calendar.subdivision"]


def test_a_valid_subdivision_loads_its_regional_holidays():
    config = parse_config_text('[calendar]\ncountry = "US"\nsubdivision = "CA"\n')
    table = jobs.local_holidays(config)(2026)
    assert date(2026, 3, 31) in table  # César Chávez Day: California only
    assert date(2026, 3, 31) not in national_holidays("US", None, "en", 2026)
