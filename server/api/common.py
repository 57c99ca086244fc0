"""What every API endpoint shares: reading a bounded JSON body, and the JSON shapes."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from starlette.requests import Request

from .. import i18n, paging
from ..declarations.issues import Issue
from ..errors import BadRequest, PayloadTooLarge, ValidationFailed, has_nul
from ..i18n import N_
from ..models import ApiToken, Establishment, PoliceUnit, User

MAX_BODY = 1024 * 1024


async def read_body(request: Request, limit: int = MAX_BODY) -> bytes:
    """The request body, refusing (413) anything over ``limit`` before reading it all."""
    declared = request.headers.get("content-length")
    if declared and paging.whole(declared) and int(declared) > limit:
        raise PayloadTooLarge()
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise PayloadTooLarge()
        chunks.append(chunk)
    return b"".join(chunks)


async def read_json(request: Request, limit: int = MAX_BODY) -> Any:
    raw = await read_body(request, limit)
    try:
        body = json.loads(raw)
    except (ValueError, RecursionError):
        raise BadRequest(N_("The body is not valid JSON."), code="malformed_json") from None
    # No database stores a NUL character, and no text here means one: dropped from every
    # string (keys too), so a stray one can neither fail deep in a query nor be refused.
    return _without_nul(body) if has_nul(body) else body


def _without_nul(value: Any) -> Any:
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, list):
        return [_without_nul(v) for v in value]
    if isinstance(value, dict):
        return {_without_nul(k): _without_nul(v) for k, v in value.items()}
    return value


async def read_object(request: Request, limit: int = MAX_BODY) -> dict[str, Any]:
    """A JSON object body; any other JSON value is 422, as the document's schemas say."""
    body = await read_json(request, limit)
    if not isinstance(body, dict):
        raise ValidationFailed(fields=[Issue("", "invalid_type").as_json()])
    return body


def iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def unit_json(unit: PoliceUnit | None) -> dict[str, Any] | None:
    if unit is None:
        return None
    return {
        "id": unit.id,
        "code": unit.code,
        "kind": unit.kind.value,
        "name": unit.name(i18n.get_locale()),
    }


def user_json(user: User) -> dict[str, Any]:
    return {
        "id": user.id,
        "username": user.username,
        "full_name": user.full_name,
        "role": user.role.value,
        "establishment_id": user.establishment_id,
        "police_unit_id": user.police_unit_id,
        "language": user.language,
        "is_active": user.is_active,
    }


def establishment_json(est: Establishment) -> dict[str, Any]:
    return {
        "id": est.id,
        "name": est.name,
        "kind": est.kind.value,
        "licence_number": est.licence_number,
        "province_code": est.province_id,
        "ward_code": est.ward_id,
        "street": est.street,
        "phone": est.phone,
        "email": est.email,
        "police_unit_id": est.police_unit_id,
        "remote_area": est.remote_area,
        "status": est.status.value,
        "created_at": iso(est.created_at),
    }


def token_json(token: ApiToken) -> dict[str, Any]:
    return {
        "id": token.id,
        "name": token.name,
        "prefix": token.prefix,
        "created_at": iso(token.created_at),
        "expires_at": iso(token.expires_at),
        "last_used_at": iso(token.last_used_at),
        "revoked_at": iso(token.revoked_at),
    }
