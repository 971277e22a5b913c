"""HR's exports from Teams: the digest's export buttons run the same export (actions.exports) and say where the
CSV is, since Teams takes no file from a bot without a file-consent upload to OneDrive."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from actions import exports as export_actions
from handlers.teams.context import TeamsCaller, act
from prompts import adaptive
from prompts.goal_blocks import error_text
from prompts.render import render

if TYPE_CHECKING:
    from bot.deps import Deps


def export_card(deps: Deps, caller: TeamsCaller, kind: str) -> dict:
    """Run the export for HR and answer with its summary and where to get the file; anyone else hears why not."""
    with open(os.devnull, "w", encoding="utf-8", newline="") as nowhere:  # counted as written, sent nowhere
        outcome = act(deps, caller, export_actions.export_records, kind=kind, out=nowhere)
    if not outcome.ok:
        return adaptive.text_card(error_text(outcome.errors[export_actions.KIND], caller.locale))
    return adaptive.text_card(render("export_elsewhere", caller.locale, kind=outcome.value.kind,
                                     rows=outcome.value.rows))
