"""Establishments rate the police's decisions (1–5 stars and a comment), once each: on
the web page and from the app, where the rating may be sent again after a lost answer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tortoise.exceptions import IntegrityError

from . import paging, scope
from .declarations import lifecycle
from .errors import Conflict, NotFound, ValidationFailed
from .i18n import N_
from .models import DeclarationEvent, Feedback, User

RATINGS = range(1, 6)
COMMENT_MAX = 1000


@dataclass(frozen=True)
class Decision:
    """A declaration's latest police decision, and whether it was rated."""

    id: int
    action: str  # confirm, return, escalate
    at: datetime
    rated: bool

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "action": self.action,
            "at": self.at.isoformat(),
            "rated": self.rated,
        }


_ACTION_OF_EVENT = {a.event: a.name for a in lifecycle.ACTIONS.values() if a.by_police}


async def latest_decisions(ids: list[Any]) -> dict[str, Decision]:
    """The latest decision of each of these declarations (two queries for any number)."""
    if not ids:
        return {}
    events = await DeclarationEvent.filter(
        declaration_id__in=ids, action__in=lifecycle.DECISION_EVENTS
    ).order_by("id")
    latest = {str(e.declaration_id): e for e in events}
    rated = set(
        await Feedback.filter(decision_event_id__in=[e.id for e in latest.values()]).values_list(
            "decision_event_id", flat=True
        )
    )
    return {
        key: Decision(e.id, _ACTION_OF_EVENT[e.action], e.at, e.id in rated)
        for key, e in latest.items()
    }


def _checked(rating: object, comment: object) -> tuple[int, str]:
    if isinstance(rating, str) and rating in {str(n) for n in RATINGS}:
        rating = int(rating)  # the web form sends text; nothing else reaches int()
    rating = paging.integer(rating)
    if rating is None or rating not in RATINGS:
        raise ValidationFailed(N_("Choose from 1 to 5 stars."), code="bad_rating")
    if comment is None:
        comment = ""
    if not isinstance(comment, str):
        raise ValidationFailed(N_("The comment must be text."), code="bad_comment")
    return rating, " ".join(comment.split())[:COMMENT_MAX]


async def rate(
    user: User, decision_id: int, rating: object, comment: object = "", *, on: Any = None
) -> Feedback:
    """Rate one decision on a declaration of ``user``'s establishment (with ``on``, of
    that declaration only). The same rating sent again is answered as done; a different
    one is refused (409): one per decision."""
    events = scope.declaration_events(user).filter(action__in=lifecycle.DECISION_EVENTS)
    if on is not None:
        events = events.filter(declaration_id=on)
    event = await events.get_or_none(id=decision_id).select_related("declaration")
    if event is None:
        raise NotFound()
    stars, text = _checked(rating, comment)
    d = event.declaration
    try:
        return await Feedback.create(
            declaration_id=d.id, decision_event_id=event.id, establishment_id=d.establishment_id,
            police_unit_id=d.police_unit_id, province_id=d.province_id,
            decision=event.to_state or event.action, rating=stars, comment=text, user_id=user.id,
        )  # fmt: skip
    except IntegrityError:
        before = await Feedback.get(decision_event_id=event.id)
        if (before.rating, before.comment) == (stars, text):
            return before  # a resend of the same rating
        raise Conflict(N_("This decision has already been rated."), code="already_rated") from None
