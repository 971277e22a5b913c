"""Block Kit for peer reviews: choosing peers, the manager's confirmation, the request, the review and declining."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from prompts.blocks import markdown_message, sections
from prompts.render import label, render
from prompts.review_blocks import CHOOSE_PEERS_ACTION as CHOOSE_PEERS_ACTION  # the button sits on the request
from prompts.review_blocks import criteria_inputs, long_input, plain

PEERS_VIEW = "peers_submit"
CONFIRM_PEERS_ACTION = "peers_confirm"
CHANGE_PEERS_ACTION = "peers_change"
CONFIRM_VIEW = "peers_confirm_submit"
OPEN_PEER_REVIEW_ACTION = "review_peer_open"
DECLINE_PEER_REVIEW_ACTION = "review_peer_decline"
PEER_REVIEW_VIEW = "review_peer_submit"
DECLINE_VIEW = "review_peer_decline_submit"
MAX_PEERS = 5


def peers_modal(*, callback_id: str, metadata: str, chosen: Sequence[str], cycle: str, subject: str | None,
                locale: str) -> dict:
    """Up to five colleagues from the workspace; the employee proposes, the manager confirms or changes."""
    element: dict = {"type": "multi_users_select", "action_id": "peers", "max_selected_items": MAX_PEERS,
                     "placeholder": plain(label("peers_placeholder", locale))}
    if chosen:
        element["initial_users"] = list(chosen)[:MAX_PEERS]
    intro = render("peers_intro", locale, cycle=cycle, subject=subject or "")
    return {
        "type": "modal", "callback_id": callback_id, "private_metadata": metadata,
        "title": plain(label("peers_title", locale)[:24]), "submit": plain(label("submit", locale)),
        "close": plain(label("cancel", locale)),
        "blocks": [*sections(intro), {"type": "input", "block_id": "peers", "element": element,
                                      "label": plain(label("peers_label", locale))}],
    }


def peers_proposed(*, peers: Sequence[str], cycle: str, manager: str | None, locale: str) -> dict:
    return markdown_message(render("peers_proposed", locale, peers=peers, cycle=cycle, manager=manager or ""))


def confirm_request(*, subject: str, peers: Sequence[str], cycle: str, value: str, locale: str) -> dict:
    """To the manager: the proposed peers, with Confirm and Change."""
    text = render("peers_confirm_request", locale, subject=subject, peers=peers, cycle=cycle)
    return {"text": text, "blocks": [*sections(text), {"type": "actions", "block_id": f"peers-{value}", "elements": [
        {"type": "button", "action_id": CONFIRM_PEERS_ACTION, "style": "primary", "value": value,
         "text": plain(label("peers_confirm", locale))},
        {"type": "button", "action_id": CHANGE_PEERS_ACTION, "value": value,
         "text": plain(label("peers_change", locale))}]}]}


def peers_confirmed(*, subject: str, peers: Sequence[str], locale: str) -> dict:
    return markdown_message(render("peers_confirmed", locale, subject=subject, peers=peers))


def peer_request(*, subject: str, cycle: str, due: str, anonymous: bool, review_id: int, reminder: bool,
                 locale: str) -> dict:
    """To a peer: review a colleague, or decline."""
    text = render("peer_review_request", locale, subject=subject, cycle=cycle, due=due, anonymous=anonymous,
                  reminder=reminder)
    return {"text": text, "blocks": [*sections(text), {"type": "actions", "block_id": f"peer-{review_id}",
            "elements": [
                {"type": "button", "action_id": OPEN_PEER_REVIEW_ACTION, "style": "primary",
                 "value": str(review_id), "text": plain(label("write_peer_review", locale))},
                {"type": "button", "action_id": DECLINE_PEER_REVIEW_ACTION, "value": str(review_id),
                 "text": plain(label("decline_peer_review", locale))}]}]}


def peer_review_modal(form: Any, *, locale: str) -> dict:
    answers = form.review.answers or {}
    intro = render("peer_review_intro", locale, subject=form.subject.name, cycle=form.cycle.name,
                   anonymous=form.cycle.peers_anonymous)
    blocks = [*sections(intro), *criteria_inputs(form.plan, answers, locale=locale),
              long_input("strengths", label("manager_review_strengths", locale), initial=answers.get("strengths"),
                         optional=False),
              long_input("to_improve", label("manager_review_to_improve", locale),
                         initial=answers.get("to_improve"), optional=False)]
    return {
        "type": "modal", "callback_id": PEER_REVIEW_VIEW, "private_metadata": str(form.review.id),
        "title": plain(label("peer_review_title", locale)[:24]), "submit": plain(label("submit", locale)),
        "close": plain(label("cancel", locale)), "blocks": blocks[:100],
    }


def decline_modal(review_id: int, *, subject: str, locale: str) -> dict:
    return {
        "type": "modal", "callback_id": DECLINE_VIEW, "private_metadata": str(review_id),
        "title": plain(label("decline_title", locale)[:24]), "submit": plain(label("decline_peer_review", locale)),
        "close": plain(label("cancel", locale)),
        "blocks": [*sections(render("peer_decline_intro", locale, subject=subject)),
                   long_input("reason", label("decline_reason", locale), initial=None)],
    }


def peer_review_thanks(*, subject: str, declined: bool, locale: str) -> dict:
    return markdown_message(render("peer_review_thanks", locale, subject=subject, declined=declined))


def peer_declined_to_manager(*, subject: str, value: str, locale: str) -> dict:
    """To the manager, without the peer's name: someone declined, pick another if you like."""
    text = render("peer_declined", locale, subject=subject)
    return {"text": text, "blocks": [*sections(text), {"type": "actions", "block_id": f"declined-{value}",
            "elements": [{"type": "button", "action_id": CHANGE_PEERS_ACTION, "value": value,
                          "text": plain(label("peers_change", locale))}]}]}
