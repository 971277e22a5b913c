"""Early warnings: opening a flagged goal's adjustment from the agenda, and the employee's answer in their
check-in whether a flagged goal's target still holds ("it should change" tells their manager, once)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from functools import partial

from actions import goals as goal_actions
from actions.outcome import Asked, Outcome, Tell
from prompts import coaching_blocks, warning_blocks
from prompts.blocks import markdown_message
from prompts.render import label, mrkdwn_escape
from storage import audit, goals, warnings
from storage.models import Approval, CheckIn, Goal, Person

GOAL = goal_actions.GOAL


@dataclass(frozen=True)
class TargetAnswer:
    """One answer to "Does the target of X still hold?": `holds` False means it should change."""

    goal_id: int
    holds: bool
    why: str | None


def target_answers(values: Mapping[str, str | None]) -> tuple[TargetAnswer, ...]:
    """Read a check-in form's answers about targets (Slack's modal and Teams' dialog name them alike);
    a goal with a line why but no choice is not answered."""
    picked: dict[int, str] = {}
    why: dict[int, str] = {}
    for name, value in values.items():
        parsed = warning_blocks.parse_field(name)
        if parsed is None or not value or int(parsed[1]) > 2**31 - 1:
            continue
        kind, goal_id = parsed[0], int(parsed[1])
        (picked if kind == warning_blocks.TARGET_HOLDS else why)[goal_id] = value
    return tuple(TargetAnswer(goal_id, choice != warning_blocks.CHANGE, (why.get(goal_id) or "").strip() or None)
                 for goal_id, choice in picked.items() if choice in (warning_blocks.HOLDS, warning_blocks.CHANGE))


def target_errors(answers: tuple[TargetAnswer, ...]) -> dict[str, str]:
    """A line why longer than the field allows (only a forged form sends one), by field."""
    return {warning_blocks.field(warning_blocks.TARGET_WHY, answer.goal_id): "text_too_long"
            for answer in answers if answer.why and len(answer.why) > warning_blocks.WHY_MAX}


def target_tells(session, asked: Asked, *, answers: tuple[TargetAnswer, ...], checkin: CheckIn,
                 manager: Person | None) -> list[Tell]:
    """Record each answer about one of the person's own goals; "it should change" tells their active manager,
    once per goal and week however often the check-in is edited, with a button to adjust the goal."""
    person = asked.person
    tells: list[Tell] = []
    for answer in answers:
        goal = session.get(Goal, answer.goal_id)
        if goal is None or goal.owner_id != person.id or goal.archived_at is not None \
                or goal.approval != Approval.APPROVED:
            continue  # a stale or forged form: not theirs to answer
        audit.record(session, action="goal.target_answered", entity="goal", entity_id=goal.id, actor_id=person.id,
                     now=asked.now, detail={"week": checkin.week, "holds": answer.holds})
        if answer.holds or manager is None or not manager.active:
            continue
        flag = warnings.assess(session, [goal], now=asked.now, default_zone=asked.default_zone,
                               owners={person.id: person}).get(goal.id)
        tells.append(Tell(manager, partial(_change_request, name=person.name, goal=goal, week=checkin.week,
                                           why=answer.why, flag=flag),
                          key=f"target-change:{checkin.week}:{goal.id}"))
    return tells


def _change_request(locale: str, *, name: str, goal: Goal, week: str, why: str | None,
                    flag: warnings.Flag | None) -> dict:
    warning = coaching_blocks.warning_text(flag, locale=locale, title=False) if flag is not None else ""
    return warning_blocks.target_change_request(name=name, title=goal.title, week=week, why=why, warning=warning,
                                                goal_id=goal.id, locale=locale)


def adjust_goal(session, asked: Asked, *, goal_id: int | None, changes: goals.GoalInput,
                reason: str | None) -> Outcome:
    """The existing adjustment (actions.goals.adjust_goal: a reason for a new target or date, kept in the goal's
    history), answered in words for a surface that closes a dialog with them."""
    outcome = goal_actions.adjust_goal(session, asked, goal_id=goal_id, changes=changes, reason=reason)
    if not outcome.ok:
        return outcome
    title = mrkdwn_escape(outcome.value.goal.title)
    return replace(outcome, reply=markdown_message(label("goal_adjusted", asked.locale, title=title)))
