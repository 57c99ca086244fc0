"""Signed receipts: an Ed25519 signature over a receipt's key fields, carried in its QR
code, so a printed receipt can be checked with the public key alone — by the verify
page, by ``luutru verify-receipt``, or by any device that holds the key, with no network.

The signed text is short (a QR code must stay scannable on cheap paper):
``LT2|<key id>|<kind>|<receipt number>|<record>|<establishment>|<unit code>|<time>|<count>|<doc>``
then ``.`` and the signature in base64url. ``kind`` is ``R`` (one declaration) or ``D``
(an establishment's day); ``doc`` is the last four characters of the document number; the
key id names the key that signed it (``KeySet``: keys are rotated, and a code signed by a
retired key still verifies). ``LT1`` codes (printed before key ids) carry no key id: every
known key is tried.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import os
import re
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

VERSION = "LT2"
VERSIONS = {"LT1": 9, "LT2": 10}  # the number of fields of each


@dataclass(frozen=True)
class Claim:
    kind: str  # "R" one declaration, "D" an establishment's day
    receipt_number: str
    record: str  # the declaration id, or the day (YYYY-MM-DD)
    establishment_id: int
    unit_code: str
    at: str  # received (R) or the day's last receipt (D), ISO 8601 UTC, seconds
    count: int  # 1 for a declaration; the day's declarations for D
    document_tail: str  # last 4 characters of the document number ("" for D)
    key_id: str = ""  # the signing key's id ("" in an LT1 code)

    def text(self) -> str:
        head = (VERSION, self.key_id) if self.key_id else ("LT1",)
        fields = (
            *head, self.kind, self.receipt_number, self.record, str(self.establishment_id),
            self.unit_code, self.at, str(self.count), self.document_tail,
        )  # fmt: skip
        return "|".join(fields)

    @classmethod
    def parse(cls, text: str) -> Claim | None:
        parts = text.split("|")
        if VERSIONS.get(parts[0]) != len(parts):
            return None
        key_id = parts.pop(1) if parts[0] == VERSION else ""
        if parts[1] not in ("R", "D") or (parts[0] == VERSION and not _KEY_ID.fullmatch(key_id)):
            return None
        if not _WHOLE.fullmatch(parts[4]) or not _WHOLE.fullmatch(parts[7]):
            return None
        return cls(parts[1], parts[2], parts[3], int(parts[4]), parts[5], parts[6],
                   int(parts[7]), parts[8], key_id)  # fmt: skip


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


_WHOLE = re.compile(r"[0-9]{1,18}")
_KEY_ID = re.compile(r"[0-9a-f]{8}")
_B64URL = re.compile(r"[A-Za-z0-9_-]*")


def _unb64(text: str) -> bytes:
    """Strict: the decoder skips characters outside the alphabet, so junk inside a
    signature would still "verify"; any such character makes it invalid here."""
    if not _B64URL.fullmatch(text) or len(text) % 4 == 1:
        raise ValueError("not base64url")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class Signer:
    """The server's receipt key, read from a PEM file, created there on first use."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._key = self._load_or_create(path)
        raw = self._key.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )
        self.key_id = hashlib.sha256(raw).hexdigest()[:8]

    @staticmethod
    def _load_or_create(path: Path) -> Ed25519PrivateKey:
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            pem = Ed25519PrivateKey.generate().private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
            try:  # several processes may start at once: the first one's key wins
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                with os.fdopen(fd, "wb") as out:
                    out.write(pem)
            except FileExistsError:
                pass
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise ValueError(f"{path} is not an Ed25519 private key")
        return key

    def public_pem(self) -> str:
        return (
            self._key.public_key()
            .public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
            .decode()
        )

    def sign(self, claim: Claim) -> str:
        """The code a QR carries: the claim's text (with this key's id), a dot, the
        signature."""
        text = dataclasses.replace(claim, key_id=self.key_id).text()
        return f"{text}.{_b64(self._key.sign(text.encode()))}"


def verify(code: str, public_pem: str) -> Claim | None:
    """The claim, if ``code`` is signed by the key ``public_pem``; None otherwise."""
    text, dot, signature = code.strip().rpartition(".")
    if not dot:
        return None
    claim = Claim.parse(text)
    if claim is None:
        return None
    key = serialization.load_pem_public_key(public_pem.encode())
    if not isinstance(key, Ed25519PublicKey):
        return None
    try:
        key.verify(_unb64(signature), text.encode())
    except (InvalidSignature, ValueError):
        return None
    return claim


def key_id(public: Ed25519PublicKey) -> str:
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:8]


@dataclass(frozen=True)
class KeySet:
    """The keys that check receipts: the current one and the retired ones (whose
    receipts are still on paper), by key id."""

    current: str  # the current key's id
    keys: dict[str, Ed25519PublicKey]

    @classmethod
    def of(cls, signer: Signer, retired: list[Path]) -> KeySet:
        current = serialization.load_pem_public_key(signer.public_pem().encode())
        assert isinstance(current, Ed25519PublicKey)
        keys = {signer.key_id: current}
        for path in retired:
            key = serialization.load_pem_public_key(path.read_bytes())
            if not isinstance(key, Ed25519PublicKey):
                raise ValueError(f"{path} is not an Ed25519 public key")
            keys[key_id(key)] = key
        return cls(signer.key_id, keys)

    def as_json(self) -> dict[str, list[dict[str, object]]]:
        """For verifiers with no network (the police's /police/verify/ keeps a copy)."""
        return {
            "keys": [
                {
                    "id": kid,
                    "current": kid == self.current,
                    "public_key": _b64(
                        key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
                    ),
                }
                for kid, key in self.keys.items()
            ]
        }

    def public_pems(self) -> dict[str, str]:
        """Each key's public half, by id, as a file ``RECEIPT_RETIRED_KEYS`` can list."""
        return {
            kid: key.public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            ).decode()
            for kid, key in self.keys.items()
        }

    def verify(self, code: str) -> Claim | None:
        """The claim, if a known key signed ``code``: its own key for an LT2 code, any
        key for an LT1 one."""
        text, dot, signature = code.strip().rpartition(".")
        claim = Claim.parse(text) if dot else None
        if claim is None:
            return None
        candidates = [self.keys[claim.key_id]] if claim.key_id in self.keys else []
        if not claim.key_id:
            candidates = list(self.keys.values())
        for key in candidates:
            try:
                key.verify(_unb64(signature), text.encode())
            except (InvalidSignature, ValueError):
                continue
            return claim
        return None
