"""Teams cards and dialogs for goals (list with its ⋯ menu, new, confirm, return, progress, archive, history),
beside goal_blocks' Block Kit."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from prompts import goal_blocks
from prompts.adaptive import (
    CARD_BUDGET_BYTES,
    SHORT_MAX,
    card,
    card_from_block_kit,
    choice_input,
    dialog,
    dialog_from_modal,
    overflow_menu,
    plain_text,
    text_blocks,
    text_card,
    text_input,
    with_errors,
)
from prompts.goal_blocks import MESSAGE_GOALS_MAX, goal_line, modal_errors
from prompts.render import label, mrkdwn_escape, render

# Ids the Teams handlers listen for: `dialog_id` opens a dialog (task/fetch), `action` submits one.
NEW_GOAL_DIALOG = goal_blocks.NEW_GOAL_VIEW
SUBMIT_NEW_GOAL = "goal_new_submit"
SUGGEST = "suggest"  # in the confirm step's data: "Suggest a measurable version" was clicked
GOAL_FIELDS = ("level", "title", "metric", "start", "target", "unit", "due_date", "parent_id", "weight", "description")
TITLE_MAX = 150
TEXT_MAX = 3000
# The ⋯ menu's forms: the submits' actions are Slack's view callback ids, the fields its block ids (the goal goes
# as `goal_id`: the progress form has a field named `value`).
SUBMIT_PROGRESS = goal_blocks.PROGRESS_VIEW
SUBMIT_ARCHIVE = goal_blocks.ARCHIVE_VIEW
PROGRESS_FIELDS = ("value", "note")
ARCHIVE_FIELDS = ("reason",)


def goal_list_card(goals: Sequence[Any], progress: dict[int, float], *, own: bool, name: str, locale: str) -> dict:
    """`goal list`: a header, then each goal with its progress and its ⋯ menu, as Slack's `/goal list` words it.

    As many goals as Slack shows, while the card stays well inside Teams' 28 KB message limit.
    """
    sections: list[dict] = []
    size = 0
    for goal in goals[:MESSAGE_GOALS_MAX]:
        lines = text_blocks(goal_line(goal, progress.get(goal.id, 0.0), locale=locale))
        menu = overflow_menu(goal_blocks.goal_menu(goal.id, locale=locale, can_change=True))
        section = {"type": "Container", "separator": True, "spacing": "Medium",
                   "items": [*lines, *([menu] if menu else [])]}
        size += len(json.dumps(section, ensure_ascii=False).encode())
        if size > CARD_BUDGET_BYTES:
            break
        sections.append(section)
    header = render("goal_list_header", locale, own=own, name=name, count=len(goals), shown=len(sections))
    return card([*text_blocks(header), *sections], fallback=plain_text(header))


def new_goal_button_card(*, locale: str) -> dict:
    """`goal`: a bot cannot open a dialog unprompted in Teams, so the reply holds the button that opens it."""
    button = {"type": "Action.Submit", "title": label("goal_modal_title", locale),
              "data": {"msteams": {"type": "task/fetch"}, "dialog_id": NEW_GOAL_DIALOG}}
    return text_card(label("goal_title_hint", locale), actions=[button])


def goal_saved_card(goal: Any, *, manager_name: str | None, parent_title: str | None, locale: str) -> dict:
    return text_card(render("goal_saved", locale, title=goal.title, proposed=goal.approval == "proposed",
                            manager=manager_name or "", parent=parent_title or ""))


def new_goal_dialog(*, locale: str, parent_choices: Sequence[Any], levels: Sequence[str],
                    values: dict[str, str | None] | None = None, errors: dict[str, str] | None = None,
                    notice: str | None = None) -> dict:
    """The new-goal form as a dialog; after a refused submit it comes back filled in, each error by its field.

    `notice`: why it is filled in (the assistant's suggestion, or the SMART coach's recipe), above the form.
    """
    values = values or {}
    words = modal_errors(errors or {}, locale)
    body: list[dict] = []
    if notice:
        body.append({"type": "TextBlock", "id": goal_blocks.SUGGEST_NOTICE_BLOCK, "text": notice, "wrap": True,
                     "isSubtle": True})
    if len(levels) > 1:
        body.append(choice_input("level", label("goal_level", locale),
                                 [(label(f"level_{level}", locale), level) for level in levels],
                                 value=values.get("level") or levels[0], required=True))
    body += [
        text_input("title", label("goal_title", locale), value=values.get("title"), required=True, max_length=TITLE_MAX,
                   placeholder=label("goal_title_placeholder", locale), hint=label("goal_title_hint", locale)),
        text_input("metric", label("goal_metric", locale), value=values.get("metric"), max_length=SHORT_MAX,
                   placeholder=label("goal_metric_placeholder", locale)),
        text_input("start", label("goal_start", locale), value=values.get("start"),
                   hint=label("goal_start_hint", locale)),
        text_input("target", label("goal_target", locale), value=values.get("target"),
                   hint=label("goal_target_hint", locale)),
        text_input("unit", label("goal_unit", locale), value=values.get("unit"),
                   placeholder=label("goal_unit_placeholder", locale)),
        {"type": "Input.Date", "id": "due_date", "label": label("goal_due", locale), "isRequired": True,
         **({"value": values["due_date"]} if values.get("due_date") else {})},
    ]
    parents = [(f"{label(f'level_{goal.level}', locale)}: {goal.title}", str(goal.id)) for goal in parent_choices]
    if parents:
        body.append(choice_input("parent_id", label("goal_parent", locale), parents, value=values.get("parent_id"),
                                 placeholder=label("goal_parent_placeholder", locale),
                                 hint=label("goal_parent_hint", locale)))
    body += [
        text_input("weight", label("goal_weight", locale), value=values.get("weight"),
                   hint=label("goal_weight_hint", locale)),
        text_input("description", label("goal_description", locale), value=values.get("description"), multiline=True,
                   max_length=TEXT_MAX),
    ]
    body = with_errors(body, words)
    submit = {"type": "Action.Submit", "title": label("goal_modal_submit", locale),
              "data": {"action": SUBMIT_NEW_GOAL}}
    content = card(body, fallback=label("goal_modal_title", locale), actions=[submit])
    return dialog(label("goal_modal_title", locale), content)


def confirm_goal_dialog(form: dict[str, str | None], warnings: list[str], *, locale: str) -> dict:
    """The SMART coach's confirm step: say what is missing; save anyway, or go back to the filled-in form."""
    text = render("goal_confirm", locale, title=form.get("title") or "", warnings=warnings, errors=[])
    save = {"type": "Action.Submit", "title": label("goal_confirm_submit", locale),
            "data": {"action": SUBMIT_NEW_GOAL, "confirmed": True, "form": form}}
    back = {"type": "Action.Submit", "title": label("back", locale),
            "data": {"action": SUBMIT_NEW_GOAL, "back": True, "form": form}}
    actions = [save, back]
    if "no_number" in warnings:  # the assistant (or, without one, the coach's recipe) offers a measurable version
        actions.append({"type": "Action.Submit", "title": label("goal_suggest_button", locale),
                        "data": {"action": SUBMIT_NEW_GOAL, SUGGEST: True, "form": form}})
    return dialog(label("goal_confirm_title", locale), text_card(text, actions=actions))


