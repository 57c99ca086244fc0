"""``/hotel``: the establishment's web pages (the app is the PWA at ``/app``)."""

from starlette.routing import Route

from . import feedback, pages, staff, upload

# fmt: off
routes = [
    Route("/", pages.home, name="home"),
    Route("/tokens", pages.tokens, methods=["GET"], name="tokens"),
    Route("/tokens", pages.create_token, methods=["POST"], name="create_token"),
    Route("/tokens/{token_id:int}/revoke", pages.revoke_token, methods=["POST"], name="revoke_token"),
    Route("/feedback", feedback.page, methods=["GET"], name="feedback"),
    Route("/feedback/{event_id:int}", feedback.rate, methods=["POST"], name="rate"),
    Route("/staff", staff.page, methods=["GET"], name="staff"),
    Route("/staff", staff.add, methods=["POST"], name="staff_add"),
    Route("/staff/{user_id:int}", staff.act, methods=["POST"], name="staff_action"),
    Route("/upload", upload.page, methods=["GET"], name="upload"),
    Route("/upload", upload.upload, methods=["POST"], name="upload_submit"),
    Route("/upload/template.{kind:str}", upload.template, methods=["GET"], name="upload_template"),
]
# fmt: on
