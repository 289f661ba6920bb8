"""API keys (``spx_live_{random}``, stored as SHA-256) and credit balances."""

from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import select, update

from ..errors import InsufficientCredits, NotFound, Unauthorized
from .db import ApiKey, Database, utcnow
from .ids import new_id

KEY_PREFIX = "spx_live_"


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@dataclass(frozen=True)
class KeyInfo:
    """What a handler knows about the caller: the key's row id and its webhook secret."""

    id: str
    name: str
    webhook_secret: str


def create_key(db: Database, *, name: str = "", credits: int = 0) -> tuple[str, ApiKey]:
    """A new key: returns the key itself (shown once, never stored) and its row."""
    key = KEY_PREFIX + secrets.token_urlsafe(24).replace("-", "x").replace("_", "y")
    row = ApiKey(id=new_id("key"), name=name, prefix=key[:14], key_hash=hash_key(key), credits=credits,
                 webhook_secret="whsec_" + base64.b64encode(secrets.token_bytes(24)).decode())
    with db.session() as s, s.begin():
        s.add(row)
    return key, row


def authenticate(db: Database, authorization: str | None) -> KeyInfo:
    """The key of an ``Authorization: Bearer spx_live_…`` header, or :class:`Unauthorized`."""
    if not authorization:
        raise Unauthorized("Missing API key. Send 'Authorization: Bearer spx_live_…'.")
    scheme, _, token = authorization.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token.startswith(KEY_PREFIX):
        raise Unauthorized("Invalid API key. Send 'Authorization: Bearer spx_live_…'.")
    with db.session() as s:
        row = s.scalar(select(ApiKey).where(ApiKey.key_hash == hash_key(token)))
    if row is None or row.revoked_at is not None:
        raise Unauthorized("Invalid or revoked API key.")
    return KeyInfo(row.id, row.name, row.webhook_secret)


def list_keys(db: Database) -> list[ApiKey]:
    with db.session() as s:
        return list(s.scalars(select(ApiKey).order_by(ApiKey.created_at)))


def find_key(db: Database, ref: str) -> ApiKey:
    """A key by row id, name, prefix or the key itself."""
    with db.session() as s:
        for row in s.scalars(select(ApiKey)):
            if ref in (row.id, row.name, row.prefix) or hash_key(ref) == row.key_hash:
                return row
    raise NotFound(f"No API key matches {ref!r}.")


def revoke_key(db: Database, ref: str) -> ApiKey:
    row = find_key(db, ref)
    with db.session() as s, s.begin():
        s.execute(update(ApiKey).where(ApiKey.id == row.id).values(revoked_at=utcnow()))
    return find_key(db, row.id)


def balance(db: Database, key_id: str) -> int:
    with db.session() as s:
        return int(s.scalar(select(ApiKey.credits).where(ApiKey.id == key_id)) or 0)


def add_credits(db: Database, key_id: str, amount: int) -> int:
    """Add (or with a negative amount remove, down to 0) credits; returns the new balance."""
    with db.session() as s, s.begin():
        if not lock_key(s, key_id):
            raise NotFound(f"No API key {key_id!r}.")
        row = s.get(ApiKey, key_id)
        row.credits = max(0, row.credits + int(amount))
        return row.credits


def lock_key(session, key_id: str) -> bool:
    """Serialise this key's writes in ``session``'s transaction; ``False`` when there is no such key.

    A no-op ``UPDATE`` rather than ``SELECT … FOR UPDATE``: it locks the row on PostgreSQL and, on
    SQLite (which ignores ``FOR UPDATE`` and whose driver begins the transaction only at the first
    write), takes the database write lock before the checks that follow read anything.
    """
    done = session.execute(update(ApiKey).where(ApiKey.id == key_id).values(credits=ApiKey.credits))
    return done.rowcount == 1


def charge(session, key_id: str, amount: int) -> None:
    """Take ``amount`` credits inside ``session``'s transaction, atomically; 402 when short."""
    if amount <= 0:
        return
    done = session.execute(update(ApiKey).where(ApiKey.id == key_id, ApiKey.credits >= amount)
                           .values(credits=ApiKey.credits - amount))
    if done.rowcount != 1:
        have = session.scalar(select(ApiKey.credits).where(ApiKey.id == key_id)) or 0
        raise InsufficientCredits(f"Insufficient credits. You have {have} credits remaining.")


def refund(session, key_id: str, amount: int) -> None:
    if amount > 0:
        session.execute(update(ApiKey).where(ApiKey.id == key_id).values(credits=ApiKey.credits + amount))
