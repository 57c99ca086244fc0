"""The API's answers carry each receipt's signed code, so the app can draw the receipt's
QR code offline: the same code the printed receipt carries, valid under the published
key, and nothing for an item that was not stored."""

from __future__ import annotations

import base64
from pathlib import Path

import httpx

from server.receipts.signing import Claim, KeySet, Signer, verify
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


def _claim() -> Claim:
    return Claim("R", "7KQ4-M9XZ-2A", "0b6f1c2e-8a1e-4f4e-9a57-3f2d1c0e9b11", 1, "W00070",
                 "2026-11-30T10:00:00+07:00", 1, "02C3")  # fmt: skip


def _public_file(signer: Signer, folder: Path, name: str) -> Path:
    path = folder / name
    path.write_text(signer.public_pem())
    return path


def test_keys_rotate_and_a_retired_keys_receipts_still_verify(tmp_path: Path) -> None:
    old, new, stranger = (Signer(tmp_path / f"{n}.pem") for n in ("old", "new", "stranger"))
    printed = old.sign(_claim())  # on paper since before the rotation
    keys = KeySet.of(new, [_public_file(old, tmp_path, "old.pub")])
    assert keys.verify(printed) is not None and keys.verify(new.sign(_claim())) is not None
    assert keys.verify(stranger.sign(_claim())) is None  # a key the system never had
    assert KeySet.of(new, []).verify(printed) is None  # the retired key not published
    # A code that names one known key but is signed by another: refused.
    text, _dot, signature = stranger.sign(_claim()).rpartition(".")
    relabelled = text.replace(stranger.key_id, old.key_id) + "." + signature
    assert keys.verify(relabelled) is None
    # Codes printed before key ids (LT1) are checked against every known key.
    lt1 = _claim().text()
    assert lt1.startswith("LT1|")
    legacy = f"{lt1}.{base64.urlsafe_b64encode(old._key.sign(lt1.encode())).rstrip(b'=').decode()}"
    assert keys.verify(legacy) is not None
    published = keys.as_json()["keys"]
    assert {k["id"] for k in published} == {new.key_id, old.key_id}
    assert [k["current"] for k in published if k["id"] == new.key_id] == [True]


async def test_the_json_check_says_genuine_and_the_state(client: httpx.AsyncClient) -> None:
    token = await api_token(client, "staff.hk")
    item = declaration()
    code = (await send_batch(client, token, [item])).json()["results"][0]["receipt_code"]
    answer = (await client.get("/receipts/check.json", params={"c": code})).json()
    assert answer["genuine"] is True and answer["state"] == "received"
    assert answer["claim"]["record"] == item["id"] and "full_name" not in str(answer)
    forged = (await client.get("/receipts/check.json", params={"c": code[:-3] + "AAA"})).json()
    assert forged == {"genuine": False, "claim": None, "state": None}
    keys = (await client.get("/receipts/keys.json")).json()["keys"]
    assert len(keys) == 1 and keys[0]["current"] is True
