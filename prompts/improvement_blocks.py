"""Block Kit for improvement plans: the manager's prompt and form, the plan itself, commitments, checks."""

from __future__ import annotations

from typing import Any

from prompts.blocks import markdown_message, sections
from prompts.render import label, render
from prompts.review_blocks import long_input, plain

OPEN_PLAN_ACTION = "improvement_open"
PLAN_VIEW = "improvement_submit"
COMMITMENTS_ACTION = "improvement_commit"
COMMITMENTS_VIEW = "improvement_commit_submit"
RECORD_CHECK_ACTION = "improvement_check"
CHECK_VIEW = "improvement_check_submit"
CAUSES = ("skills", "resources", "circumstances", "other")
DECISIONS = ("continue", "met", "extended", "not_met")
CHECK_FIELDS = ("check_1", "check_2", "check_3")


def _button(action_id: str, value: str, text: str, *, primary: bool = True) -> dict:
    button = {"type": "button", "action_id": action_id, "value": value, "text": plain(text)}
    return {**button, "style": "primary"} if primary else button


def _with_button(text: str, block_id: str, button: dict) -> dict:
    return {"text": text, "blocks": [*sections(text), {"type": "actions", "block_id": block_id,
                                                        "elements": [button]}]}


def below_threshold(*, subject: str, cycle: str, rating: int, label: str, threshold: int, value: str,
                    locale: str) -> dict:
    text = render("below_threshold", locale, subject=subject, cycle=cycle, rating=rating, label=label,
                  threshold=threshold)
    return _with_button(text, f"below-{value}", _button(OPEN_PLAN_ACTION, value, _label("open_improvement_plan",
                                                                                         locale)))


def _label(macro: str, locale: str, /, **kwargs: Any) -> str:
    return label(macro, locale, **kwargs)


def _date(block_id: str, text: str, *, optional: bool) -> dict:
    return {"type": "input", "block_id": block_id, "optional": optional, "label": plain(text),
            "element": {"type": "datepicker", "action_id": "date"}}


def plan_modal(*, subject: str | None, value: str, locale: str) -> dict:
    """Gaps and causes, actions, support, the measure of success and up to three check dates.

    Without a subject (opened from the home) the manager first picks the person.
    """
    causes = [{"text": plain(_label("ip_cause", locale, kind=kind)), "value": kind} for kind in CAUSES]
    who = sections(f"*{subject}*") if subject else [
        {"type": "input", "block_id": "subject", "label": plain(_label("ip_subject", locale)),
         "element": {"type": "users_select", "action_id": "subject"}}]
    blocks = [
        *who,
        long_input("gaps", _label("ip_gaps", locale), initial=None, optional=False),
        {"type": "input", "block_id": "causes", "label": plain(_label("ip_causes", locale)),
         "element": {"type": "checkboxes", "action_id": "causes", "options": causes}},
        long_input("cause_notes", _label("ip_cause_note", locale), initial=None),
        long_input("actions", _label("ip_actions", locale), initial=None, optional=False),
        long_input("support", _label("ip_support", locale), initial=None),
        long_input("success_measure", _label("ip_success", locale), initial=None, optional=False),
        *[_date(field, _label("ip_check", locale, n=index + 1), optional=index > 0)
          for index, field in enumerate(CHECK_FIELDS)],
    ]
    return {"type": "modal", "callback_id": PLAN_VIEW, "private_metadata": value,
            "title": plain(_label("ip_title", locale)[:24]), "submit": plain(_label("submit", locale)),
            "close": plain(_label("cancel", locale)), "blocks": blocks}


def plan_text(view: Any, *, locale: str) -> str:
    """The plan as both people read it; `view` is storage.improvement.ImprovementView."""
    plan = view.plan
    checks = [label("date", locale, d=check.due_on) + (" ✓" if check.recorded_at else "") for check in view.checks]
    return render("improvement_plan", locale, subject=view.person.name, manager=view.manager.name, gaps=plan.gaps,
                  causes=[_label("ip_cause", locale, kind=kind) for kind in view.causes], cause_note=view.cause_note,
                  actions=plan.actions, support=plan.support, success=plan.success_measure, checks=checks,
                  commitments=plan.employee_commitments)


