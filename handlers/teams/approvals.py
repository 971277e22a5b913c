"""Goal approvals in Teams: the manager is asked where they are, decides from the card, the owner hears it.

The same storage verb (storage.goals.decide), permissions and words as Slack's (handlers/goal_decisions.py):
Approve is a plain button whose answer replaces the request, as Slack's does; Return with comment opens a
dialog for the comment. A forged id or someone else's goal is refused with Slack's words and nothing is written.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from slack_sdk.errors import SlackApiError

from bot.app import slack_web_client
from handlers import goal_decisions
from handlers.forms import record_id
from handlers.home import publish_home
from handlers.teams.context import TeamsCaller, card_message, identify, send_to_own_chat, stranger_card
from handlers.teams.notify import locale_of, send_where_they_are
from prompts import cards, goal_blocks
from prompts.goal_blocks import error_text
from prompts.render import label
from storage import goals
from storage.models import Goal, Person

if TYPE_CHECKING:
    from bot.deps import Deps

log = logging.getLogger(__name__)

FIELD_MAX = 5000  # longer than a comment may be: beyond it a value is not worth validating, only refusing
MESSAGE_ID_MAX = 200  # a Teams activity id is far shorter; anything longer is not one
# Decision errors the comment field can fix: the dialog comes back with them beside it.
_COMMENT_ERRORS = (goals.COMMENT_MISSING, goals.TEXT_TOO_LONG)


def register(app: Any, deps: Deps) -> None:
    @app.on_dialog_submit(cards.SUBMIT_RETURN_GOAL)
    async def submit_return(ctx: Any) -> dict:
        caller = await identify(ctx, deps)
        data = _data(ctx)
        comment = data.get("comment")
        comment = comment[:FIELD_MAX] if isinstance(comment, str) else ""
        message_id = _message_id(data.get("message_id"))
        outcome = await asyncio.to_thread(decide, deps, caller.person, data.get("goal_id"), approve=False,
                                          comment=comment.strip())
        if isinstance(outcome, str):
            return await asyncio.to_thread(refused_return, deps, caller, data.get("goal_id"), outcome,
                                           comment=comment, message_id=message_id)
        recorded = await announce(app, deps, caller.person, outcome, comment=comment.strip(), locale=caller.locale)
        if message_id is not None and ctx.activity.conversation.conversation_type == "personal":
            message = card_message(recorded)
            message.id = message_id  # the decision takes the request's place, as Slack's chat.update does
            await ctx.send(message)
        else:
            await send_to_own_chat(ctx, app, deps, caller.person, recorded)
        return cards.close_dialog(recorded["fallbackText"])


def _data(ctx: Any) -> dict:
    value = ctx.activity.value
    data = value.data if value is not None else None
    return data if isinstance(data, dict) else {}


def _message_id(raw: Any) -> str | None:
    return raw if isinstance(raw, str) and 0 < len(raw) <= MESSAGE_ID_MAX and raw.isprintable() else None


# ---- asking the manager ---------------------------------------------------------------------------


async def ask_manager(app: Any, deps: Deps, author: Person, goal: Goal) -> bool:
    """Ask the author's manager to approve or return a proposed goal, where they are; True when asked.

    Slack's approval request (its Approve and Return buttons): a Teams card or a Slack DM.
    """
    request = await asyncio.to_thread(_approval_request, deps, author, goal)
    if request is None:
        return False
    manager, message = request
    outcome = await send_where_they_are(app, deps, manager, message)
    if not outcome.sent:
        log.warning("approval request for goal %s not delivered: %s", goal.id, outcome.error)
    await asyncio.to_thread(refresh_slack_home, deps, manager)
    return outcome.sent


def _approval_request(deps: Deps, author: Person, goal: Goal) -> tuple[Person, dict] | None:
    if goal.approval != "proposed" or not author.manager_id:
        return None
    with deps.sessions() as session:
        manager = session.get(Person, author.manager_id)
        parent = session.get(Goal, goal.parent_id) if goal.parent_id else None
    if manager is None or not manager.active:
        return None
    message = goal_blocks.approval_request(goal, goals.own_progress(goal), owner_name=author.name,
                                           parent_title=parent.title if parent else None,
                                           locale=locale_of(deps, manager))
    return manager, message


def refresh_slack_home(deps: Deps, person: Person) -> None:
    """Refresh the person's Slack App Home, as Slack's handlers do after a decision; a failure undoes nothing."""
    if not person.slack_id:
        return
    try:
        publish_home(slack_web_client(deps), {"deps": deps}, person)
    except (SlackApiError, OSError) as exc:
        log.warning("Slack home refresh failed: %s", type(exc).__name__)


# ---- deciding ---------------------------------------------------------------------------------------


def decide(deps: Deps, decider: Person | None, raw_goal_id: Any, *, approve: bool, comment: str | None) -> Goal | str:
    """Record the decision exactly as Slack does; return the goal, or the error code (nothing written)."""
    return goal_decisions.decide(deps, decider, raw_goal_id, approve=approve, comment=comment)


@dataclass(frozen=True)
class _Parties:
    owner: Person
    parent: Goal | None


async def announce(app: Any, deps: Deps, decider: Person, goal: Goal, *, comment: str | None, locale: str) -> dict:
    """Tell the owner where they are, refresh both Slack homes; return the decider's card (Slack's words)."""
    parties = await asyncio.to_thread(_parties, deps, goal)
    approved = goal.approval == "approved"
    owner = parties.owner
    decided = goal_blocks.goal_decided(goal, approved=approved, decider_name=decider.name, comment=comment,
                                       parent_title=parties.parent.title if parties.parent else None,
                                       locale=locale_of(deps, owner))
    outcome = await send_where_they_are(app, deps, owner, decided)
    if not outcome.sent:
        log.warning("goal decision for goal %s not delivered: %s", goal.id, outcome.error)
    for person in (owner, decider):
        await asyncio.to_thread(refresh_slack_home, deps, person)
    return cards.card_from_block_kit(goal_blocks.decision_recorded(goal, approved=approved, owner_name=owner.name,
                                                                   comment=comment, locale=locale))


def _parties(deps: Deps, goal: Goal) -> _Parties:
    with deps.sessions() as session:
        owner = session.get(Person, goal.owner_id)
        parent = session.get(Goal, goal.parent_id) if goal.parent_id else None
    return _Parties(owner, parent)


async def approve(app: Any, deps: Deps, caller: TeamsCaller, value: str) -> tuple[dict, bool]:
    """Approve, on the request's card: the decision replaces the card, as on Slack; a refusal is a new message."""
    if caller.person is None:
        return await asyncio.to_thread(stranger_card, deps, caller.locale), False
    outcome = await asyncio.to_thread(decide, deps, caller.person, value, approve=True, comment=None)
    if isinstance(outcome, str):
        return cards.text_card(error_text(outcome, caller.locale)), False
    return await announce(app, deps, caller.person, outcome, comment=None, locale=caller.locale), True


