"""The API's answers carry each receipt's signed code, so the app can draw the receipt's
QR code offline: the same code the printed receipt carries, valid under the published
key, and nothing for an item that was not stored."""

from __future__ import annotations

import httpx

from server.receipts.signing import verify
from tests.builders import api_token, bearer, declaration, send_batch


async def test_batch_feed_and_detail_carry_the_signed_receipt_code(
    client: httpx.AsyncClient,
) -> None:
    token = await api_token(client, "staff.hk")
    good, bad = declaration(), declaration(sex="Q")
    results = (await send_batch(client, token, [good, bad])).json()["results"]
    assert results[1]["result"] == "invalid" and results[1]["receipt_code"] is None
    code = results[0]["receipt_code"]
    public = (await client.get("/receipts/public-key.pem")).text
    claim = verify(code, public)
    assert claim is not None and claim.receipt_number == results[0]["receipt_number"]
    assert claim.record == good["id"] and claim.document_tail == good["document_number"][-4:]
    again = (await send_batch(client, token, [good])).json()["results"][0]
    assert again["result"] == "duplicate" and again["receipt_code"] == code
    feed = (await client.get("/api/v1/declarations", headers=bearer(token))).json()
    assert [r["receipt_code"] for r in feed["declarations"]] == [code]
    detail = await client.get(f"/api/v1/declarations/{good['id']}", headers=bearer(token))
    assert detail.json()["declaration"]["receipt_code"] == code
    # A changed character anywhere breaks it.
    forged = code.replace("|1|", "|2|")
    assert verify(forged, public) is None
