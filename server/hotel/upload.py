"""Bulk upload of a CSV or Excel file of guests, with templates in both languages."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import Response

from .. import auth, i18n, offload
from ..declarations import bulk, ingest
from ..errors import NotFound
from ..establishments import declaring_establishment
from ..i18n import N_
from ..models import HOTEL_ROLES
from ..templating import render_page

PARSE_SECONDS = 10.0  # a filled-in template of 1,000 rows reads in well under a second

_MEDIA = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _labels() -> dict[str, str]:
    labels = {c.code: i18n.gettext(c.label) for c in bulk.COLUMNS}
    labels["id"] = labels[bulk.ROW_ID]
    return labels


async def page(request: Request) -> Response:
    auth.require(request, HOTEL_ROLES)
    return render_page(request, "hotel/upload.html", {"rows": None, "errors": {}})


async def template(request: Request) -> Response:
    auth.require(request, HOTEL_ROLES)
    kind = request.path_params["kind"]
    if kind not in _MEDIA:
        raise NotFound()
    lang = request.query_params.get("lang") or i18n.get_locale()
    lang = lang if lang in request.app.state.settings.languages else "vi"
    body = bulk.template_xlsx(lang) if kind == "xlsx" else bulk.template_csv(lang)
    # A file name: its translation stays in ASCII letters and hyphens.
    stem = i18n.translate(lang, N_("declarations-template"))
    name = f"{stem}-{lang}.{kind}"
    return Response(
        body,
        media_type=_MEDIA[kind],
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


async def upload(request: Request) -> Response:
    user = auth.require(request, HOTEL_ROLES)
    establishment = await declaring_establishment(user)
    form = await auth.read_form_with_files(request, max_files=1)
    try:
        upload_file = form.get("file")
        if not isinstance(upload_file, UploadFile) or not upload_file.filename:
            return _failed(request, N_("Choose a CSV or Excel file."))
        filename = upload_file.filename
        data = await upload_file.read(bulk.MAX_BYTES + 1)
    finally:
        await form.close()
    now = datetime.now(UTC)
    try:
        # In another process, bounded in time: a hostile workbook stalls nobody else.
        rows = await offload.in_process(
            PARSE_SECONDS, bulk.parse, filename, data, establishment.id, now.isoformat()
        )
    except bulk.UploadError as refused:
        return _failed(request, refused.message, **refused.params)
    except offload.TookTooLong as slow:
        return _failed(request, slow.message)
    settings = request.app.state.settings
    results: list[tuple[bulk.Row, dict[str, Any]]] = []
    for start in range(0, len(rows), settings.batch_max):
        chunk = rows[start : start + settings.batch_max]
        outcome = await ingest.ingest(
            [r.item for r in chunk],
            user=user,
            establishment=establishment,
            settings=settings,
            ip=auth.client_ip(request),
            now=now,
        )
        results.extend(zip(chunk, outcome.results, strict=True))
    counts: dict[str, int] = {}
    for _row, answer in results:
        counts[answer["result"]] = counts.get(answer["result"], 0) + 1
    await auth.audit(request, "bulk_upload", user, rows=len(rows), **counts)
    # A page of 1,000 results takes a while to draw: off the event loop too.
    return await offload.run(
        PARSE_SECONDS,
        render_page,
        request,
        "hotel/upload.html",
        {"rows": results, "counts": counts, "labels": _labels(), "errors": {}},
    )


def _failed(request: Request, message: str, **params: object) -> Response:
    return render_page(
        request,
        "hotel/upload.html",
        {"rows": None, "errors": {"": i18n.gettext(message, **params)}},
        status_code=422,
    )
