"""The declaration's two lifecycles as one table: the police review (new → confirmed,
returned, escalated) and the stay (in house → checked out, cancelled).

Each action says from which states it may start and where it leads. The table decides
what the console offers (``allowed``), what the API and the pages accept (``refusal``:
a refused action is a 409 with a translated message), and how the history names each
step (``HISTORY``). No web or ORM imports.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from ..i18n import N_


class StayStatus(StrEnum):
    IN_HOUSE = "in_house"
    CHECKED_OUT = "checked_out"
    CANCELLED = "cancelled"


class ReviewState(StrEnum):
    NEW = "new"
    CONFIRMED = "confirmed"
    RETURNED = "returned"  # returned to the establishment for correction
    ESCALATED = "escalated"  # sent up to the province immigration division


NEW, CONFIRMED, RETURNED, ESCALATED = (
    ReviewState.NEW,
    ReviewState.CONFIRMED,
    ReviewState.RETURNED,
    ReviewState.ESCALATED,
)
IN_HOUSE, CHECKED_OUT, CANCELLED = (
    StayStatus.IN_HOUSE,
    StayStatus.CHECKED_OUT,
    StayStatus.CANCELLED,
)
_ANY_REVIEW = {s: s for s in ReviewState}


@dataclass(frozen=True)
class Action:
    """One step. ``review`` maps each review state it may start from to where it leads;
    ``stay`` does the same for the stay. A state missing from either is refused."""

    name: str
    event: str  # the step's name in the history (DeclarationEvent.action)
    history: str  # and as the history shows it (translatable)
    review: Mapping[ReviewState, ReviewState]
    stay: Mapping[StayStatus, StayStatus]
    refused: str  # the 409's message (translatable), with the state's name
    by_police: bool = False  # a review decision (the console's buttons)

    def allows(self, review: ReviewState, stay: StayStatus) -> bool:
        return review in self.review and stay in self.stay


ACTIONS: dict[str, Action] = {
    a.name: a
    for a in (
        Action(
            "confirm", "review_confirm", N_("Confirmed"),
            review={NEW: CONFIRMED, ESCALATED: CONFIRMED},
            # A guest may leave before anyone reviewed the declaration: it is still
            # confirmed afterwards (else it would wait in the queue forever).
            stay={IN_HOUSE: IN_HOUSE, CHECKED_OUT: CHECKED_OUT},
            refused=N_("This declaration cannot be confirmed: its state is “%(state)s”."),
            by_police=True,
        ),
        Action(
            "return", "review_return", N_("Returned for correction"),
            review={NEW: RETURNED, ESCALATED: RETURNED},
            # Only a stay still in house can be corrected by the establishment.
            stay={IN_HOUSE: IN_HOUSE},
            refused=N_(
                "This declaration cannot be returned for correction: its state is “%(state)s”."
            ),
            by_police=True,
        ),
        Action(
            "escalate", "review_escalate", N_("Escalated to PA08"),
            review={NEW: ESCALATED},
            stay={IN_HOUSE: IN_HOUSE, CHECKED_OUT: CHECKED_OUT},
            refused=N_("This declaration cannot be escalated: its state is “%(state)s”."),
            by_police=True,
        ),
        Action(
            "correct", "corrected", N_("Corrected"),
            # A correction of a returned declaration sends it back to the queue.
            review={NEW: NEW, RETURNED: NEW, ESCALATED: ESCALATED},
            stay={IN_HOUSE: IN_HOUSE},
            refused=N_("This declaration can no longer be corrected: its state is “%(state)s”."),
        ),
        Action(
            "check_out", "checked_out", N_("Checked out"),
            review=_ANY_REVIEW,
            stay={IN_HOUSE: CHECKED_OUT},
            refused=N_("This guest cannot be checked out: their stay is “%(state)s”."),
        ),
        Action(
            "cancel", "cancelled", N_("Cancelled"),
            review=_ANY_REVIEW,
            stay={IN_HOUSE: CANCELLED},
            refused=N_("This declaration cannot be cancelled: its state is “%(state)s”."),
        ),
    )
}  # fmt: skip

DECISIONS = tuple(a.name for a in ACTIONS.values() if a.by_police)
# The history's names of the police decisions.
DECISION_EVENTS = tuple(a.event for a in ACTIONS.values() if a.by_police)

# The history's names of the steps that are not actions on the state.
HISTORY: dict[str, str] = {
    "received": N_("Received"),
    "note": N_("Internal note"),
    **{a.event: a.history for a in ACTIONS.values()},
}

# What the establishment sees (``Declaration.state``): the stay's end, else the review.
STATE_LABELS = {
    "received": N_("Received"),
    "confirmed": N_("Confirmed"),
    "returned": N_("Returned for correction"),
    "checked_out": N_("Checked out"),
    "cancelled": N_("Cancelled"),
}

REVIEW_LABELS = {
    NEW: N_("Not reviewed"),
    CONFIRMED: N_("Confirmed"),
    RETURNED: N_("Returned for correction"),
    ESCALATED: N_("Escalated to PA08"),
}
STAY_LABELS = {
    IN_HOUSE: N_("In house"),
    CHECKED_OUT: N_("Checked out"),
    CANCELLED: N_("Cancelled"),
}


@dataclass(frozen=True)
class Refusal:
    """Why an action is refused: a stable code and a message naming the state."""

    code: str
    message: str
    state: str  # the label of the state that stands in the way (translatable)


def refusal(action: str, review: ReviewState, stay: StayStatus) -> Refusal | None:
    """None when ``action`` may start from these states."""
    a = ACTIONS[action]
    if stay not in a.stay:
        return Refusal("not_in_house", a.refused, STAY_LABELS[stay])
    if review not in a.review:
        code = "already_confirmed" if review == CONFIRMED else f"review_{review.value}"
        return Refusal(code, a.refused, REVIEW_LABELS[review])
    return None


def allowed(review: ReviewState, stay: StayStatus, *, police: bool) -> list[str]:
    """The actions the console (``police``) or the establishment may take now."""
    return [a.name for a in ACTIONS.values() if a.by_police == police and a.allows(review, stay)]


def after(action: str, review: ReviewState, stay: StayStatus) -> tuple[ReviewState, StayStatus]:
    """Where an allowed action leads."""
    a = ACTIONS[action]
    return a.review[review], a.stay[stay]
