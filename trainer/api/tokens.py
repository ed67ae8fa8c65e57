"""Per-client API tokens: shown once at creation, only their SHA-256 is stored."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from flask import g, request
from sqlalchemy import select
from sqlalchemy.orm import Session

from trainer import audit
from trainer.db import get_session, utcnow
from trainer.models import ApiClient, User

PREFIX = "trn_"
LAST_USED_RESOLUTION = timedelta(minutes=1)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_client(session: Session, name: str, *, actor: User) -> tuple[ApiClient, str]:
    """A new API client and its token (the only time the token is known in clear)."""
    token = PREFIX + secrets.token_urlsafe(32)
    client = ApiClient(
        name=name.strip()[:120],
        token_hash=_digest(token),
        token_prefix=token[:10],
        created_by_id=actor.id,
    )
    session.add(client)
    session.flush()
    audit.record(
        session, "api_client.created", actor=actor, target=client, details={"name": client.name}
    )
    return client, token


def revoke_client(session: Session, client: ApiClient, *, actor: User) -> None:
    """Stop a client's token from working."""
    client.revoked_at = utcnow()
    audit.record(session, "api_client.revoked", actor=actor, target=client)


def authenticate(header: str) -> ApiClient | None:
    """The active client whose token is in ``Authorization: Bearer …``, else None."""
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.startswith(PREFIX):
        return None
    session = get_session()
    client = session.scalar(select(ApiClient).where(ApiClient.token_hash == _digest(token.strip())))
    if client is None or client.revoked_at is not None:
        return None
    now = utcnow()
    # "last used" to the minute is enough for the clients page.
    if client.last_used_at is None or now - client.last_used_at > LAST_USED_RESOLUTION:
        client.last_used_at = now
    # Each use of a token is in the audit log: what another system read, and when.
    audit.record(
        session,
        "api_client.used",
        target=client,
        details={
            "client": client.name,
            "path": request.path,
            "query": request.query_string.decode("utf-8", "replace")[:200],
        },
    )
    session.commit()
    g.api_client = client
    return client