def plan_to_employee(view: Any, *, locale: str) -> dict:
    return _with_button(plan_text(view, locale=locale), f"plan-{view.plan.id}",
                        _button(COMMITMENTS_ACTION, str(view.plan.id), _label("add_commitments", locale)))


def plan_opened(*, subject: str, locale: str) -> dict:
    return markdown_message(_label("ip_opened", locale, name=subject))


def commitments_modal(view: Any, *, locale: str) -> dict:
    return {"type": "modal", "callback_id": COMMITMENTS_VIEW, "private_metadata": str(view.plan.id),
            "title": plain(_label("ip_title", locale)[:24]), "submit": plain(_label("save", locale)),
            "close": plain(_label("cancel", locale)),
            "blocks": [*sections(plan_text(view, locale=locale)),
                       long_input("commitments", _label("ip_commitments", locale),
                                  initial=view.plan.employee_commitments, optional=False)]}


def commitments_to_manager(*, subject: str, commitments: str, locale: str) -> dict:
    return markdown_message(f"{_label('ip_commitments_to_manager', locale, name=subject)}\n> {commitments}")


def check_due(view: Any, check_id: int, *, for_manager: bool, locale: str) -> dict:
    text = render("improvement_check_due", locale, subject=view.person.name, manager=view.manager.name,
                  for_manager=for_manager) + "\n\n" + plan_text(view, locale=locale)
    if not for_manager:
        return markdown_message(text)
    return _with_button(text, f"check-{check_id}", _button(RECORD_CHECK_ACTION, str(check_id),
                                                           _label("record_outcome", locale)))


def check_modal(check_id: int, *, subject: str, locale: str) -> dict:
    decisions = [{"text": plain(_label("ip_decision_option", locale, d=d)), "value": d} for d in DECISIONS]
    return {"type": "modal", "callback_id": CHECK_VIEW, "private_metadata": str(check_id),
            "title": plain(_label("ip_title", locale)[:24]), "submit": plain(_label("save", locale)),
            "close": plain(_label("cancel", locale)),
            "blocks": [*sections(f"*{subject}*"),
                       long_input("outcome", _label("ip_outcome", locale), initial=None, optional=False),
                       {"type": "input", "block_id": "decision", "label": plain(_label("ip_decision", locale)),
                        "element": {"type": "radio_buttons", "action_id": "decision", "options": decisions}},
                       _date("next_check", _label("ip_next_check", locale), optional=True)]}


def check_recorded(*, manager: str, outcome: str, decision: str, next_check: str | None, locale: str) -> dict:
    return markdown_message(render("improvement_check_recorded", locale, manager=manager, outcome=outcome,
                                   decision=_label("ip_decision_told", locale, d=decision), next=next_check or ""))


PLANS_SHOWN = 5


def own_plan_section(view: Any, *, locale: str) -> list[dict]:
    """The employee's home: their plan, with their commitments a click away."""
    text = plan_text(view, locale=locale)
    return [{"type": "section", "text": {"type": "mrkdwn", "text": text[:3000]}},
            {"type": "actions", "block_id": f"home-plan-{view.plan.id}", "elements": [
                _button(COMMITMENTS_ACTION, str(view.plan.id), _label("add_commitments", locale), primary=False)]}]


def followed_section(views: Any, *, locale: str) -> list[dict]:
    """A manager's (or HR's) home: the open plans they follow, and a button to start one for anyone they manage."""
    blocks: list[dict] = [{"type": "header", "text": plain(_label("home_improvement", locale)[:150])}]
    for view in views[:PLANS_SHOWN]:
        upcoming = label("date", locale, d=view.next_check.due_on) if view.next_check else "—"
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": _label(
            "home_improvement_line", locale, name=view.person.name, manager=view.manager.name, next=upcoming)}})
    if len(views) > PLANS_SHOWN:
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": _label(
            "home_improvement_more", locale, n=len(views) - PLANS_SHOWN)}]})
    blocks.append({"type": "actions", "block_id": "home-improvement", "elements": [
        _button(OPEN_PLAN_ACTION, "pick", _label("ip_start", locale), primary=False)]})
    return blocks
