"""Read what a person typed into a Slack modal, whatever the element type."""

from __future__ import annotations

from typing import Any

from handlers import payloads

ID_MAX = payloads.ID_MAX


def view_values(view: dict) -> dict[str, str | None]:
    """Flatten view.state.values to {block_id: the entered value as text, or None}; a broken state is Malformed."""
    return payloads.form_values(view)


def metadata(view: dict) -> dict:
    """Parse the JSON a view carries in private_metadata; a forged or broken value reads as empty."""
    return payloads.metadata(view)


def metadata_id(view: dict) -> int | None:
    """Parse a view's private_metadata holding a single record id."""
    return payloads.metadata_id(view)


def block_ids(view: dict) -> set[str]:
    return payloads.block_ids(view)


def inline_errors(errors: dict[str, str], view: dict, *, fallback: str) -> dict[str, str]:
    """Keep errors on blocks the view has; others go on `fallback` (Slack refuses unknown block ids)."""
    present = block_ids(view)
    placed: dict[str, str] = {}
    for block_id, text in errors.items():
        target = block_id if block_id in present else fallback
        placed[target] = f"{placed[target]} {text}" if target in placed else text
    return placed


def record_id(raw: Any) -> int | None:
    """A record id from a button, a modal or a dialog's data (forgeable): a positive 32-bit integer, else None."""
    return payloads.record_id(raw)
