"""The App Home: your goals, what waits for your decision, your team; always within Slack's 100 blocks."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from prompts import checkin_blocks, improvement_blocks, plan_blocks
from prompts.goal_blocks import NEW_GOAL_ACTION, decision_actions, goal_line, goal_section
from prompts.render import label, render

PAGE_ACTION = "home_page"
GOALS_PER_PAGE = 20
WAITING_SHOWN = 5
ATTENTION_SHOWN = 5
ALIGNMENT_SHOWN = 8
VIEW_BLOCKS_MAX = 100
CYCLES_SHOWN = 3
CALIBRATE_ACTION = "cycle_calibrate"  # handled with calibration (prompts.calibration_blocks)
OPEN_CYCLE_ACTION = "cycle_open"  # handled with cycles (prompts.cycle_blocks)


@dataclass(frozen=True)
class HomePages:
    """Which page of each list the person is looking at; carried in the pager buttons."""

    mine: int = 1
    team: int = 1

    def to_value(self) -> str:
        return json.dumps({"mine": self.mine, "team": self.team})

    @classmethod
    def from_value(cls, value: str | None) -> HomePages:
        try:
            data = json.loads(value or "{}")
            return cls(mine=max(int(data.get("mine", 1)), 1), team=max(int(data.get("team", 1)), 1))
        except (ValueError, TypeError, AttributeError, OverflowError):  # forged: 1e309 pages is infinity
            return cls()


@dataclass
class HomeData:
    name: str
    my_goals: Sequence[Any]
    waiting: Sequence[Any]  # proposed goals this person decides on
    team_goals: Sequence[Any]
    alignment_goals: Sequence[Any]  # company and team goals everyone aligns to
    progress: dict[int, float]
    owner_names: dict[int, str] = field(default_factory=dict)
    latest_checkin: Any | None = None
    streak: int = 0
    checked_in_this_week: bool = False
    cycles: Sequence[Any] | None = None  # HR only: storage.cycles.CycleSummary, newest first
    plans: Sequence[Any] | None = None  # HR only: the performance plans, to edit
    improvement: Sequence[Any] | None = None  # managers and HR: open plans they follow (ImprovementView)
    own_plan: Any | None = None  # the person's own open improvement plan (ImprovementView)
    attention: Sequence[Any] = ()  # managers: blocker alerts waiting for their answer, oldest first (attention.Waiting)


def _header(text: str) -> dict:
    return {"type": "header", "text": {"type": "plain_text", "text": text[:150], "emoji": True}}


def _context(text: str) -> dict:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": text}]}


def _markdown(text: str) -> dict:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text[:3000]}}


def home_view(data: HomeData, *, locale: str, pages: HomePages | None = None) -> dict:
    """Build the home tab; long lists are paged and counted, never cut silently or over the limit."""
    pages = pages or HomePages()
    blocks: list[dict] = [
        _markdown(render("home_intro", locale, name=data.name)),
        {"type": "actions", "block_id": "home-actions", "elements": [
            {"type": "button", "action_id": NEW_GOAL_ACTION, "style": "primary",
             "text": {"type": "plain_text", "text": label("new_goal", locale)}},
        ]},
    ]
    blocks += [{"type": "divider"}, _header(label("home_checkins", locale))]
    blocks += checkin_blocks.home_section(latest=data.latest_checkin, streak=data.streak,
                                          this_week_done=data.checked_in_this_week, locale=locale)
    if data.cycles is not None:
        blocks += _cycles(data.cycles, locale=locale)
    if data.plans is not None:
        blocks += [{"type": "divider"}, _header(label("home_plans", locale)),
                   *plan_blocks.plans_section(data.plans, locale=locale)]
    if data.own_plan is not None:
        blocks += [{"type": "divider"}, *improvement_blocks.own_plan_section(data.own_plan, locale=locale)]
    if data.improvement is not None:
        blocks += [{"type": "divider"}, *improvement_blocks.followed_section(data.improvement, locale=locale)]
    if data.attention:
        blocks += _attention(data.attention, locale=locale)
    if data.waiting:
        blocks += _waiting(data, locale=locale)
    blocks += _paged_goals(label("home_your_goals", locale), data.my_goals, data.progress, locale=locale,
                           page=pages.mine, pages=pages, key="mine", empty="goals", can_change=True)
    if data.team_goals:
        blocks += _paged_goals(label("home_team_goals", locale), data.team_goals, data.progress, locale=locale,
                               page=pages.team, pages=pages, key="team", empty="team", can_change=False,
                               owners=data.owner_names)
    if data.alignment_goals:
        blocks += [{"type": "divider"}, _header(label("home_company_goals", locale))]
        blocks += [_markdown(goal_line(goal, data.progress.get(goal.id, 0.0), locale=locale))
                   for goal in data.alignment_goals[:ALIGNMENT_SHOWN]]
    # The layout's budget stays under the limit; the cut only guards against a future section overspending.
    return {"type": "home", "blocks": blocks[:VIEW_BLOCKS_MAX]}


def _cycles(summaries: Sequence[Any], *, locale: str) -> list[dict]:
    """HR's cycles: where each stands, with its calibration a click away."""
    blocks = [{"type": "divider"}, _header(label("home_cycles", locale)),
              {"type": "actions", "block_id": "home-cycles", "elements": [
                  {"type": "button", "action_id": OPEN_CYCLE_ACTION,
                   "text": {"type": "plain_text", "text": label("cycle_open_button", locale)}}]}]
    if not summaries:
        return [*blocks, _context(label("home_no_cycles", locale))]
    for summary in summaries[:CYCLES_SHOWN]:
        section = _markdown(label("home_cycle_line", locale, name=summary.cycle.name, state=summary.cycle.state,
                                  done=summary.done, due=summary.due, overdue=summary.overdue))
        section["accessory"] = {"type": "button", "action_id": CALIBRATE_ACTION, "value": str(summary.cycle.id),
                                "text": {"type": "plain_text", "text": label("calibrate", locale)}}
        blocks.append(section)
    return blocks


