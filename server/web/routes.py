"""Signing in and out, signing up, one's own account: pages at the top level."""

from starlette.routing import Route

from . import account, auth, signup

# fmt: off
routes = [
    Route("/", auth.root, name="root"),
    Route("/login", auth.login_page, methods=["GET"], name="login"),
    Route("/login", auth.login, methods=["POST"], name="login_submit"),
    Route("/logout", auth.logout, methods=["POST"], name="logout"),
    Route("/language", auth.set_language, methods=["POST"], name="language"),
    Route("/login/code", account.code_page, methods=["GET"], name="login_code"),
    Route("/login/code", account.code_submit, methods=["POST"], name="login_code_submit"),
    Route("/signup", signup.page, methods=["GET"], name="signup"),
    Route("/signup", signup.submit, methods=["POST"], name="signup_submit"),
    Route("/signup/wards", signup.wards, methods=["GET"], name="signup_wards"),
    Route("/account/password", account.password_page, methods=["GET"], name="password"),
    Route("/account/password", account.password_submit, methods=["POST"], name="password_submit"),
    Route("/account/two-factor", account.two_factor, methods=["GET"], name="two_factor"),
    Route("/account/two-factor/start", account.two_factor_start, methods=["POST"], name="two_factor_start"),
    Route("/account/two-factor/confirm", account.two_factor_confirm, methods=["POST"], name="two_factor_confirm"),
    Route("/account/two-factor/disable", account.two_factor_disable, methods=["POST"], name="two_factor_disable"),
    Route("/account/two-factor/recovery-codes", account.recovery_codes, methods=["POST"], name="recovery_codes"),
]
# fmt: on
