"""Read what people type the same way in every form: full-width digits from Chinese IMEs included."""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from typing import Any

_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_DIGITS = re.compile(r"[0-9]{1,10}")  # ASCII only: str.isdigit() also takes "²", which int() refuses
ID_MAX = 2**31 - 1  # record ids are PostgreSQL INTEGERs: a larger one fails the query instead of finding nothing


def iso_date(text: str | None) -> date | None:
    """Parse YYYY-MM-DD; None when blank; ValueError when malformed or not a real day."""
    folded = unicodedata.normalize("NFKC", text or "").strip()
    if not folded:
        return None
    # fromisoformat alone would also take "20261130" and "2026-W48-1".
    if not _ISO_DATE.fullmatch(folded):
        raise ValueError(f"{text!r} is not a YYYY-MM-DD date")
    return date.fromisoformat(folded)


def record_id(raw: Any) -> int | None:
    """Read a record id as a form or a button carries it: a positive 32-bit integer, else None (names nothing)."""
    if isinstance(raw, bool) or not isinstance(raw, str | int):
        return None
    digits = str(raw).strip()
    return int(digits) if _DIGITS.fullmatch(digits) and 0 < int(digits) <= ID_MAX else None