def _attention(waiting: Sequence[Any], *, locale: str) -> list[dict]:
    """The blocker alerts waiting for the manager's answer, oldest first, each with how long and a Respond button."""
    shown = waiting[:ATTENTION_SHOWN]
    items = [{"name": w.subject.name, "week": w.checkin.week, "seen": w.attention.state == "seen",
              "waited": w.waited, "since": label("date", locale, d=w.attention.opened_at.date())} for w in shown]
    buttons = [{"type": "button", "action_id": checkin_blocks.RESPOND_ACTION, "value": str(w.checkin.id),
                "text": {"type": "plain_text", "text": f"{label('respond', locale)}: {w.subject.name}"[:75]}}
               for w in shown]
    text = render("home_attention", locale, items=items, total=len(waiting))
    return [{"type": "divider"}, _markdown(text),
            {"type": "actions", "block_id": "home-attention", "elements": buttons}]


def _waiting(data: HomeData, *, locale: str) -> list[dict]:
    blocks = [{"type": "divider"}, _header(f"{label('home_waiting', locale)} ({len(data.waiting)})")]
    for goal in data.waiting[:WAITING_SHOWN]:
        owner = data.owner_names.get(goal.owner_id, "")
        line = goal_line(goal, data.progress.get(goal.id, 0.0), locale=locale)
        blocks += [_markdown(f"{owner}\n{line}" if owner else line), decision_actions(goal.id, locale=locale)]
    if len(data.waiting) > WAITING_SHOWN:
        blocks.append(_context(render("home_page_info", locale, first=1, last=WAITING_SHOWN,
                                      total=len(data.waiting), counts=[])))
    return blocks


def _paged_goals(title: str, goals: Sequence[Any], progress: dict[int, float], *, locale: str, page: int,
                 pages: HomePages, key: str, empty: str, can_change: bool,
                 owners: dict[int, str] | None = None) -> list[dict]:
    blocks = [{"type": "divider"}, _header(title)]
    if not goals:
        return [*blocks, _markdown(render("home_nothing", locale, what=empty))]
    last_page = max((len(goals) - 1) // GOALS_PER_PAGE + 1, 1)
    page = min(page, last_page)
    first = (page - 1) * GOALS_PER_PAGE
    shown = goals[first:first + GOALS_PER_PAGE]
    counts = Counter(goal.status for goal in goals)
    blocks.append(_context(render(
        "home_page_info", locale, first=first + 1, last=first + len(shown), total=len(goals),
        counts=[(label(f"status_{status}", locale), counts[status])
                for status in ("on_track", "at_risk", "off_track", "done") if counts[status]],
    )))
    for goal in shown:
        section = goal_section(goal, progress.get(goal.id, 0.0), locale=locale, can_change=can_change,
                               list_key=key)
        if owners and goal.owner_id in owners:
            section["text"]["text"] = f"{owners[goal.owner_id]} · {section['text']['text']}"
        blocks.append(section)
    pager = []
    if page > 1:
        pager.append(_page_button(label("show_previous", locale), _with(pages, key, page - 1), f"{key}-prev"))
    if page < last_page:
        pager.append(_page_button(label("show_more", locale), _with(pages, key, page + 1), f"{key}-next"))
    if pager:
        blocks.append({"type": "actions", "block_id": f"pager-{key}", "elements": pager})
    return blocks


def _with(pages: HomePages, key: str, page: int) -> HomePages:
    return HomePages(**{**pages.__dict__, key: page})


def _page_button(text: str, pages: HomePages, action_suffix: str) -> dict:
    return {"type": "button", "action_id": f"{PAGE_ACTION}-{action_suffix}", "value": pages.to_value(),
            "text": {"type": "plain_text", "text": text}}
