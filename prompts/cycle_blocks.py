"""Block Kit for HR opening a review cycle from the App Home."""

from __future__ import annotations

from collections.abc import Sequence

from prompts.blocks import markdown_message
from prompts.home_blocks import OPEN_CYCLE_ACTION as OPEN_CYCLE_ACTION  # the button sits on HR's home
from prompts.render import label, render
from prompts.review_blocks import plain

OPEN_CYCLE_VIEW = "cycle_open_submit"
WHOLE_ORG = "*"
DATE_FIELDS = ("from", "to", "self_due", "peer_due", "manager_due")
TEAMS_SHOWN = 99  # a static select holds 100 options; one is the whole organisation
PEER_THRESHOLD_FIELD = "peer_threshold"
PEER_THRESHOLD_SHOWN = "3"  # storage.cycles.PEER_THRESHOLD_DEFAULT, prefilled; typed so Teams' dialog has it too


def open_cycle_modal(teams: Sequence[str], *, locale: str) -> dict:
    options = [{"text": plain(label("cycle_whole_org", locale)), "value": WHOLE_ORG},
               *[{"text": plain(team[:75]), "value": team[:150]} for team in teams[:TEAMS_SHOWN]]]
    anonymous = {"text": plain(label("cycle_peers_anonymous", locale)), "value": "yes"}
    blocks = [
        {"type": "input", "block_id": "name", "label": plain(label("cycle_name", locale)),
         "element": {"type": "plain_text_input", "action_id": "name", "max_length": 100,
                     "placeholder": plain(label("cycle_name_placeholder", locale))}},
        {"type": "input", "block_id": "team", "label": plain(label("cycle_team", locale)),
         "element": {"type": "static_select", "action_id": "team", "options": options, "initial_option": options[0]}},
        *[{"type": "input", "block_id": field, "label": plain(label(f"cycle_{field}", locale)),
           "element": {"type": "datepicker", "action_id": "date"}} for field in DATE_FIELDS],
        {"type": "input", "block_id": "anonymous", "optional": True, "label": plain(label("cycle_peers", locale)),
         "element": {"type": "checkboxes", "action_id": "anonymous", "options": [anonymous],
                     "initial_options": [anonymous]}},
        {"type": "input", "block_id": PEER_THRESHOLD_FIELD, "label": plain(label("cycle_peer_threshold", locale)),
         "hint": plain(label("cycle_peer_threshold_hint", locale)),
         "element": {"type": "plain_text_input", "action_id": PEER_THRESHOLD_FIELD, "max_length": 2,
                     "initial_value": PEER_THRESHOLD_SHOWN}},
    ]
    return {"type": "modal", "callback_id": OPEN_CYCLE_VIEW, "title": plain(label("cycle_open_title", locale)[:24]),
            "submit": plain(label("cycle_open_submit", locale)), "close": plain(label("cancel", locale)),
            "blocks": blocks}


def cycle_opened(*, cycle: str, people: int, team: str | None, locale: str) -> dict:
    return markdown_message(render("cycle_opened", locale, cycle=cycle, people=people, team=team or ""))
