"""ISO weeks and local wall-clock slots in a person's own time zone (pure functions)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

WEEKDAYS = ("MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN")
_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")
_SLOT = re.compile(r"^(MON|TUE|WED|THU|FRI|SAT|SUN)\s+(\d{1,2}):(\d{2})$", re.IGNORECASE)


def week_key(day: date) -> str:
    """Return the ISO week a date falls in, as "2026-W48"."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def week_of(moment: datetime, zone: ZoneInfo) -> str:
    """Return the ISO week it is at `moment` for someone living in `zone`."""
    return week_key(moment.astimezone(zone).date())


def week_monday(key: str) -> date:
    match = _WEEK.match(key)
    if not match:
        raise ValueError(f"{key!r} is not an ISO week like 2026-W48")
    return date.fromisocalendar(int(match.group(1)), int(match.group(2)), 1)


def shift_week(key: str, weeks: int) -> str:
    return week_key(week_monday(key) + timedelta(weeks=weeks))


def local_moment(day: date, at: time, zone: ZoneInfo) -> datetime:
    """Return the UTC instant of a wall-clock time on a day in a zone: 15:00 stays 15:00 across DST.

    A time skipped by a spring-forward gap resolves to the instant after the gap (fold=0 rule).
    """
    return datetime.combine(day, at, tzinfo=zone).astimezone(UTC)


@dataclass(frozen=True)
class WeeklySlot:
    """A local weekday and time, such as Friday 15:00."""

    weekday: int  # 0 = Monday
    at: time

    @classmethod
    def parse(cls, text: str) -> WeeklySlot:
        match = _SLOT.match(text.strip())
        if not match:
            raise ValueError(f"{text!r} is not a weekday and time like 'FRI 15:00'")
        hour, minute = int(match.group(2)), int(match.group(3))
        if hour > 23 or minute > 59:
            raise ValueError(f"{text!r} has no such time of day")
        return cls(WEEKDAYS.index(match.group(1).upper()), time(hour, minute))

    def in_week(self, key: str, zone: ZoneInfo) -> datetime:
        """Return the UTC instant of this slot in the given ISO week, in the person's zone."""
        return local_moment(week_monday(key) + timedelta(days=self.weekday), self.at, zone)

    def __str__(self) -> str:
        return f"{WEEKDAYS[self.weekday]} {self.at:%H:%M}"


@dataclass(frozen=True)
class ActiveHours:
    """The local hours in which people may be messaged (08:00-20:00 by default)."""

    start: time = time(8, 0)
    end: time = time(20, 0)

    def allows(self, moment: datetime, zone: ZoneInfo) -> bool:
        local = moment.astimezone(zone).time()
        return self.start <= local < self.end

    def next_opening(self, moment: datetime, zone: ZoneInfo) -> datetime:
        """Return `moment` if it is within active hours, else the next local opening time."""
        if self.allows(moment, zone):
            return moment
        local = moment.astimezone(zone)
        day = local.date() if local.time() < self.start else local.date() + timedelta(days=1)
        return local_moment(day, self.start, zone)


def next_slot(slot: WeeklySlot, zones: set[ZoneInfo], now: datetime) -> datetime | None:
    """Return the next instant, after `now`, at which `slot` comes round in any of these zones."""
    upcoming = []
    for zone in zones:
        this_week = week_of(now, zone)
        at = slot.in_week(this_week, zone)
        upcoming.append(at if at > now else slot.in_week(shift_week(this_week, 1), zone))
    return min(upcoming, default=None)
