"""What the checks need to know besides the item: the clock and the establishment's
settings, and the deadline rules as data."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")


@dataclass(frozen=True)
class DeadlineRule:
    """How long after arrival a declaration is on time: data, not code (*unverified* law
    may change), per channel and remote-area flag, versioned by effective date."""

    effective_from: date
    channel: str  # "electronic" or "paper"
    remote: bool
    hours: int


# Law 47/2014 Art. 33 as amended by Law 23/2023 (in force 15 Aug 2023): electronic
# "immediately" (a grace is configurable), paper 12 h, or 24 h in remote areas.
DEFAULT_DEADLINES = (
    DeadlineRule(date(2023, 8, 15), "paper", False, 12),
    DeadlineRule(date(2023, 8, 15), "paper", True, 24),
)


@dataclass(frozen=True)
class RuleContext:
    """What the checks need to know besides the item itself."""

    now: datetime  # the server's clock, UTC
    arrival_window_days: int = 1  # arrival today or up to this many days before
    document_number_max: int = 10
    grace_hours: int = 12  # electronic declarations: "immediately", with this grace
    remote_grace_hours: int = 24
    remote_area: bool = False
    room_required: bool = False  # hotels must give the room number
    deadlines: tuple[DeadlineRule, ...] = DEFAULT_DEADLINES

    def as_json(self) -> dict[str, Any]:
        """The settings a client needs to run the same checks (the PWA's twin does)."""
        return {
            f.name: getattr(self, f.name)
            for f in dataclasses.fields(self)
            if f.name not in ("now", "deadlines")
        }

    @property
    def today(self) -> date:
        return self.now.astimezone(VIETNAM).date()

    def deadline_hours(self, arrived: datetime, channel: str = "electronic") -> int:
        if channel == "electronic":
            return self.remote_grace_hours if self.remote_area else self.grace_hours
        rules = [
            r
            for r in self.deadlines
            if r.channel == channel and r.remote == self.remote_area
            and r.effective_from <= arrived.astimezone(VIETNAM).date()
        ]  # fmt: skip
        return max(rules, key=lambda r: r.effective_from).hours if rules else self.grace_hours
