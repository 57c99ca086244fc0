"""``/admin``: accounts and the audit log."""

from starlette.routing import Route

from . import pages

# fmt: off
routes = [
    Route("/", pages.home, name="home"),
    Route("/accounts", pages.accounts_list, methods=["GET"], name="accounts"),
    Route("/accounts", pages.create_account, methods=["POST"], name="account_create"),
    Route("/accounts/{user_id:int}", pages.account_action, methods=["POST"], name="account_action"),
    Route("/audit", pages.audit_log, name="audit"),
]
# fmt: on