SUBMIT_RETURN_GOAL = goal_blocks.RETURN_GOAL_VIEW
RETURN_COMMENT_MAX = 3000  # as Slack's return modal


def return_goal_dialog(goal: Any, *, locale: str, message_id: str | None = None, value: str | None = None,
                       errors: dict[str, str] | None = None) -> dict:
    """Return a proposed goal with a comment: Slack's return modal as a dialog.

    `message_id` is the approval request's card, which the decision replaces once recorded (as Slack's does).
    """
    body = [
        *text_blocks(f"*{mrkdwn_escape(goal.title)}*"),
        text_input("comment", label("return_comment", locale), value=value, required=True, multiline=True,
                   max_length=RETURN_COMMENT_MAX, placeholder=label("return_comment_placeholder", locale)),
    ]
    data: dict[str, Any] = {"action": SUBMIT_RETURN_GOAL, "goal_id": goal.id}
    if message_id:
        data["message_id"] = message_id
    submit = {"type": "Action.Submit", "title": label("return_modal_submit", locale), "data": data}
    title = label("return_modal_title", locale)
    return dialog(title, card(with_errors(body, modal_errors(errors or {}, locale)), fallback=title,
                              actions=[submit]))


def progress_dialog(goal: Any, *, locale: str, values: dict[str, str | None] | None = None,
                    words: dict[str, str] | None = None) -> dict:
    """Slack's update-progress modal as a dialog; after a refused submit, what was typed and each error by its field."""
    return dialog_from_modal(goal_blocks.progress_modal(goal, locale=locale),
                             data={"action": SUBMIT_PROGRESS, "goal_id": str(goal.id)}, locale=locale, values=values,
                             words=words)


def archive_dialog(goal: Any, *, locale: str, values: dict[str, str | None] | None = None,
                   words: dict[str, str] | None = None) -> dict:
    """Slack's archive modal as a dialog: the goal, and why it is archived."""
    return dialog_from_modal(goal_blocks.archive_modal(goal, locale=locale),
                             data={"action": SUBMIT_ARCHIVE, "goal_id": str(goal.id)}, locale=locale, values=values,
                             words=words)


def history_dialog(history: Any, *, locale: str) -> dict:
    """Slack's history modal as a dialog: every change of the goal, oldest first (actions.goals.History)."""
    modal = goal_blocks.history_modal(history.goal, history.changes, history.names, locale=locale, zone=history.zone)
    return dialog(label("history_modal_title", locale), card_from_block_kit({"blocks": modal["blocks"]}))
