"""Receipts: one declaration's or a day's, as a page or PDF; the public check."""

from starlette.routing import Route

from . import pages

# fmt: off
routes = [
    Route("/receipts/declarations/{declaration_id:uuid}", pages.declaration_html, name="receipt"),
    Route("/receipts/declarations/{declaration_id:uuid}/pdf", pages.declaration_pdf, name="receipt_pdf"),
    Route("/receipts/day", pages.day_html, name="day_receipt"),
    Route("/receipts/day/pdf", pages.day_pdf, name="day_receipt_pdf"),
    Route("/receipts/check", pages.check, name="receipt_check"),
    Route("/receipts/public-key.pem", pages.public_key, name="receipt_public_key"),
    Route("/receipts/keys.json", pages.keys, name="receipt_keys"),
    Route("/receipts/check.json", pages.check_json, name="receipt_check_json"),
]
# fmt: on