# ---- returning with a comment -----------------------------------------------------------------------


def return_dialog(deps: Deps, caller: TeamsCaller, value: str, *, message_id: str | None = None) -> dict:
    """Return with comment, on the request's card: the comment dialog, for a goal the caller can see (as Slack)."""
    if caller.person is None:
        return cards.dialog(label("app_name", caller.locale), stranger_card(deps, caller.locale))
    goal = _visible_goal(deps, caller.person, value)
    if isinstance(goal, str):
        return cards.message_dialog(error_text(goal, caller.locale), locale=caller.locale)
    return cards.return_goal_dialog(goal, locale=caller.locale, message_id=_message_id(message_id))


def refused_return(deps: Deps, caller: TeamsCaller, raw_goal_id: Any, code: str, *, comment: str,
                   message_id: str | None) -> dict:
    """A refused return: the dialog again with the error by the comment when the comment can fix it, else why not."""
    if code in _COMMENT_ERRORS and caller.person is not None:
        goal = _visible_goal(deps, caller.person, raw_goal_id)
        if not isinstance(goal, str):
            return cards.return_goal_dialog(goal, locale=caller.locale, message_id=message_id, value=comment,
                                            errors={"comment": code})
    return cards.message_dialog(error_text(code, caller.locale), locale=caller.locale)


def _visible_goal(deps: Deps, viewer: Person, raw_goal_id: Any) -> Goal | str:
    goal_id = record_id(raw_goal_id)
    if goal_id is None:
        return goals.NOT_FOUND
    with deps.sessions() as session:
        try:
            return goals.get_visible(session, viewer, goal_id)
        except goals.GoalError as error:
            return error.code
