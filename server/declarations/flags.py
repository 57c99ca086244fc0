"""Automatic flags for the police queue: what the reviewer must look at, stored so that
the queue can sort and filter by them with an index.

Most flags are the checks' warnings (the establishment sees those too). Two are for the
police only and never reach the establishment: a watch-list match, and a minor with no
adult of their party at the establishment (``screening.py`` works those out).

Pure functions, no web or ORM imports.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from ..i18n import N_

# Flag code → a short label for badges and filters.
FLAGS = {
    "late": N_("Late"),
    "permit_expired": N_("Permitted stay ended"),
    "stay_beyond_permit": N_("Stay beyond permit"),
    "document_expires_during_stay": N_("Document expires"),
    "overlapping_stay": N_("Overlapping stay"),
    "watch_list": N_("Watch list"),
    "minor_alone": N_("Minor without an adult"),
}
POLICE_ONLY = ("watch_list", "minor_alone")
EXPLANATIONS = {
    "watch_list": N_("The guest matches an entry of the watch list."),
    "minor_alone": N_(
        "The guest is under 18 and no adult of their party is declared at this establishment."
    ),
}

FLAGGED, CLEAN = 0, 1  # queue_rank: flagged declarations sort first
ADULT_AGE = 18


def stored(codes: Iterable[str]) -> dict[str, Any]:
    """The ``flags`` (" code code ") and ``queue_rank`` columns for a set of flag codes."""
    ordered = sorted(set(codes))
    return {
        "flags": " " + " ".join(ordered) + " " if ordered else " ",
        "queue_rank": FLAGGED if ordered else CLEAN,
    }


def columns(warnings: Iterable[dict[str, Any]], police: Iterable[str] = ()) -> dict[str, Any]:
    """The stored columns for a declaration's warnings plus its police-only flags."""
    return stored([w["code"] for w in warnings if w["code"] in FLAGS] + list(police))


def toggled(current: str, code: str, on: bool) -> dict[str, Any]:
    """The stored columns with ``code`` set or cleared."""
    codes = set(parse(current))
    if on:
        codes.add(code)
    else:
        codes.discard(code)
    return stored(codes)


def parse(value: str) -> list[str]:
    return value.split()


def police_only(value: str) -> list[str]:
    return [code for code in parse(value) if code in POLICE_ONLY]


def earliest_birth(date_of_birth: str) -> date | None:
    """The earliest day a YYYY, YYYY-MM or YYYY-MM-DD birth date can mean."""
    parts = date_of_birth.split("-")
    try:
        numbers = [int(part) for part in parts] + [1, 1]
        return date(numbers[0], numbers[1], numbers[2])
    except ValueError:
        return None


def is_minor(date_of_birth: str, on: date) -> bool:
    """Certainly under 18 on ``on``: a year-only birth date counts from 1 January, so
    only guests who are minors whatever their birthday are flagged."""
    born = earliest_birth(date_of_birth)
    if born is None:
        return False
    try:
        adult_from = born.replace(year=born.year + ADULT_AGE)
    except ValueError:  # 29 February
        adult_from = date(born.year + ADULT_AGE, 3, 1)
    return on < adult_from
