"""The message extension in Teams, as Slack's shortcuts: "Give kudos for this message" and "Check in".

Teams asks for each command's dialog (composeExtension/fetchTask) and sends its submit (composeExtension/submitAction).
The dialogs are Slack's: the check-in dialog of `checkin`, and Slack's kudos modal as a dialog, with the message's
author (found by their Entra ID object id among the stored Teams links) chosen and the message quoted. The actions
are /checkin's and /kudos's.
"""

from __future__ import annotations

import asyncio
from html.parser import HTMLParser
from typing import TYPE_CHECKING, Any

from actions import kudos as kudos_actions
from handlers.forms import record_id
from handlers.teams import checkins
from handlers.teams.context import FIELD_MAX, TeamsCaller, act, identify, stranger_card
from prompts import adaptive, kudos_blocks
from prompts.goal_blocks import error_text
from prompts.render import label
from storage import teams_links
from storage.models import Person

if TYPE_CHECKING:
    from bot.deps import Deps

# The command ids of the manifest's message extension (bot/teams_package.py): Teams sends these, never the titles.
KUDOS_COMMAND = "kudos_for_message"
CHECKIN_COMMAND = "checkin"
SUBMIT_KUDOS = kudos_blocks.KUDOS_VIEW


def register(app: Any, deps: Deps) -> None:
    @app.on_message_ext_open
    async def fetch_task(ctx: Any) -> dict:
        caller = await identify(ctx, deps)
        value = ctx.activity.value
        return await asyncio.to_thread(dialog_for, deps, caller, value.command_id, value.message_payload)

    @app.on_message_ext_submit
    async def submit_action(ctx: Any) -> dict:
        caller = await identify(ctx, deps)
        value = ctx.activity.value
        data = value.data if isinstance(value.data, dict) else {}
        return await asyncio.to_thread(submit, deps, caller, value.command_id, data, ctx.activity)


def dialog_for(deps: Deps, caller: TeamsCaller, command_id: str | None, message: Any) -> dict:
    """Answer a fetchTask: the command's dialog, or why there is none."""
    if caller.person is None:
        return adaptive.dialog(label("app_name", caller.locale), stranger_card(deps, caller.locale))
    if command_id == CHECKIN_COMMAND:
        return checkins.checkin_dialog(deps, caller)
    if command_id == KUDOS_COMMAND and message is not None:
        return kudos_dialog(deps, caller, message)
    return adaptive.message_dialog(error_text("not_found", caller.locale), locale=caller.locale)


def kudos_dialog(deps: Deps, caller: TeamsCaller, message: Any) -> dict:
    """Kudos for a message's author, or why not (your own message, an app's, someone outside the organisation)."""
    sender = message.from_
    user = sender.user if sender is not None else None
    with deps.sessions() as session:
        author = teams_links.by_teams_id(session, user.id) if user is not None else None
    outcome = act(deps, caller, kudos_actions.kudos_for_author, author=author, by_bot=user is None)
    if not outcome.ok:
        return adaptive.message_dialog(error_text(outcome.errors["receiver"], caller.locale), locale=caller.locale)
    body = message.body.content if message.body is not None else None
    quote = kudos_blocks.preview(plain_text(body) if message.body and message.body.content_type == "html" else body)
    return _kudos_form(outcome.value, quote=quote, link=kudos_blocks.safe_link(message.link_to_message),
                       locale=caller.locale)


def _kudos_form(receiver: Person, *, quote: str, link: str, locale: str, message: str | None = None,
                errors: dict[str, str] | None = None) -> dict:
    modal = kudos_blocks.kudos_modal(receiver=receiver.slack_id or "", quote=quote, link=link, locale=locale)
    values = {"receiver": str(receiver.id), **({"message": message} if message is not None else {})}
    return adaptive.dialog_from_modal(modal, data={"action": SUBMIT_KUDOS, "quote": quote, "link": link},
                                      locale=locale, values=values, errors=errors,
                                      people=[(receiver.name, str(receiver.id))])


def submit(deps: Deps, caller: TeamsCaller, command_id: str | None, data: dict, activity: Any = None) -> dict:
    """Answer a submitAction: run the command's action; its dialog again with the errors, or closed with the answer."""
    if caller.person is None:
        return adaptive.dialog(label("app_name", caller.locale), stranger_card(deps, caller.locale))
    if command_id == CHECKIN_COMMAND:
        refused, outcome = checkins.record(deps, caller, data, activity)
        return refused if outcome is None else adaptive.close_dialog(outcome.reply["text"])
    if command_id == KUDOS_COMMAND:
        return give_kudos(deps, caller, data, activity)
    return adaptive.message_dialog(error_text("not_found", caller.locale), locale=caller.locale)


def give_kudos(deps: Deps, caller: TeamsCaller, data: dict, activity: Any = None) -> dict:
    """Give the kudos written in the dialog to the person chosen in it (forgeable: the action decides)."""
    receiver_id = record_id(data.get("receiver"))
    message = data.get("message") if isinstance(data.get("message"), str) else ""
    quote = kudos_blocks.preview(data.get("quote") if isinstance(data.get("quote"), str) else "")
    link = kudos_blocks.safe_link(data.get("link"))
    with deps.sessions() as session:
        receiver = session.get(Person, receiver_id) if receiver_id is not None else None
    outcome = act(deps, caller, kudos_actions.give_kudos, activity=activity, receiver=receiver,
                  message=message[:FIELD_MAX], channel=deps.settings.kudos_channel, quote=quote, link=link)
    if outcome.ok:
        return adaptive.close_dialog(outcome.reply["text"])
    if receiver is None:
        return adaptive.message_dialog(error_text(outcome.errors.get("receiver", "not_found"), caller.locale),
                                       locale=caller.locale)
    return _kudos_form(receiver, quote=quote, link=link, locale=caller.locale, message=message[:FIELD_MAX],
                       errors=dict(outcome.errors))


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in ("br", "p", "div", "li"):
            self.parts.append(" ")


def plain_text(html: str | None) -> str:
    """The words of a Teams message's HTML body: tags dropped, entities decoded (`<at>Ada</at>` reads "Ada")."""
    parser = _Text()
    parser.feed(html or "")
    parser.close()
    return "".join(parser.parts)
