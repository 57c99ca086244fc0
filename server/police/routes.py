"""``/police``: the console of ward police and the province immigration division."""

from starlette.routing import Route

from ..db import from_replica
from . import (
    access,
    bulk,
    deadlines,
    declaration,
    exemptions,
    export,
    live,
    pages,
    queue,
    verify,
    watch,
)

# Listings and exports read the replica when DATABASE_READ_URL names one; the declaration
# page, decisions and everything else stay on the primary (they must see their own writes).
# fmt: off
routes = [
    Route("/", pages.home, name="home"),
    Route("/declarations", from_replica(queue.page), name="queue"),
    Route("/declarations/stream", live.stream, name="stream"),
    Route("/declarations/export.csv", from_replica(export.csv_file), name="export"),
    Route("/declarations/bulk-confirm", bulk.preview, name="bulk_confirm"),
    Route("/declarations/bulk-confirm", bulk.confirm, methods=["POST"], name="bulk_confirm_submit"),
    Route("/declarations/confirm-selected", bulk.confirm_selected, methods=["POST"], name="confirm_selected"),
    Route("/declarations/{declaration_id:uuid}", declaration.page, name="declaration"),
    Route("/declarations/{declaration_id:uuid}/decide", declaration.decide, methods=["POST"], name="decide"),
    Route("/declarations/{declaration_id:uuid}/note", declaration.note, methods=["POST"], name="note"),
    Route("/establishments", pages.establishments, name="establishments"),
    Route("/establishments/{establishment_id:int}", pages.establishment, name="establishment"),
    Route("/establishments/{establishment_id:int}/status", pages.set_status, methods=["POST"], name="establishment_status"),
    Route("/watch", watch.page, name="watch"),
    Route("/watch", watch.add, methods=["POST"], name="watch_add"),
    Route("/watch/{entry_id:int}/end", watch.end, methods=["POST"], name="watch_end"),
    Route("/visa-exemptions", exemptions.page, name="exemptions"),
    Route("/deadlines", deadlines.page, name="deadlines"),
    Route("/deadlines", deadlines.set_target, methods=["POST"], name="set_target"),
    Route("/access-log", access.page, name="access_log"),
    # The receipt checker: public (it reads no personal data), installable, offline.
    Route("/verify/", verify.page, name="verify"),
    Route("/verify/sw.js", verify.service_worker, name="verify_sw"),
]
# fmt: on
