"""``/api/v1/declarations``: the batch sync endpoint, the change feed, one record."""

from __future__ import annotations

import asyncio
import re
import uuid
from datetime import UTC, date, datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from .. import auth, paging, ratings, scope
from ..declarations import corrections, fields, ingest, stays
from ..declarations.issues import Issue
from ..declarations.rules import parse_moment
from ..errors import BadRequest, PermissionDenied, ValidationFailed
from ..establishments import declaring_establishment
from ..i18n import N_
from ..models import HOTEL_ROLES, Declaration, User
from ..receipts import documents
from .common import iso, read_json, read_object
from .schemas import NOT_BLANK

FEED_LIMIT = 500
FEED_CHUNK = 100  # rows read and built at a time (see ``feed``)


def _json_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    return value


def declaration_json(
    d: Declaration, decision: ratings.Decision | None = None, receipt_code: str = ""
) -> dict[str, Any]:
    """A stored declaration as the API answers it (schemas.declaration_output), with its
    latest police decision (to rate it) and its receipt's signed code."""
    return {
        "receipt_number": d.receipt_number,
        "receipt_code": receipt_code,
        "state": d.state,
        "review_state": d.review_state.value,
        "stay_status": d.stay_status.value,
        "review_reason": d.review_reason,
        "establishment_id": d.establishment_id,
        **{f.name: _json_value(getattr(d, f.name)) for f in fields.FIELDS},
        "received_at": iso(d.received_at),
        "clock_skew_seconds": d.clock_skew_seconds,
        "departed_at": iso(d.departed_at),
        "cancel_reason": d.cancel_reason,
        "revision": d.revision,
        "warnings": [Issue.from_stored(w).as_json() for w in d.warnings],
        "change_seq": d.change_seq,
        "decision": decision.as_json() if decision else None,
    }


async def _answer(request: Request, d: Declaration) -> Response:
    decisions = await ratings.latest_decisions([d.id])
    code = await _receipt_codes(request, [d])
    return JSONResponse(
        {"declaration": declaration_json(d, decisions.get(str(d.id)), code[str(d.id)])}
    )


async def _add_receipt_codes(request: Request, outcome: ingest.Ingested, unit_code: str) -> None:
    """Each stored item's answer gets its receipt's signed code (null for the others)."""
    key_file = request.app.state.settings.receipt_key_file
    for k, r in enumerate(outcome.results):
        if k % ingest.YIELD_EVERY == ingest.YIELD_EVERY - 1:
            await asyncio.sleep(0)  # see ingest.YIELD_EVERY
        d = outcome.stored.get(r["id"]) if r["result"] in ("created", "duplicate") else None
        r["receipt_code"] = d and documents.declaration_code(d, unit_code, key_file)


async def _receipt_codes(request: Request, rows: list[Declaration]) -> dict[str, str]:
    """Each declaration's signed receipt code (the phone draws its QR code offline)."""
    if not rows:
        return {}
    key_file = request.app.state.settings.receipt_key_file
    units: dict[int, str] = {}
    codes = {}
    for d in rows:
        if d.establishment_id not in units:
            units[d.establishment_id] = await documents.unit_code(d.establishment_id)
        codes[str(d.id)] = documents.declaration_code(d, units[d.establishment_id], key_file)
    return codes


async def batch(request: Request) -> Response:
    """Store a batch of declarations; one result per item, in order (partial acceptance)."""
    user = auth.require(request, HOTEL_ROLES)
    body = await read_json(request)
    settings = request.app.state.settings
    if not isinstance(body, dict) or not isinstance(body.get("declarations"), list):
        raise ValidationFailed(
            N_('Send {"declarations": [...]} with 1 to %(max)s items.'),
            code="batch_shape",
            max=settings.batch_max,
        )
    items = body["declarations"]
    if not 1 <= len(items) <= settings.batch_max:
        raise ValidationFailed(
            N_('Send {"declarations": [...]} with 1 to %(max)s items.'),
            code="batch_size",
            max=settings.batch_max,
        )
    establishment = await declaring_establishment(user)
    outcome = await ingest.ingest(
        items,
        user=user,
        establishment=establishment,
        settings=settings,
        ip=auth.client_ip(request),
    )
    await _add_receipt_codes(request, outcome, establishment.police_unit.code)
    return JSONResponse(
        {"results": outcome.results, "server_time": datetime.now(UTC).isoformat()},
        headers={"Cache-Control": "no-store"},
    )


