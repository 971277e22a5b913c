"""HR's exports from the digest's buttons: who may export, and the CSV written, whichever surface asked."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TextIO

from actions.outcome import Asked, Outcome
from prompts import digest_blocks
from storage import exports
from storage.permissions import is_hr

KIND = "kind"  # the error key: the export asked for, or who asked


@dataclass(frozen=True)
class Exported:
    kind: str
    rows: int


def export_records(session, asked: Asked, *, kind: str, out: TextIO) -> Outcome:
    """Write the `kind` export (goals, check-ins, reviews) to `out` as Excel-ready CSV, for HR only.

    Refused: `kind` (not_found for an export that does not exist, export_not_allowed for anyone but HR).
    `out` may be a file of millions of rows: the rows are streamed, never held.
    """
    if kind not in digest_blocks.EXPORT_KINDS:
        return Outcome.refused({KIND: "not_found"})
    if not is_hr(asked.person):
        return Outcome.refused({KIND: "export_not_allowed"})
    rows = exports.write_csv(exports.rows(session, kind), out, kind=kind)
    return Outcome.done(value=Exported(kind, rows))
