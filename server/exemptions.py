"""Vietnam's visa exemptions as dated data (``server/data/visa_exemptions.json``).

The hotel app uses them for one thing: a default (``exemptionFor`` in pwa/js/form.js,
on the phone). A guest whose nationality is exempt on the day of entry starts as
"visa-exempt", permitted to stay the exemption's days counted from the day of entry
(that day is day 1). Nothing is refused because of this list: the
receptionist can always change the entry paper, and police see the list in force.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import date
from functools import cache
from typing import Any

from .codes import DATA


@dataclass(frozen=True)
class Exemption:
    nationality: str
    days: int
    starts: date
    ends: date | None
    kind: str  # "unilateral" or "bilateral"
    basis: str  # in English
    basis_vi: str
    verified: bool
    note: str

    def in_force(self, day: date) -> bool:
        return self.starts <= day and (self.ends is None or day <= self.ends)

    def basis_in(self, lang: str) -> str:
        return self.basis_vi if lang == "vi" else self.basis

    def as_json(self) -> dict[str, Any]:
        out = asdict(self)
        out["starts"] = self.starts.isoformat()
        out["ends"] = self.ends.isoformat() if self.ends else None
        return out


@cache
def _load() -> tuple[str, tuple[Exemption, ...]]:
    data = json.loads((DATA / "visa_exemptions.json").read_text(encoding="utf-8"))
    rows = tuple(
        Exemption(
            nationality=row["nationality"],
            days=int(row["days"]),
            starts=date.fromisoformat(row["from"]),
            ends=date.fromisoformat(row["to"]) if row["to"] else None,
            kind=row["kind"],
            basis=row["basis"],
            basis_vi=row["basis_vi"],
            verified=bool(row["verified"]),
            note=row.get("note", ""),
        )
        for row in data["rows"]
    )
    return str(data["version"]), rows


def version() -> str:
    return _load()[0]


def rows() -> tuple[Exemption, ...]:
    return _load()[1]


def export() -> dict[str, Any]:
    """For the PWA and hotel software, inside ``GET /api/v1/codes``."""
    return {"version": version(), "rows": [r.as_json() for r in rows()]}
