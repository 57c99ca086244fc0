"""Receipt pages: print views and PDFs of one declaration or of an establishment's day,
the public check page the QR code leads to, and the public key."""

from __future__ import annotations

import dataclasses
from datetime import date

from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response

from .. import auth, offload, paging, scope, totp
from ..errors import BadRequest
from ..i18n import N_, gettext
from ..models import HOTEL_ROLES, POLICE_ROLES, Declaration, Establishment, User
from ..police import access
from ..templating import render_page
from . import documents, pdf
from .documents import Receipt

RECEIPT_ROLES = (*HOTEL_ROLES, *POLICE_ROLES)


PDF_SECONDS = 20.0


def _base_url(request: Request) -> str:
    return request.app.state.settings.public_url or str(request.base_url).rstrip("/")


async def _declaration_receipt(request: Request) -> tuple[User, Receipt]:
    user = auth.require(request, RECEIPT_ROLES)
    d = await scope.declaration(user, request.path_params["declaration_id"])
    if user.role.is_police:
        await access.record(request, user, "view", str(d.id), via="receipt")
    settings = request.app.state.settings
    receipt = await documents.for_declaration(
        d, settings.receipt_key_file, _base_url(request), auth.now()
    )
    return user, receipt


async def _day_receipt(request: Request) -> tuple[User, Receipt]:
    user = auth.require(request, RECEIPT_ROLES)
    try:
        day = date.fromisoformat(request.query_params.get("day", ""))
    except ValueError:
        raise BadRequest(N_("Choose a day."), code="bad_date") from None
    if user.role.is_hotel:
        assert user.establishment_id is not None
        est = await scope.establishment(user, user.establishment_id)
    else:
        raw = request.query_params.get("establishment", "")
        if not paging.whole(raw):
            raise BadRequest(N_("Unknown establishment."), code="bad_filter")
        est = await scope.establishment(user, int(raw))
        await access.record(request, user, "view", f"day:{est.id}:{day.isoformat()}")
    settings = request.app.state.settings
    receipt = await documents.for_day(
        est.id, day, settings.receipt_key_file, _base_url(request), auth.now()
    )
    return user, receipt


def _html(request: Request, receipt: Receipt) -> Response:
    return render_page(
        request, "receipts/receipt.html", {"receipt": receipt, "qr": totp.qr_svg(receipt.check_url)}
    )


async def _pdf(receipt: Receipt) -> Response:
    # Drawing a PDF (a day's list may be long) is CPU work: not on the event loop.
    body = await offload.run(PDF_SECONDS, pdf.render, receipt)
    return Response(
        body,
        media_type="application/pdf",
        headers={"content-disposition": f'inline; filename="receipt-{receipt.number}.pdf"'},
    )


async def declaration_html(request: Request) -> Response:
    _, receipt = await _declaration_receipt(request)
    return _html(request, receipt)


async def declaration_pdf(request: Request) -> Response:
    _, receipt = await _declaration_receipt(request)
    return await _pdf(receipt)


async def day_html(request: Request) -> Response:
    _, receipt = await _day_receipt(request)
    return _html(request, receipt)


async def day_pdf(request: Request) -> Response:
    _, receipt = await _day_receipt(request)
    return await _pdf(receipt)


# What the public check says of the record now: its state only, never a guest's data.
RECORD_STATES = {
    "received": N_("Received by the police; not yet decided."),
    "confirmed": N_("Confirmed by the police."),
    "returned": N_("Returned to the establishment for correction."),
    "corrected": N_("Corrected by the establishment since this receipt was printed."),
    "checked_out": N_("The guest has checked out."),
    "cancelled": N_("Cancelled by the establishment: this receipt no longer stands."),
    "purged": N_("The stay is over and its personal data was deleted after the retention period."),
    "missing": N_("No such declaration is on record."),
}


async def _record_state(record_id: str) -> str:
    found = (
        await Declaration.filter(id=record_id)
        .only("id", "stay_status", "review_state", "revision", "purged_at")
        .first()
    )
    if found is None:
        return "missing"
    if found.purged_at is not None:
        return "purged"
    state = found.state
    if state in ("received", "returned") and found.revision > 1:
        return "corrected"
    return state


async def check(request: Request) -> Response:
    """Public: is this code (from a receipt's QR code, or typed) signed by us? What it
    claims, and for a signed-in user allowed to see it, a link to the record."""
    code = request.query_params.get("c", "").strip()[:1000]
    settings = request.app.state.settings
    keys = documents.key_set(settings.receipt_key_file, settings.receipt_retired_keys)
    claim = keys.verify(code) if code else None
    establishment = None
    record_link = None
    state = None
    if claim is not None:
        establishment = await Establishment.get_or_none(id=claim.establishment_id)
        if claim.kind == "R":
            state = await _record_state(claim.record)
        user: User | None = request.scope.get("user")
        if user is not None and claim.kind == "R":
            if user.role.is_police:
                visible = await scope.declarations(user).filter(id=claim.record).exists()
                if visible:
                    record_link = request.app.url_path_for(
                        "police:declaration", declaration_id=claim.record
                    )
    return render_page(
        request,
        "receipts/check.html",
        {
            "code": code,
            "claim": claim,
            "establishment": establishment,
            "record_link": record_link,
            "state": state,
            "state_label": RECORD_STATES.get(state or "", ""),
        },
        status_code=200 if claim is not None or not code else 422,
    )


async def public_key(request: Request) -> Response:
    """The key that checks receipts, for verifiers that work with no network."""
    settings = request.app.state.settings
    return PlainTextResponse(documents.signer(settings.receipt_key_file).public_pem())


async def keys(request: Request) -> Response:
    """The receipt keys, current and retired, by id: what an offline verifier keeps."""
    settings = request.app.state.settings
    found = documents.key_set(settings.receipt_key_file, settings.receipt_retired_keys)
    return JSONResponse(found.as_json(), headers={"Cache-Control": "public, max-age=3600"})


async def check_json(request: Request) -> Response:
    """Public, for the police's verifier online: is this code genuine, what it claims,
    and the record's state now (no personal data beyond what the receipt prints)."""
    code = request.query_params.get("c", "").strip()[:1000]
    settings = request.app.state.settings
    claim = documents.key_set(settings.receipt_key_file, settings.receipt_retired_keys).verify(code)
    if claim is None:
        return JSONResponse({"genuine": False, "claim": None, "state": None})
    state = await _record_state(claim.record) if claim.kind == "R" else None
    return JSONResponse(
        {
            "genuine": True,
            "claim": dataclasses.asdict(claim),
            "state": state,
            "state_label": gettext(RECORD_STATES[state]) if state else None,
        },
        headers={"Cache-Control": "no-store"},
    )
