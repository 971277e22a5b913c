"""Buttons on our cards, including those converted from Slack messages (reminders, alerts): `{action, value}`.

A button whose Slack action opens a modal asks Teams for a dialog (task/fetch); any other sends its data as
a chat message. Registered after the features' own handlers, so what reaches here is everything they leave.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from handlers.teams import (
    approvals,
    assistant_settings,
    calibration,
    checkins,
    coaching,
    cycles,
    goal_changes,
    goals,
    hr,
    improvement,
    peers,
    plans,
    reviews,
    translation,
)
from handlers.teams.context import TeamsCaller, card_message, identify, stranger_card
from prompts import (
    adaptive,
    assistant_blocks,
    calibration_blocks,
    checkin_blocks,
    coaching_blocks,
    cycle_blocks,
    digest_blocks,
    improvement_blocks,
    peer_blocks,
    plan_blocks,
    review_blocks,
)
from prompts.goal_blocks import APPROVE_ACTION, MENU_ACTION, NEW_GOAL_ACTION, RETURN_ACTION, error_text
from prompts.render import label

if TYPE_CHECKING:
    from bot.deps import Deps


def register(app: Any, deps: Deps) -> None:
    @app.on_dialog_open
    async def open_dialog(ctx: Any) -> dict:
        caller = await identify(ctx, deps)
        action, value = action_of(ctx.activity.value.data if ctx.activity.value else None)
        return await asyncio.to_thread(dialog_for, deps, caller, action, value, reply_to=ctx.activity.reply_to_id)

    @app.on_dialog_submit
    async def unknown_submit(ctx: Any) -> dict:
        caller = await identify(ctx, deps)
        return adaptive.message_dialog(error_text("not_found", caller.locale), locale=caller.locale)

    @app.on_message
    async def card_submit(ctx: Any) -> None:
        activity = ctx.activity
        if activity.value is None or activity.text:
            return await ctx.next()
        caller = await identify(ctx, deps)
        action, value = action_of(activity.value)
        if action == APPROVE_ACTION:  # tells the goal's owner too, wherever they are
            card, replaces = await approvals.approve(app, deps, caller, value)
        elif action == calibration_blocks.CALIBRATE_ACTION:  # several cards, as Slack posts several messages
            for card in await asyncio.to_thread(calibration.calibration_cards, deps, caller, value):
                await ctx.send(card_message(card))
            return
        else:
            card, replaces = await asyncio.to_thread(answer_button, deps, caller, action, value, activity)
        if card is None:  # the action's own answer reaches the person's chat through the notices log
            return
        message = card_message(card)
        if replaces and activity.reply_to_id:
            message.id = activity.reply_to_id  # the answer takes the reminder's place, as Slack's snooze does
        await ctx.send(message)


def action_of(data: Any) -> tuple[str, str]:
    """The Block Kit action id and value a button sent; anything else reads as empty."""
    if not isinstance(data, dict):
        return "", ""
    action, value = data.get("action"), data.get("value")
    return (action if isinstance(action, str) else "", value if isinstance(value, str) else "")


def dialog_for(deps: Deps, caller: TeamsCaller, action: str, value: str, *, reply_to: str | None = None) -> dict:
    """Answer a task/fetch: the dialog the button's Slack action opens as a modal, or why there is none.

    `reply_to` is the card the button is on, for a dialog whose outcome replaces it.
    """
    if caller.person is None:
        return adaptive.dialog(label("app_name", caller.locale), stranger_card(deps, caller.locale))
    if action == checkin_blocks.OPEN_CHECKIN_ACTION:
        return checkins.checkin_dialog(deps, caller, week=value or None)
    if action == checkin_blocks.RESPOND_ACTION:
        return checkins.reply_dialog(deps, caller, value)
    if action == NEW_GOAL_ACTION:
        return goals.new_goal_dialog(deps, caller)
    if action == MENU_ACTION:  # a goal's ⋯ menu: progress, adjust, history, archive
        return goals.menu_dialog(deps, caller, value)
    if action == coaching_blocks.REVIEW_ACTION:
        return coaching.review_dialog(deps, caller, value)
    if action == coaching_blocks.REFLECT_ACTION:
        return coaching.reflect_dialog(deps, caller, value)
    if action == coaching_blocks.ADJUST_GOAL_ACTION:  # "Adjust this goal" on an early warning
        return goal_changes.adjust_dialog(deps, caller, value)
    if action == RETURN_ACTION:
        return approvals.return_dialog(deps, caller, value, message_id=reply_to)
    if action in _REVIEW_DIALOGS:
        return _REVIEW_DIALOGS[action](deps, caller, value)
    if action in _EVALUATION_DIALOGS:
        return _EVALUATION_DIALOGS[action](deps, caller, value)
    return adaptive.message_dialog(_refusal(action, caller.locale), locale=caller.locale)


# Review cycles' buttons (handlers.teams.reviews): each opens its dialog for the review id it carries.
_REVIEW_DIALOGS = {
    review_blocks.OPEN_SELF_REVIEW_ACTION: reviews.self_review_dialog,
    peer_blocks.OPEN_PEER_REVIEW_ACTION: reviews.peer_review_dialog,
    peer_blocks.DECLINE_PEER_REVIEW_ACTION: reviews.decline_dialog,
    review_blocks.ACKNOWLEDGE_ACTION: reviews.acknowledge_dialog,
    review_blocks.OPEN_MANAGER_REVIEW_ACTION: reviews.manager_review_dialog,
    improvement_blocks.COMMITMENTS_ACTION: reviews.commitments_dialog,
    improvement_blocks.RECORD_CHECK_ACTION: reviews.check_dialog,
}

# Peers, calibration, plans and improvement plans (handlers.teams.peers, ...): each opens its dialog for its value.
_EVALUATION_DIALOGS = {
    peer_blocks.CHOOSE_PEERS_ACTION: peers.choose_dialog,
    peer_blocks.CHANGE_PEERS_ACTION: peers.change_dialog,
    improvement_blocks.OPEN_PLAN_ACTION: improvement.plan_dialog,
    plan_blocks.EDIT_PLAN_ACTION: plans.edit_dialog,
    calibration_blocks.REVISIT_ACTION: calibration.revisit_dialog,
    calibration_blocks.RELEASE_ACTION: calibration.release_dialog,
    cycle_blocks.OPEN_CYCLE_ACTION: cycles.open_dialog,
}


def answer_button(deps: Deps, caller: TeamsCaller, action: str, value: str,
                  activity: Any = None) -> tuple[dict | None, bool]:
    """Answer a plain button press; True when the answer should replace the card pressed.

    None: the action answered already, as a notice to the person's chat (queued with what it saved).
    """
    if caller.person is None:
        return stranger_card(deps, caller.locale), False
    if action.startswith(f"{checkin_blocks.SNOOZE_ACTION}-"):
        snoozed = checkins.snooze(deps, caller, value)
        if snoozed is None:  # a forged week or choice, or a week whose check-in has closed
            return adaptive.text_card(error_text("not_found", caller.locale)), False
        return snoozed, True
    if action == checkin_blocks.OPEN_CHECKIN_ACTION:
        # Pressed as a plain submit (an older card): a message cannot open a dialog, so offer the button that can.
        return checkins.button_card(deps, caller.person, locale=caller.locale), False
    if action == coaching_blocks.ONE_ON_ONE_ACTION:
        return coaching.one_on_one_held(deps, caller, value), False
    if action.startswith(f"{digest_blocks.EXPORT_ACTION}-"):  # the HR digest's export buttons
        return hr.export_card(deps, caller, value), False
    if action == peer_blocks.CONFIRM_PEERS_ACTION:
        return peers.confirm_as_proposed(deps, caller, value, activity), False
    if action == calibration_blocks.RELEASE_ACTION:  # a plain submit cannot open Slack's "are you sure"
        return calibration.release_button_card(value, locale=caller.locale), False
    if action == assistant_blocks.TRANSLATE_ACTION:  # beside a check-in or feedback in another language
        return translation.translate(deps, caller, value), False
    if action == assistant_blocks.ORIGINAL_ACTION:  # under a translation: the original takes its place
        return translation.show_original(deps, caller, value), True
    if action == assistant_blocks.SWITCH_ACTION:  # HR's On/Off on the assistant card: the card, updated
        return assistant_settings.switch_assistant_feature(deps, caller, value), True
    return adaptive.text_card(_refusal(action, caller.locale)), False


def _refusal(action: str, locale: str) -> str:
    """A Slack action with no Teams answer yet says so; anything else is unknown, or forged."""
    if adaptive.is_slack_action(action):
        return label("teams_not_in_teams_yet", locale)
    return error_text("not_found", locale)
