"""Read what a person typed into a Slack modal, whatever the element type."""

from __future__ import annotations

import json
import re
from typing import Any

ID_MAX = 2**31 - 1  # record ids are 32-bit integers
_ID = re.compile(r"^[0-9]{1,10}$")


def view_values(view: dict) -> dict[str, str | None]:
    """Flatten view.state.values to {block_id: the entered value as text, or None}."""
    values: dict[str, str | None] = {}
    for block_id, actions in view.get("state", {}).get("values", {}).items():
        for state in actions.values():
            values[block_id] = _value(state)
    return values


def _value(state: dict) -> str | None:
    if "selected_options" in state:  # checkboxes and multi-selects: the chosen values, comma-separated
        return ",".join(option["value"] for option in state["selected_options"]) or None
    if "selected_users" in state:
        return ",".join(state["selected_users"]) or None
    if state.get("selected_option"):
        return state["selected_option"].get("value")
    for key in ("value", "selected_date", "selected_time", "selected_user", "selected_conversation"):
        if state.get(key) is not None:
            return state[key]
    return None


def metadata(view: dict) -> dict:
    """Parse the JSON a view carries in private_metadata; a forged or broken value reads as empty."""
    try:
        data = json.loads(view.get("private_metadata") or "{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def metadata_id(view: dict) -> int | None:
    """Parse a view's private_metadata holding a single record id."""
    try:
        return int(view.get("private_metadata") or "")
    except ValueError:
        return None


def block_ids(view: dict) -> set[str]:
    return {block["block_id"] for block in view.get("blocks", []) if "block_id" in block}


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
    if isinstance(raw, bool) or not isinstance(raw, str | int):
        return None
    text = str(raw)
    return int(text) if _ID.match(text) and 0 < int(text) <= ID_MAX else None
