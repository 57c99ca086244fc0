"""The Starlette application: routes, middleware, exception handlers, lifespan."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator
from pathlib import Path

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from . import db, i18n, offload, pwa
from . import settings as settings_module
from .admin import pages as admin_pages
from .api import auth as api_auth
from .api import codes as api_codes
from .api import declarations as api_declarations
from .api import establishments as api_establishments
from .api import openapi as api_openapi
from .auth import RequestContext
from .errors import EXCEPTION_HANDLERS
from .health import healthz
from .hotel import feedback as hotel_feedback
from .hotel import pages as hotel_pages
from .hotel import staff as hotel_staff
from .hotel import upload as hotel_upload
from .police import access as police_access
from .police import bulk as police_bulk
from .police import deadlines as police_deadlines
from .police import declaration as police_declaration
from .police import exemptions as police_exemptions
from .police import export as police_export
from .police import live as police_live
from .police import pages as police_pages
from .police import queue as police_queue
from .police import watch as police_watch
from .receipts import pages as receipt_pages
from .reports import pages as report_pages
from .settings import Settings
from .web import account as web_account
from .web import auth as web_auth
from .web import signup as web_signup

ROOT = Path(__file__).resolve().parent.parent

api_routes = [
    Route("/auth/token", api_auth.create_token, methods=["POST"], name="token"),
    Route("/auth/tokens", api_auth.list_tokens, methods=["GET"], name="tokens"),
    Route(
        "/auth/tokens/{token_id:int}",
        api_auth.revoke_token,
        methods=["DELETE"],
        name="revoke_token",
    ),
    Route("/me", api_auth.me, methods=["GET"], name="me"),
    Route("/codes", api_codes.code_lists, methods=["GET"], name="codes"),
    Route("/openapi.json", api_openapi.openapi, methods=["GET"], name="openapi"),
    Route(
        "/declarations/batch",
        api_declarations.batch,
        methods=["POST"],
        name="declarations_batch",
    ),
    Route("/declarations", api_declarations.feed, methods=["GET"], name="declarations"),
    Route(
        "/declarations/{declaration_id}",
        api_declarations.detail,
        methods=["GET"],
        name="declaration",
    ),
    Route(
        "/declarations/{declaration_id}",
        api_declarations.correct,
        methods=["PUT"],
        name="declaration_correct",
    ),
    Route(
        "/declarations/{declaration_id}/checkout",
        api_declarations.checkout,
        methods=["POST"],
        name="declaration_checkout",
    ),
    Route(
        "/declarations/{declaration_id}/cancel",
        api_declarations.cancel,
        methods=["POST"],
        name="declaration_cancel",
    ),
    Route(
        "/establishments",
        api_establishments.list_establishments,
        methods=["GET"],
        name="establishments",
    ),
    Route(
        "/establishments/{establishment_id:int}",
        api_establishments.get_establishment,
        methods=["GET"],
        name="establishment",
    ),
    Route(
        "/establishments/{establishment_id:int}/users",
        api_establishments.establishment_users,
        methods=["GET"],
        name="establishment_users",
    ),
]

routes = [
    Route("/", web_auth.root, name="root"),
    Route("/healthz", healthz, name="healthz"),
    Route("/login", web_auth.login_page, methods=["GET"], name="login"),
    Route("/login", web_auth.login, methods=["POST"], name="login_submit"),
    Route("/logout", web_auth.logout, methods=["POST"], name="logout"),
    Route("/language", web_auth.set_language, methods=["POST"], name="language"),
    Route("/login/code", web_account.code_page, methods=["GET"], name="login_code"),
    Route("/login/code", web_account.code_submit, methods=["POST"], name="login_code_submit"),
    Route("/signup", web_signup.page, methods=["GET"], name="signup"),
    Route("/signup", web_signup.submit, methods=["POST"], name="signup_submit"),
    Route("/signup/wards", web_signup.wards, methods=["GET"], name="signup_wards"),
    Route("/account/password", web_account.password_page, methods=["GET"], name="password"),
    Route(
        "/account/password",
        web_account.password_submit,
        methods=["POST"],
        name="password_submit",
    ),
    Route("/account/two-factor", web_account.two_factor, methods=["GET"], name="two_factor"),
    Route(
        "/account/two-factor/start",
        web_account.two_factor_start,
        methods=["POST"],
        name="two_factor_start",
    ),
    Route(
        "/account/two-factor/confirm",
        web_account.two_factor_confirm,
        methods=["POST"],
        name="two_factor_confirm",
    ),
    Route(
        "/account/two-factor/disable",
        web_account.two_factor_disable,
        methods=["POST"],
        name="two_factor_disable",
    ),
    Route(
        "/account/two-factor/recovery-codes",
        web_account.recovery_codes,
        methods=["POST"],
        name="recovery_codes",
    ),
    Mount(
        "/hotel",
        routes=[
            Route("/", hotel_pages.home, name="home"),
            Route("/tokens", hotel_pages.tokens, methods=["GET"], name="tokens"),
            Route("/tokens", hotel_pages.create_token, methods=["POST"], name="create_token"),
            Route("/feedback", hotel_feedback.page, methods=["GET"], name="feedback"),
            Route("/feedback/{event_id:int}", hotel_feedback.rate, methods=["POST"], name="rate"),
            Route("/staff", hotel_staff.page, methods=["GET"], name="staff"),
            Route("/staff", hotel_staff.add, methods=["POST"], name="staff_add"),
            Route("/staff/{user_id:int}", hotel_staff.act, methods=["POST"], name="staff_action"),
            Route("/upload", hotel_upload.page, methods=["GET"], name="upload"),
            Route("/upload", hotel_upload.upload, methods=["POST"], name="upload_submit"),
            Route(
                "/upload/template.{kind:str}",
                hotel_upload.template,
                methods=["GET"],
                name="upload_template",
            ),
            Route(
                "/tokens/{token_id:int}/revoke",
                hotel_pages.revoke_token,
                methods=["POST"],
                name="revoke_token",
            ),
        ],
        name="hotel",
    ),
    Mount(
        "/police",
        routes=[
            Route("/", police_pages.home, name="home"),
            Route("/declarations", police_queue.page, name="queue"),
            Route("/declarations/stream", police_live.stream, name="stream"),
            Route("/declarations/export.csv", police_export.csv_file, name="export"),
            Route("/declarations/bulk-confirm", police_bulk.preview, name="bulk_confirm"),
            Route(
                "/declarations/bulk-confirm",
                police_bulk.confirm,
                methods=["POST"],
                name="bulk_confirm_submit",
            ),
            Route(
                "/declarations/{declaration_id}",
                police_declaration.page,
                name="declaration",
            ),
            Route(
                "/declarations/{declaration_id}/decide",
                police_declaration.decide,
                methods=["POST"],
                name="decide",
            ),
            Route(
                "/declarations/{declaration_id}/note",
                police_declaration.note,
                methods=["POST"],
                name="note",
            ),
            Route("/establishments", police_pages.establishments, name="establishments"),
            Route(
                "/establishments/{establishment_id:int}",
                police_pages.establishment,
                name="establishment",
            ),
            Route(
                "/establishments/{establishment_id:int}/status",
                police_pages.set_status,
                methods=["POST"],
                name="establishment_status",
            ),
            Route("/watch", police_watch.page, name="watch"),
            Route("/watch", police_watch.add, methods=["POST"], name="watch_add"),
            Route(
                "/watch/{entry_id:int}/end", police_watch.end, methods=["POST"], name="watch_end"
            ),
            Route("/visa-exemptions", police_exemptions.page, name="exemptions"),
            Route("/deadlines", police_deadlines.page, name="deadlines"),
            Route("/deadlines", police_deadlines.set_target, methods=["POST"], name="set_target"),
            Route("/access-log", police_access.page, name="access_log"),
        ],
        name="police",
    ),
    Mount(
        "/admin",
        routes=[
            Route("/", admin_pages.home, name="home"),
            Route("/accounts", admin_pages.accounts_list, methods=["GET"], name="accounts"),
            Route("/accounts", admin_pages.create_account, methods=["POST"], name="account_create"),
            Route(
                "/accounts/{user_id:int}",
                admin_pages.account_action,
                methods=["POST"],
                name="account_action",
            ),
            Route("/audit", admin_pages.audit_log, name="audit"),
        ],
        name="admin",
    ),
    Route("/reports", report_pages.page, name="reports"),
    Route(
        "/receipts/declarations/{declaration_id}", receipt_pages.declaration_html, name="receipt"
    ),
    Route(
        "/receipts/declarations/{declaration_id}/pdf",
        receipt_pages.declaration_pdf,
        name="receipt_pdf",
    ),
    Route("/receipts/day", receipt_pages.day_html, name="day_receipt"),
    Route("/receipts/day/pdf", receipt_pages.day_pdf, name="day_receipt_pdf"),
    Route("/receipts/check", receipt_pages.check, name="receipt_check"),
    Route("/receipts/public-key.pem", receipt_pages.public_key, name="receipt_public_key"),
    Route("/reports/export.csv", report_pages.export_csv, name="report_csv"),
    Route("/reports/export.xlsx", report_pages.export_xlsx, name="report_xlsx"),
    Mount("/api/v1", routes=api_routes, name="api"),
    Mount("/static", StaticFiles(directory=ROOT / "server" / "static"), name="static"),
    Route("/app/sw.js", pwa.service_worker, name="service_worker"),
    Mount("/app", StaticFiles(directory=ROOT / "pwa", html=True), name="pwa"),
]


def create_app(settings: Settings | None = None) -> Starlette:
    """Build the application. ``settings`` defaults to the process environment."""
    settings = settings or settings_module.load()
    i18n.configure(settings.locales_dir, settings.timezone)
    logging.basicConfig(level=settings.log_level.upper())

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await db.connect(settings)
        try:
            yield
        finally:
            offload.shutdown()
            await db.close()

    app = Starlette(
        routes=routes,
        middleware=[Middleware(RequestContext, settings=settings)],
        exception_handlers=EXCEPTION_HANDLERS,
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.stopping = False  # set when the server is asked to stop (see __main__)
    return app
