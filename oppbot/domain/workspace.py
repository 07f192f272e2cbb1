"""A workspace's own rules: currencies, time zone, stage probabilities, stale thresholds, loss reasons."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from oppbot.domain.categories import DEFAULT_STAGE_CATEGORIES, Category, stage_map
from oppbot.domain.errors import InvalidInput
from oppbot.domain.opportunity import DEFAULT_LOSS_REASONS
from oppbot.domain.stages import DEFAULT_PROBABILITIES, DEFAULT_STALE_DAYS, OPEN_STAGES, Stage
from oppbot.i18n import _

_STAGE_VALUES = frozenset(stage.value for stage in Stage)


def parse_timezone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo((name or "").strip())
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInput.field(
            "timezone", _("'{name}' is not a time zone. Use an IANA name such as Europe/Oslo.", name=(name or "")[:40])
        ) from None


@dataclass(frozen=True, slots=True)
class WorkspaceRules:
    currency: str = "USD"
    reporting_currency: str = "USD"
    timezone: str = "UTC"
    probabilities: Mapping[Stage, int] = field(default_factory=lambda: dict(DEFAULT_PROBABILITIES))
    stale_days: Mapping[Stage, int] = field(default_factory=lambda: dict(DEFAULT_STALE_DAYS))
    loss_reasons: tuple[str, ...] = DEFAULT_LOSS_REASONS
    categories: Mapping[Stage, Category] = field(default_factory=lambda: dict(DEFAULT_STAGE_CATEGORIES))
    archive_rooms: bool = False

    @classmethod
    def from_stored(
        cls,
        *,
        currency: str,
        reporting_currency: str,
        timezone: str,
        probabilities: Mapping[str, int] | None,
        stale_days: Mapping[str, int] | None,
        loss_reasons: list[str] | None,
        categories: Mapping[str, str] | None = None,
        archive_rooms: bool = False,
    ) -> WorkspaceRules:
        probs = dict(DEFAULT_PROBABILITIES)
        probs.update({Stage(k): int(v) for k, v in (probabilities or {}).items() if k in _STAGE_VALUES})
        stale = dict(DEFAULT_STALE_DAYS)
        stale.update({Stage(k): int(v) for k, v in (stale_days or {}).items() if k in _STAGE_VALUES})
        return cls(
            currency=currency,
            reporting_currency=reporting_currency,
            timezone=timezone,
            probabilities=probs,
            stale_days=stale,
            loss_reasons=tuple(loss_reasons) if loss_reasons else DEFAULT_LOSS_REASONS,
            categories=stage_map(categories),
            archive_rooms=bool(archive_rooms),
        )

    @property
    def zone(self) -> ZoneInfo:
        return parse_timezone(self.timezone)

    def today(self, now: datetime) -> date:
        """The workspace's local date at `now` (aware): what 'overdue' is measured against."""
        return now.astimezone(self.zone).date()

    def stale_cutoffs(self, now: datetime) -> dict[Stage, datetime]:
        """Per open stage, the last-activity time before which a deal counts as stale."""
        return {stage: now - timedelta(days=self.stale_days[stage]) for stage in OPEN_STAGES}