async def feed(request: Request) -> Response:
    """Declarations changed since ``cursor``, oldest change first (police decisions too).
    For hotel accounts only: police read guests in the console, where every read is
    logged (``_for_hotels``)."""
    user = _for_hotels(request)
    raw_cursor = request.query_params.get("cursor", "0")  # empty is not a number: 400
    raw_limit = request.query_params.get("limit", "100")
    if not paging.whole(raw_cursor) or not paging.whole(raw_limit):
        raise BadRequest(N_("cursor and limit must be whole numbers."), code="bad_cursor")
    cursor, limit = int(raw_cursor), int(raw_limit)
    if not 1 <= limit <= FEED_LIMIT:  # as the document says: refused, not clamped
        raise BadRequest(N_("limit must be from 1 to %(max)s."), code="bad_limit", max=FEED_LIMIT)
    # Read and built FEED_CHUNK at a time, the event loop free between: a page of 500
    # built at once held every other request of the process 50–150 ms.
    out: list[dict[str, Any]] = []
    after = cursor
    while len(out) < limit:
        want = min(FEED_CHUNK, limit - len(out))
        rows = await (
            scope.declarations(user).filter(change_seq__gt=after).order_by("change_seq").limit(want)
        )
        if not rows:
            break
        decisions = await ratings.latest_decisions([d.id for d in rows])
        codes = await _receipt_codes(request, rows)
        out += [declaration_json(d, decisions.get(str(d.id)), codes[str(d.id)]) for d in rows]
        after = rows[-1].change_seq
        if len(rows) < want:
            break
        await asyncio.sleep(0)
    return JSONResponse(
        {"declarations": out, "next_cursor": str(after), "has_more": len(out) == limit},
        headers={"Cache-Control": "no-store"},
    )


def _for_hotels(request: Request) -> User:
    """The caller, who must be a hotel account: the API's reads of declarations are not
    for police (the console logs every read of personal data; this API would not) nor
    for administrators (who never see guests' data)."""
    user = auth.require(request)
    if user.role not in HOTEL_ROLES:
        raise PermissionDenied(
            N_("Police read declarations in the console, where every read is logged."),
            code="hotel_accounts_only",
        )
    return user


async def detail(request: Request) -> Response:
    user = _for_hotels(request)
    found = await scope.declaration(user, request.path_params["declaration_id"])
    return await _answer(request, found)


def _record_id(request: Request) -> str:
    return scope.declaration_id(request.path_params["declaration_id"])


async def correct(request: Request) -> Response:
    """A corrected version of a declaration: a new revision, back into the police queue."""
    user = auth.require(request, HOTEL_ROLES)
    record_id = _record_id(request)
    body = await read_object(request)
    if body.get("id") not in (None, record_id):
        raise ValidationFailed(fields=[Issue("id", "id_conflict").as_json()])
    assert user.establishment_id is not None
    outcome = await corrections.correct(
        record_id,
        body,
        user=user,
        establishment=await scope.establishment(user, user.establishment_id),
        settings=request.app.state.settings,
        ip=auth.client_ip(request),
    )
    return await _answer(request, outcome)


async def checkout(request: Request) -> Response:
    user = auth.require(request, HOTEL_ROLES)
    record_id = _record_id(request)
    body = await read_object(request, 16 * 1024)
    raw = body.get("departed_at")
    departed = parse_moment(raw) if raw is not None else datetime.now(UTC)
    if departed is None:
        raise ValidationFailed(fields=[Issue("departed_at", "invalid_datetime").as_json()])
    outcome = await stays.check_out(
        record_id,
        departed,
        user=user,
        ip=auth.client_ip(request),
    )
    return await _answer(request, outcome)


async def cancel(request: Request) -> Response:
    user = auth.require(request, HOTEL_ROLES)
    record_id = _record_id(request)
    body = await read_object(request, 16 * 1024)
    reason = body.get("reason")
    if not isinstance(reason, str) or not re.search(NOT_BLANK, reason):
        raise ValidationFailed(fields=[Issue("reason", "required").as_json()])
    if len(reason) > 500:
        raise ValidationFailed(fields=[Issue("reason", "too_long", {"max": 500}).as_json()])
    outcome = await stays.cancel(
        record_id,
        reason.strip(),
        user=user,
        ip=auth.client_ip(request),
    )
    return await _answer(request, outcome)


async def rate(request: Request) -> Response:
    """Rate the police's latest decision on this declaration (1–5, a comment), once; the
    same rating sent again is answered as done (the app's outbox may resend it)."""
    user = auth.require(request, HOTEL_ROLES)
    found = await scope.declaration(user, request.path_params["declaration_id"])
    body = await read_object(request, 16 * 1024)
    decision = paging.integer(body.get("decision_id"))
    if decision is None:
        raise ValidationFailed(fields=[Issue("decision_id", "required").as_json()])
    await ratings.rate(user, decision, body.get("rating"), body.get("comment", ""), on=found.id)
    return await _answer(request, found)
