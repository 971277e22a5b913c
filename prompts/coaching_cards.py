"""Teams dialogs for the weekly review of a report and the employee's reflection, beside coaching_blocks."""

from __future__ import annotations

from typing import Any

from prompts import (
    checkin_blocks,
    coaching_blocks,
)
from prompts.adaptive import (
    CARD_BUDGET_BYTES,
    SHORT_MAX,
    card,
    choice_input,
    date_input,
    dialog,
    size_of,
    subtle,
    text_blocks,
    text_input,
    with_errors,
    within,
)
from prompts.goal_blocks import modal_errors
from prompts.render import label

# The submits' actions are Slack's view callback ids: the same form, whichever surface shows it.
SUBMIT_REVIEW = coaching_blocks.REVIEW_VIEW
SUBMIT_REFLECT = coaching_blocks.REFLECT_VIEW
TOGGLE_ON = "true"  # what a ticked Input.Toggle sends (Adaptive Cards' default valueOn)
ACTION_TEXT_MAX = 500  # as Slack's action item input


def review_action_field(n: int, part: str) -> str:
    """The id of an action row's input in the review dialog: `action:<n>:text|owner|due_date`, as in Slack."""
    return f"action:{n}:{part}"


REVIEW_TEXT_FIELDS = ("went_well", "to_improve", "private_notes", "new_target", "adjust_reason")
REVIEW_FIELDS = ("acknowledged", "assessment", "goal_id", "new_due_date", *REVIEW_TEXT_FIELDS,
                 *(review_action_field(n, part) for n in range(1, coaching_blocks.ACTION_ROWS + 1)
                   for part in ("text", "owner", "due_date")))
REFLECT_FIELDS = ("will_do_differently", "support_needed")


def review_dialog(report: Any, *, week: str, locale: str, values: dict[str, str | None] | None = None,
                  errors: dict[str, str] | None = None) -> dict:
    """The weekly review of one report as a dialog: Slack's review modal, field for field, in the same words.

    The report's week is the evidence on top (as much as fits); then the acknowledgement, what went well and
    what to improve, the assessment, private notes (never sent to the employee), up to three action items with
    owner and due date, and an optional goal adjustment. After a refused submit it comes back filled in, errors
    by field.
    """
    values = values or {}
    owners = [(label("owner_employee", locale), "employee"), (label("owner_manager", locale), "manager")]
    acknowledged = {"type": "Input.Toggle", "id": "acknowledged", "label": label("review_acknowledge", locale),
                    "title": label("review_acknowledge_option", locale), "valueOn": TOGGLE_ON, "valueOff": "false",
                    "value": TOGGLE_ON if values.get("acknowledged") == TOGGLE_ON else "false"}
    assessment = choice_input("assessment", label("review_assessment", locale),
                              [(label(f"assessment_{a}", locale), a) for a in coaching_blocks.ASSESSMENTS],
                              value=values.get("assessment"), required=True)
    assessment["style"] = "expanded"
    body: list[dict] = [
        {**acknowledged, "separator": True, "spacing": "Medium"},
        text_input("went_well", label("review_went_well", locale), value=values.get("went_well"), multiline=True,
                   max_length=coaching_blocks.TEXT_MAX),
        text_input("to_improve", label("review_to_improve", locale), value=values.get("to_improve"), multiline=True,
                   max_length=coaching_blocks.TEXT_MAX),
        assessment,
        text_input("private_notes", label("review_private_notes", locale), value=values.get("private_notes"),
                   multiline=True, max_length=coaching_blocks.TEXT_MAX),
        subtle(label("review_private_notes_hint", locale)),
    ]
    for n in range(1, coaching_blocks.ACTION_ROWS + 1):
        body += [
            text_input(review_action_field(n, "text"), label("review_action", locale, n=n),
                       value=values.get(review_action_field(n, "text")), max_length=ACTION_TEXT_MAX),
            choice_input(review_action_field(n, "owner"), label("review_action_owner", locale, n=n), owners,
                         value=values.get(review_action_field(n, "owner")) or "employee"),
            date_input(review_action_field(n, "due_date"), label("review_action_due", locale, n=n),
                       value=values.get(review_action_field(n, "due_date"))),
        ]
    goals = [line.goal for line in report.goals]
    if goals:
        body += [
            choice_input("goal_id", label("review_goal", locale),
                         [(goal.title, str(goal.id)) for goal in goals[:checkin_blocks.GOALS_IN_MODAL]],
                         value=values.get("goal_id")),
            text_input("new_target", label("review_new_target", locale), value=values.get("new_target"),
                       max_length=SHORT_MAX),
            date_input("new_due_date", label("review_new_due", locale), value=values.get("new_due_date")),
            text_input("adjust_reason", label("review_adjust_reason", locale), value=values.get("adjust_reason"),
                       multiline=True, max_length=coaching_blocks.TEXT_MAX),
        ]
    submit = {"type": "Action.Submit", "title": label("review_submit", locale), "style": "positive",
              "data": {"action": SUBMIT_REVIEW, "subject_id": report.person.id, "week": week}}
    title = label("review_modal_title", locale)
    content = card(with_errors(body, modal_errors(errors or {}, locale)), fallback=title, actions=[submit])
    # The evidence goes on top in what room the form leaves: a form cannot be cut, a quote of the week can.
    evidence = text_blocks(coaching_blocks.report_lines(report, locale=locale))
    content["body"] = [*within(evidence, CARD_BUDGET_BYTES - size_of(content)), *content["body"]]
    return dialog(title, content)


def reflect_dialog(feedback_id: int, *, locale: str, values: dict[str, str | None] | None = None,
                   errors: dict[str, str] | None = None) -> dict:
    """The employee's reflection on their feedback: Slack's reflect modal as a dialog."""
    values = values or {}
    body = [
        text_input("will_do_differently", label("reflect_will_do", locale), value=values.get("will_do_differently"),
                   multiline=True, max_length=coaching_blocks.TEXT_MAX),
        text_input("support_needed", label("reflect_support", locale), value=values.get("support_needed"),
                   multiline=True, max_length=coaching_blocks.TEXT_MAX),
    ]
    submit = {"type": "Action.Submit", "title": label("send", locale),
              "data": {"action": SUBMIT_REFLECT, "feedback_id": feedback_id}}
    title = label("reflect_modal_title", locale)
    return dialog(title, card(with_errors(body, modal_errors(errors or {}, locale)), fallback=title,
                              actions=[submit]))
