"""Teams dialogs for evaluation: peers, cycles, plans, improvement plans, calibration, release."""

from __future__ import annotations

from typing import Any

from prompts import (
    calibration_blocks,
    cycle_blocks,
    improvement_blocks,
    peer_blocks,
    plan_blocks,
    review_blocks,
)
from prompts.adaptive import (
    CARD_BUDGET_BYTES,
    card_from_block_kit,
    choice_input,
    date_input,
    dialog,
    form_dialog,
    size_of,
    subtle,
    teams_markdown,
    text_card,
    within,
)
from prompts.render import label
from prompts.review_cards import long_input

SUBMIT_COMMITMENTS = improvement_blocks.COMMITMENTS_VIEW
SUBMIT_CHECK = improvement_blocks.CHECK_VIEW


def commitments_dialog(view: Any, *, locale: str, value: str | None = None,
                       errors: dict[str, str] | None = None) -> dict:
    """Slack's commitments modal as a dialog: the plan on top, then what the employee commits to."""
    body = [subtle(teams_markdown(improvement_blocks.plan_text(view, locale=locale))),
            long_input("commitments", label("ip_commitments", locale),
                       value if value is not None else view.plan.employee_commitments, required=True)]
    return form_dialog(label("ip_title", locale), body, submit_title=label("save", locale),
                        data={"action": SUBMIT_COMMITMENTS, "review_id": view.plan.id}, locale=locale, errors=errors)


def check_dialog(check_id: int, *, subject: str, locale: str, values: dict[str, str | None] | None = None,
                 errors: dict[str, str] | None = None) -> dict:
    """Slack's record-check modal as a dialog: how it went, the decision, and a next check date when needed."""
    values = values or {}
    decisions = [(label("ip_decision_option", locale, d=d), d) for d in improvement_blocks.DECISIONS]
    body = [subtle(subject),
            long_input("outcome", label("ip_outcome", locale), values.get("outcome"), required=True),
            choice_input("decision", label("ip_decision", locale), decisions, value=values.get("decision"),
                         required=True),
            date_input("next_check", label("ip_next_check", locale), value=values.get("next_check"))]
    return form_dialog(label("ip_title", locale), body, submit_title=label("save", locale),
                        data={"action": SUBMIT_CHECK, "review_id": check_id}, locale=locale, errors=errors)


# The submits' actions are Slack's view callback ids: the same form, whichever surface shows it.
SUBMIT_PEERS = peer_blocks.PEERS_VIEW
SUBMIT_CHANGE_PEERS = peer_blocks.CONFIRM_VIEW
SUBMIT_OPEN_CYCLE = cycle_blocks.OPEN_CYCLE_VIEW
SUBMIT_EDIT_PLAN = plan_blocks.PLAN_VIEW
SUBMIT_IMPROVEMENT_PLAN = improvement_blocks.PLAN_VIEW
SUBMIT_REVISIT = calibration_blocks.REVISIT_VIEW
SUBMIT_RELEASE = "cycle_release_submit"


def release_dialog(cycle: Any, *, locale: str) -> dict:
    """Slack's "are you sure" before releasing a cycle's results, as a dialog."""
    title = label("release_results", locale)
    submit = {"type": "Action.Submit", "title": title, "style": "destructive",
              "data": {"action": SUBMIT_RELEASE, "cycle_id": cycle.id}}
    return dialog(title, text_card(label("release_confirm", locale, cycle=cycle.name), actions=[submit]))


def calibration_cards(found: Any, *, locale: str) -> list[dict]:
    """Slack's calibration messages as cards; the chart (a file upload in Slack) as its figures, a table by team.

    Teams cards carry no uploaded file and the bot has no URL to serve the image from, so the distribution the
    chart draws is shown as a fact set per team: each rating on the plan's scale and how many people have it.
    """
    messages = calibration_blocks.calibration_messages(found, locale=locale)
    header = card_from_block_kit(messages[0])
    plan = found.rows[0].plan if found.rows else {"rating_scale": []}
    names = {step["value"]: review_blocks.localized(step["label"], locale) for step in plan["rating_scale"]}
    figures: list[dict] = [{"type": "TextBlock", "weight": "Bolder", "wrap": True, "separator": True,
                            "text": label("chart_ratings_title", locale, cycle=found.cycle.name)}]
    for team, counts in found.distribution.items():
        figures.append({"type": "TextBlock", "text": f"**{team}**", "wrap": True, "spacing": "Small"})
        figures.append({"type": "FactSet", "facts": [
            {"title": f"{rating} · {names[rating]}" if names.get(rating) else str(rating),
             "value": f"{counts.get(rating, 0)} {label('chart_people', locale)}"} for rating in found.scale]})
    header["body"] = [*header["body"], *within(figures, CARD_BUDGET_BYTES - size_of(header))]
    return [header, *(card_from_block_kit(message) for message in messages[1:])]
