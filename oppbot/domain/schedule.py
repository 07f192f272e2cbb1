"""When a channel's digest or alerts are due: local day and time in an IANA zone, period keys, DST-safe."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from oppbot.domain.errors import InvalidInput
from oppbot.domain.workspace import parse_timezone
from oppbot.i18n import N_, _

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
DEFAULT_WEEKDAY = 0
DEFAULT_TIME = "09:00"
# A weekly schedule described, one whole sentence per weekday (Norwegian names its days in lower case, after "hver").
_EVERY = (
    N_("every Monday at {time} ({zone})"),
    N_("every Tuesday at {time} ({zone})"),
    N_("every Wednesday at {time} ({zone})"),
    N_("every Thursday at {time} ({zone})"),
    N_("every Friday at {time} ({zone})"),
    N_("every Saturday at {time} ({zone})"),
    N_("every Sunday at {time} ({zone})"),
)


class Cadence(StrEnum):
    WEEKLY = "weekly"  # digests: one per ISO week
    DAILY = "daily"  # alerts: one per local day


def parse_weekday(text: str) -> int:
    word = (text or "").strip().lower()
    if len(word) >= 2:
        for index, name in enumerate(WEEKDAYS):
            if name.startswith(word):
                return index
    raise InvalidInput.field(
        "weekday", _("'{word}' is not a day of the week. Use e.g. mon, tuesday, fri.", word=word[:20])
    )


def parse_time_of_day(text: str) -> str:
    """'9:00', '09:00', '17:30' -> 'HH:MM' (24-hour)."""
    raw = (text or "").strip()
    hours, sep, minutes = raw.partition(":")
    if sep and hours.isdigit() and minutes.isdigit() and len(minutes) == 2:
        h, m = int(hours), int(minutes)
        if 0 <= h <= 23 and 0 <= m <= 59:
            return f"{h:02d}:{m:02d}"
    raise InvalidInput.field("time", _("'{text}' is not a time of day. Use 24-hour HH:MM, e.g. 09:00.", text=raw[:20]))


@dataclass(frozen=True, slots=True)
class Schedule:
    cadence: Cadence
    weekday: int  # Monday = 0; ignored for daily
    time_of_day: str  # "HH:MM" local
    timezone: str  # IANA name

    @property
    def zone(self) -> ZoneInfo:
        return parse_timezone(self.timezone)

    @property
    def clock(self) -> time:
        h, m = self.time_of_day.split(":")
        return time(int(h), int(m))

    def describe(self) -> str:
        """'every Monday at 09:00 (Europe/Oslo)' in the active language."""
        if self.cadence is Cadence.DAILY:
            return _("every day at {time} ({zone})", time=self.time_of_day, zone=self.timezone)
        return _(_EVERY[self.weekday], time=self.time_of_day, zone=self.timezone)


@dataclass(frozen=True, slots=True)
class Period:
    key: str  # "2026-W48" or "2026-11-30"
    due_at: datetime  # aware UTC instant of this period's run


def period_key(cadence: Cadence, local_day: date) -> str:
    if cadence is Cadence.DAILY:
        return local_day.isoformat()
    year, week, _weekday = local_day.isocalendar()
    return f"{year}-W{week:02d}"


def resolve_local(day: date, clock: time, zone: ZoneInfo) -> datetime:
    """The UTC instant of a local wall time. A wall time skipped by spring-forward runs at the first valid minute
    after the gap (02:30 -> 03:00); an ambiguous one at fall-back runs at its first occurrence (fold=0)."""
    wall = datetime.combine(day, clock)
    for _minute in range(24 * 60 + 1):
        local = wall.replace(tzinfo=zone, fold=0)
        instant = local.astimezone(UTC)
        if instant.astimezone(zone).replace(tzinfo=None) == wall:
            return instant
        # Inside a gap the wall time does not exist; step to the minute it comes back.
        wall += timedelta(minutes=1)
    raise ValueError(f"no valid local time near {day} {clock} in {zone}")  # pragma: no cover


def _run_day(schedule: Schedule, local_day: date) -> date:
    """The day of the run belonging to the period that contains `local_day`."""
    if schedule.cadence is Cadence.DAILY:
        return local_day
    return local_day - timedelta(days=local_day.weekday()) + timedelta(days=schedule.weekday)


def current_period(schedule: Schedule, now: datetime) -> Period:
    """The most recent run at or before `now`: the one period a (re)started scheduler should send.

    Computing only this period is what makes a scheduler that was down for several periods send one catch-up,
    not one per missed period.
    """
    if now.tzinfo is None:
        raise ValueError("now must be aware")
    zone = schedule.zone
    local_day = now.astimezone(zone).date()
    step = timedelta(days=1 if schedule.cadence is Cadence.DAILY else 7)
    run_day = _run_day(schedule, local_day)
    due = resolve_local(run_day, schedule.clock, zone)
    while due > now:
        run_day -= step
        due = resolve_local(run_day, schedule.clock, zone)
    return Period(period_key(schedule.cadence, run_day), due)


def next_run(schedule: Schedule, now: datetime) -> datetime:
    """The first run strictly after `now` (for `show`)."""
    period = current_period(schedule, now)
    step = timedelta(days=1 if schedule.cadence is Cadence.DAILY else 7)
    zone = schedule.zone
    run_day = period.due_at.astimezone(zone).date()
    # A gap-shifted run can land on the same day; step by calendar days from the nominal run day.
    run_day = _run_day(schedule, run_day)
    while True:
        run_day += step
        due = resolve_local(run_day, schedule.clock, zone)
        if due > now:
            return due


def is_due(
    schedule: Schedule, now: datetime, last_period_sent: str | None, *, active_since: datetime | None = None
) -> bool:
    """True when this period's run has come and was not sent. A run before `active_since` (the subscription's
    start) is not owed: a channel subscribing on Tuesday gets its first Monday digest next Monday."""
    period = current_period(schedule, now)
    if active_since is not None and period.due_at < active_since:
        return False
    return period.key != last_period_sent
