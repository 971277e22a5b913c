"""Goal approvals in Teams: the manager decides from the request's card, the owner hears it where they are.

The rules, permissions and words are Slack's (actions.goals.decide_goal): Approve is a plain button whose answer
replaces the request, as Slack's does; Return with comment opens a dialog for the comment. A forged id or someone
else's goal is refused with Slack's words and nothing is written.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from actions import goals as goal_actions
from actions.outcome import Outcome
from handlers.forms import record_id
from handlers.teams.context import (
    FIELD_MAX,
    TeamsCaller,
    act,
    card_message,
    data_of,
    identify,
    send_to_own_chat,
    stranger_card,
)
from prompts import adaptive, goal_cards
from prompts.goal_blocks import error_text
from prompts.render import label
from storage.models import Person

if TYPE_CHECKING:
    from bot.deps import Deps

MESSAGE_ID_MAX = 200  # a Teams activity id is far shorter; anything longer is not one


def register(app: Any, deps: Deps) -> None:
    @app.on_dialog_submit(goal_cards.SUBMIT_RETURN_GOAL)
    async def submit_return(ctx: Any) -> dict:
        caller = await identify(ctx, deps)
        data = data_of(ctx)
        comment = data.get("comment")
        comment = comment[:FIELD_MAX] if isinstance(comment, str) else ""
        message_id = _message_id(data.get("message_id"))
        if caller.person is None:
            return adaptive.message_dialog(error_text("not_allowed", caller.locale), locale=caller.locale)
        outcome = await asyncio.to_thread(decide, deps, caller, data.get("goal_id"), approve=False, comment=comment,
                                          activity=ctx.activity)
        if not outcome.ok:
            return await asyncio.to_thread(refused_return, deps, caller, data.get("goal_id"), outcome,
                                           comment=comment, message_id=message_id)
        recorded = adaptive.card_from_block_kit(outcome.reply)
        if message_id is not None and ctx.activity.conversation.conversation_type == "personal":
            message = card_message(recorded)
            message.id = message_id  # the decision takes the request's place, as Slack's chat.update does
            await ctx.send(message)
        else:
            await send_to_own_chat(ctx, app, deps, caller.person, recorded)
        return adaptive.close_dialog(recorded["fallbackText"])


def _message_id(raw: Any) -> str | None:
    return raw if isinstance(raw, str) and 0 < len(raw) <= MESSAGE_ID_MAX and raw.isprintable() else None


def refresh_slack_homes(deps: Deps, people: Iterable[Person]) -> None:
    """Refresh the Slack App Home of each person on Slack whose goals changed (deps.refresh_home: bot.app's hook)."""
    if deps.refresh_home is None:  # Teams without Slack
        return
    for person in people:
        if person.slack_id:
            deps.refresh_home(person)


# ---- deciding ---------------------------------------------------------------------------------------


def decide(deps: Deps, caller: TeamsCaller, raw_goal_id: Any, *, approve: bool, comment: str | None = None,
           activity: Any = None) -> Outcome:
    """Record the decision and tell the owner where they are; refresh both Slack homes (call it off the event loop)."""
    outcome = act(deps, caller, goal_actions.decide_goal, activity=activity, goal_id=record_id(raw_goal_id),
                  approve=approve, comment=comment)
    if outcome.ok:
        refresh_slack_homes(deps, outcome.value.homes)
    return outcome


async def approve(app: Any, deps: Deps, caller: TeamsCaller, value: str) -> tuple[dict, bool]:
    """Approve, on the request's card: the decision replaces the card, as on Slack; a refusal is a new message."""
    if caller.person is None:
        return await asyncio.to_thread(stranger_card, deps, caller.locale), False
    outcome = await asyncio.to_thread(decide, deps, caller, value, approve=True)
    if not outcome.ok:
        return adaptive.text_card(error_text(_first(outcome), caller.locale)), False
    return adaptive.card_from_block_kit(outcome.reply), True


def _first(outcome: Outcome) -> str:
    return next(iter(outcome.errors.values()))


# ---- returning with a comment -----------------------------------------------------------------------


def return_dialog(deps: Deps, caller: TeamsCaller, value: str, *, message_id: str | None = None) -> dict:
    """Return with comment, on the request's card: the comment dialog, for a goal the caller can see (as Slack)."""
    if caller.person is None:
        return adaptive.dialog(label("app_name", caller.locale), stranger_card(deps, caller.locale))
    goal = _visible_goal(deps, caller.person, value)
    if isinstance(goal, str):
        return adaptive.message_dialog(error_text(goal, caller.locale), locale=caller.locale)
    return goal_cards.return_goal_dialog(goal, locale=caller.locale, message_id=_message_id(message_id))


def refused_return(deps: Deps, caller: TeamsCaller, raw_goal_id: Any, outcome: Outcome, *, comment: str,
                   message_id: str | None) -> dict:
    """A refused return: the dialog again with the error by the comment when the comment can fix it, else why not."""
    if "comment" in outcome.errors:
        goal = _visible_goal(deps, caller.person, raw_goal_id)
        if not isinstance(goal, str):
            return goal_cards.return_goal_dialog(goal, locale=caller.locale, message_id=message_id, value=comment,
                                                 errors={"comment": outcome.errors["comment"]})
    return adaptive.message_dialog(error_text(_first(outcome), caller.locale), locale=caller.locale)


def _visible_goal(deps: Deps, viewer: Person, raw_goal_id: Any):
    with deps.sessions() as session:
        return goal_actions.visible_goal(session, viewer, record_id(raw_goal_id))
