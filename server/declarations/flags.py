"""Automatic flags for the police queue: which of a declaration's warnings the reviewer
must look at, stored so that the queue can sort and filter by them with an index.

Pure functions, no web or ORM imports. (Watch-list matches and minors without an adult
in the party join these in the police console's next step.)
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..i18n import N_

# Flag code → a short label for badges and filters (the full explanation is the
# warning's own message).
FLAGS = {
    "late": N_("Late"),
    "permit_expired": N_("Permitted stay ended"),
    "stay_beyond_permit": N_("Stay beyond permit"),
    "document_expires_during_stay": N_("Document expires"),
    "overlapping_stay": N_("Overlapping stay"),
}

FLAGGED, CLEAN = 0, 1  # queue_rank: flagged declarations sort first


def columns(warnings: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """The stored ``flags`` (" code code ") and ``queue_rank`` for a set of warnings."""
    codes = sorted({w["code"] for w in warnings if w["code"] in FLAGS})
    return {
        "flags": " " + " ".join(codes) + " " if codes else " ",
        "queue_rank": FLAGGED if codes else CLEAN,
    }


def parse(stored: str) -> list[str]:
    return stored.split()
