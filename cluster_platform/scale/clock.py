"""Time for the synthetic data: days and minutes counted from an origin before `as_of`, turned
into the text COPY reads, and the random dates that give every period of interest its share.

A day is an int (days since `origin`), a moment an int (minutes since origin's local midnight).
Moments are written as local wall-clock text ("2026-12-07 10:15") and the load runs with the
session's time zone set to settings.TIME_ZONE, so PostgreSQL places them in the platform's zone.

History runs up to the end of `as_of` (office hours: nothing happens after 18:00 of that day);
bookings, sessions and programmes may lie ahead of it, as plans do.
"""

from __future__ import annotations

import datetime

from reports import periods

PAST_DAYS = 7 * 365  # the origin: seven years before as_of
FUTURE_DAYS = 7 * 365  # the latest date written: agreements end up to five years ahead
DAY_MINUTES = 1440
_HM = [f"{minute // 60:02d}:{minute % 60:02d}" for minute in range(DAY_MINUTES)]


class Clock:
    def __init__(self, as_of: datetime.date):
        self.as_of = as_of
        self.origin = as_of - datetime.timedelta(days=PAST_DAYS)
        self.today = PAST_DAYS
        self._days = [(self.origin + datetime.timedelta(days=i)).isoformat() for i in range(PAST_DAYS + FUTURE_DAYS)]
        self._weekday0 = self.origin.weekday()
        # The last moment of the history: as_of, 18:00.
        self.now = self.today * DAY_MINUTES + 18 * 60
        quarter = periods.period_of(periods.QUARTER, as_of)
        previous = quarter.previous()
        self.quarter = quarter
        self.current = (self.day_of(quarter.start), self.today)  # the quarter so far
        self.current_end = self.day_of(quarter.end)
        self.previous = (self.day_of(previous.start), self.day_of(previous.end))

    # --- conversions ---------------------------------------------------------------------------

    def day_of(self, date: datetime.date) -> int:
        return (date - self.origin).days

    def date_of(self, day: int) -> datetime.date:
        return self.origin + datetime.timedelta(days=day)

    def date(self, day: int) -> str:
        return self._days[day]

    def weekday(self, day: int) -> int:
        """0 is Monday."""
        return (self._weekday0 + day) % 7

    def ts(self, moment: int) -> str:
        return f"{self._days[moment // DAY_MINUTES]} {_HM[moment % DAY_MINUTES]}"

    def at(self, day: int, hour: int, minute: int = 0) -> int:
        return day * DAY_MINUTES + hour * 60 + minute

    def office(self, rng, day: int) -> int:
        """A moment of office hours (09:00-17:59) of the day."""
        return day * DAY_MINUTES + rng.randint(9 * 60, 17 * 60 + 59)

    def quarter_starts(self, count: int) -> list[int]:
        """The first days of the last `count` quarters, the current one last."""
        starts, quarter = [], self.quarter
        for _ in range(count):
            starts.append(self.day_of(quarter.start))
            quarter = quarter.previous()
        return starts[::-1]

    def quarter_index(self, day: int, starts: list[int]) -> int:
        """The index in `starts` of the quarter holding `day` (-1 before the first)."""
        index = -1
        for i, start in enumerate(starts):
            if start <= day:
                index = i
        return index

    # --- random days ---------------------------------------------------------------------------

    def pick(self, rng, lo: int, hi: int, *, recent: float = 1.0, current: float = 0.0, previous: float = 0.0) -> int:
        """A day from lo to hi (both included). With probability `current` inside the current
        quarter so far, `previous` inside the previous quarter (each cut to lo..hi); otherwise
        from lo..hi, denser towards hi when `recent` is below 1 (activity grows over the years)."""
        draw = rng.random()
        for share, (first, last) in ((current, self.current), (previous, self.previous)):
            if draw < share:
                first, last = max(first, lo), min(last, hi)
                if first <= last:
                    return rng.randint(first, last)
                break
            draw -= share
        if hi <= lo:
            return lo
        return lo + min(hi - lo, int(rng.random() ** recent * (hi - lo + 1)))
