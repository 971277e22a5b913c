"""Weeks and local slots: Friday 15:00 is 15:00 where the person lives, across daylight saving time."""

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from storage.weeks import ActiveHours, WeeklySlot, local_moment, shift_week, week_key, week_monday, week_of

SHANGHAI, NEW_YORK = ZoneInfo("Asia/Shanghai"), ZoneInfo("America/New_York")
FRIDAY_3PM = WeeklySlot.parse("FRI 15:00")


def test_iso_weeks_round_trip_across_the_year_boundary():
    assert week_key(date(2026, 12, 31)) == "2026-W53"
    assert week_key(date(2027, 1, 4)) == "2027-W01"
    assert week_monday("2027-W01") == date(2027, 1, 4)
    assert shift_week("2026-W53", 1) == "2027-W01"


def test_the_week_depends_on_where_you_live():
    sunday_night_utc = datetime(2026, 11, 29, 20, 0, tzinfo=UTC)
    assert week_of(sunday_night_utc, SHANGHAI) == "2026-W49"  # already Monday 04:00 there
    assert week_of(sunday_night_utc, NEW_YORK) == "2026-W48"


def test_friday_3pm_in_shanghai_and_new_york():
    assert FRIDAY_3PM.in_week("2026-W48", SHANGHAI) == datetime(2026, 11, 27, 7, 0, tzinfo=UTC)
    assert FRIDAY_3PM.in_week("2026-W48", NEW_YORK) == datetime(2026, 11, 27, 20, 0, tzinfo=UTC)


@pytest.mark.parametrize(("week", "utc_hour"), [
    ("2027-W10", 20),  # Friday 12 March 2027: still EST (UTC-5)
    ("2027-W11", 19),  # Friday 19 March 2027: EDT (UTC-4) since Sunday 14 March
    ("2026-W44", 19),  # Friday 30 October 2026: EDT
    ("2026-W45", 20),  # Friday 6 November 2026: EST since Sunday 1 November
])
def test_friday_3pm_in_new_york_stays_3pm_across_daylight_saving(week, utc_hour):
    moment = FRIDAY_3PM.in_week(week, NEW_YORK)
    assert moment.hour == utc_hour
    assert moment.astimezone(NEW_YORK).time() == time(15, 0)


def test_a_time_skipped_by_spring_forward_resolves_after_the_gap():
    moment = local_moment(date(2027, 3, 14), time(2, 30), NEW_YORK)
    assert moment.astimezone(NEW_YORK).hour == 3


def test_slots_parse_and_refuse_nonsense():
    assert str(WeeklySlot.parse("mon 9:00")) == "MON 09:00"
    for text in ("FRIDAY 15:00", "FRI 25:00", "FRI", ""):
        with pytest.raises(ValueError):
            WeeklySlot.parse(text)


def test_active_hours_hold_messages_until_the_morning():
    hours = ActiveHours()
    late = datetime(2026, 11, 27, 13, 30, tzinfo=UTC)  # 21:30 in Shanghai
    assert not hours.allows(late, SHANGHAI)
    assert hours.next_opening(late, SHANGHAI) == datetime(2026, 11, 28, 0, 0, tzinfo=UTC)  # 08:00 next day
    early = datetime(2026, 11, 27, 11, 0, tzinfo=UTC)  # 06:00 in New York
    assert hours.next_opening(early, NEW_YORK) == datetime(2026, 11, 27, 13, 0, tzinfo=UTC)  # 08:00 the same day
    assert hours.next_opening(late, NEW_YORK) == late  # 08:30 in New York: fine as it is
