"""Read what people type the same way in every form: full-width digits from Chinese IMEs included."""

from __future__ import annotations

import re
import unicodedata
from datetime import date

_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def iso_date(text: str | None) -> date | None:
    """Parse YYYY-MM-DD; None when blank; ValueError when malformed or not a real day."""
    folded = unicodedata.normalize("NFKC", text or "").strip()
    if not folded:
        return None
    # fromisoformat alone would also take "20261130" and "2026-W48-1".
    if not _ISO_DATE.fullmatch(folded):
        raise ValueError(f"{text!r} is not a YYYY-MM-DD date")
    return date.fromisoformat(folded)
