"""Peers in Teams: the employee proposes them and the manager confirms or changes them, as Slack's actions do.

The actions are actions/peers.py; Slack's people picker is a choice among colleagues here (the subject's team
first), whose values are person ids.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from actions import peers as peer_actions
from handlers.forms import record_id
from handlers.teams.context import TeamsCaller, act, stranger_card
from handlers.teams.evaluation_forms import Values, Words, on_submit, opened, submitted, text_of
from prompts import adaptive, evaluation_cards, peer_blocks
from prompts.goal_blocks import modal_errors

if TYPE_CHECKING:
    from bot.deps import Deps

FIELDS = ("peers",)


def register(app: Any, deps: Deps) -> None:
    on_submit(app, deps, evaluation_cards.SUBMIT_PEERS, propose)
    on_submit(app, deps, evaluation_cards.SUBMIT_CHANGE_PEERS, change)


def _pair(value: str) -> tuple[int | None, int | None]:
    cycle, _, subject = (value or "").partition(":")
    return record_id(cycle), record_id(subject)


def _chosen(values: Values) -> peer_actions.Chosen:
    return peer_actions.Chosen(person_ids=[part.strip() for part in (values.get("peers") or "").split(",")
                                           if part.strip()])


def _builder(caller: TeamsCaller, *, submit: str, change: bool, values: Values | None, words: Words | None):
    def build(form: peer_actions.PeersForm) -> dict:
        nomination = form.nomination
        modal = peer_blocks.peers_modal(callback_id=submit, metadata=form.value, chosen=[],
                                        cycle=nomination.cycle.name,
                                        subject=nomination.subject.name if change else None, locale=caller.locale)
        chosen = values if values is not None else {"peers": ",".join(str(p.id) for p in nomination.peers)}
        return adaptive.dialog_from_modal(modal, data={"action": submit, "value": form.value}, locale=caller.locale,
                                          values=chosen, words=words,
                                          people=[(person.name, str(person.id)) for person in form.candidates])
    return build


def choose_dialog(deps: Deps, caller: TeamsCaller, value: str, *, values: Values | None = None,
                  words: Words | None = None) -> dict:
    """Choose peers, on the self-review request: the employee's choice, until their manager confirms it."""
    return opened(deps, caller, peer_actions.choose_form,
                  _builder(caller, submit=evaluation_cards.SUBMIT_PEERS, change=False, values=values, words=words),
                  cycle_id=record_id(value))


def change_dialog(deps: Deps, caller: TeamsCaller, value: str, *, values: Values | None = None,
                  words: Words | None = None) -> dict:
    """Change, on the manager's confirm request (or a peer's decline): the peers, for the manager only."""
    cycle_id, subject_id = _pair(value)
    return opened(deps, caller, peer_actions.change_form,
                  _builder(caller, submit=evaluation_cards.SUBMIT_CHANGE_PEERS, change=True, values=values,
                           words=words),
                  cycle_id=cycle_id, subject_id=subject_id)


def propose(deps: Deps, caller: TeamsCaller, data: dict, activity: Any = None) -> dict:
    """Propose the chosen peers; the dialog again with the error beside the choice, or closed."""
    value = text_of(data, "value")
    return submitted(deps, caller, data, peer_actions.propose_peers, fields=FIELDS, activity=activity,
                     inputs=lambda values: {"cycle_id": record_id(value), "chosen": _chosen(values)},
                     again=lambda values, words: choose_dialog(deps, caller, value, values=values, words=words))


def change(deps: Deps, caller: TeamsCaller, data: dict, activity: Any = None) -> dict:
    """Confirm the peers as the manager changed them; the dialog again with the error, or closed."""
    value = text_of(data, "value")
    cycle_id, subject_id = _pair(value)
    return submitted(deps, caller, data, peer_actions.confirm_peers, fields=FIELDS, activity=activity,
                     inputs=lambda values: {"cycle_id": cycle_id, "subject_id": subject_id,
                                            "chosen": _chosen(values)},
                     again=lambda values, words: change_dialog(deps, caller, value, values=values, words=words))


def confirm_as_proposed(deps: Deps, caller: TeamsCaller, value: str, activity: Any = None) -> dict | None:
    """Confirm, on the manager's confirm request: the employee's choice as it is.

    A refusal is the answer; once confirmed, None: the action's answer reaches the chat as a notice.
    """
    if caller.person is None:
        return stranger_card(deps, caller.locale)
    cycle_id, subject_id = _pair(value)
    outcome = act(deps, caller, peer_actions.confirm_peers, activity=activity, cycle_id=cycle_id,
                  subject_id=subject_id)
    if not outcome.ok:
        return adaptive.text_card(" ".join(modal_errors(dict(outcome.errors), caller.locale).values()))
    return None
