"""The audit trail: who changed what, when, kept beside the data it describes."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from storage.models import AuditEvent


def record(
    session: Session,
    *,
    action: str,
    entity: str,
    entity_id: int | None,
    actor_id: int | None,
    now: datetime,
    detail: dict | None = None,
) -> AuditEvent:
    """Add one audit event to the session; the caller's transaction commits it with the change."""
    event = AuditEvent(
        at=now,
        actor_id=actor_id,
        action=action,
        entity=entity,
        entity_id=entity_id,
        detail=dict(detail or {}),
    )
    session.add(event)
    return event
