"""Block Kit for the HR digest: organisation totals first, then the teams that most need attention."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from prompts import charts
from prompts.render import label, render

EXPORT_ACTION = "hr_export"
EXPORT_KINDS = ("goals", "checkins", "reviews")
TEAMS_SHOWN = 12  # one section each, well within a message's 50 blocks
TEXT_MAX = 3000


def _percent(value: float | None) -> int | None:
    return None if value is None else round(value * 100)


def _confidence(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def _answer_time(hours: float | None) -> tuple[float | int | None, str]:
    """Return a median time to answer as a number and its unit: hours up to two days, then days."""
    if hours is None:
        return None, "hours"
    value, unit = (hours / 24, "days") if hours >= 48 else (hours, "hours")
    shown = round(value, 1) if value < 10 else float(round(value))
    return (int(shown) if shown.is_integer() else shown), unit


def group_text(group: Any, *, locale: str, with_names: bool) -> str:
    """One group's figures; names (who to follow up) only for HR's own DM, never in a channel."""
    previous = group.trend[-2] if len(group.trend) >= 2 else None
    missing_count = getattr(group, "missing_count", len(group.missing))
    overdue_count = getattr(group, "overdue_one_on_ones_count", len(group.overdue_one_on_ones))
    answer_time, answer_unit = _answer_time(group.answer_hours)
    text = render(
        "digest_group", locale,
        name=group.name or label("organisation", locale), people=group.people, checked_in=group.checked_in,
        participation=_percent(group.participation),
        previous_participation=_percent(previous.participation) if previous else None,
        confidence=_confidence(group.avg_confidence),
        previous_confidence=_confidence(previous.avg_confidence) if previous else None,
        blockers=group.open_blockers, at_risk=group.goals_at_risk, off_track=group.goals_off_track,
        stale=group.stale_goals, overdue_reviews=group.overdue_reviews, plans=group.open_improvement_plans,
        overdue_count=overdue_count, with_names=with_names, missing=list(group.missing),
        missing_more=max(missing_count - len(group.missing), 0), overdue=list(group.overdue_one_on_ones),
        overdue_more=max(overdue_count - len(group.overdue_one_on_ones), 0),
        reviewed=group.reviewed, reviewed_share=_percent(group.reviewed_share),
        answer_time=answer_time, answer_unit=answer_unit, answered=group.answered,
        waiting=group.waiting, waiting_days=group.waiting_days,
    )
    return text[:TEXT_MAX]


def needs_attention(teams: Sequence[Any]) -> list[Any]:
    """Order teams so the ones to act on come first: low participation, then blockers and risks."""
    def key(team: Any) -> tuple:
        participation = team.participation if team.participation is not None else 1.0
        return (participation, -(team.open_blockers + team.goals_at_risk + team.goals_off_track), team.name)
    return sorted(teams, key=key)


UNREACHABLE_SHOWN = 10


def digest_message(digest: Any, *, locale: str, with_names: bool) -> dict:
    """The digest as a message; HR's DM has names and export buttons, a channel post only figures."""
    header = render("digest_header", locale, week=digest.week, with_names=with_names)
    texts = [header, group_text(digest.organisation, locale=locale, with_names=with_names)]
    longest = digest.longest_waiting
    if longest:  # names of who waits on whom in HR's DM only; the channel sees the team and how long
        texts.append(render("digest_waiting", locale, waiting=longest, with_names=with_names)[:TEXT_MAX])
    teams = needs_attention(digest.teams)
    texts += [group_text(team, locale=locale, with_names=with_names) for team in teams[:TEAMS_SHOWN]]
    if len(teams) > TEAMS_SHOWN:
        texts.append(render("digest_more_teams", locale, count=len(teams) - TEAMS_SHOWN))
    top = 3 if longest else 2  # the header, the organisation and the longest waiting come before the divider
    blocks: list[dict] = [{"type": "section", "text": {"type": "mrkdwn", "text": text}} for text in texts[:top]]
    blocks.append({"type": "divider"})
    blocks += [{"type": "section", "text": {"type": "mrkdwn", "text": text}} for text in texts[top:]]
    if digest.unreachable:
        waiting = render("digest_unreachable", locale, count=len(digest.unreachable), with_names=with_names,
                         names=digest.unreachable[:UNREACHABLE_SHOWN],
                         more=max(len(digest.unreachable) - UNREACHABLE_SHOWN, 0))
        texts.append(waiting)
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": waiting[:3000]}})
    if with_names:
        blocks.append(export_buttons(locale=locale))
    return {"text": "\n\n".join(texts)[:TEXT_MAX], "blocks": blocks}


def export_buttons(*, locale: str) -> dict:
    return {"type": "actions", "block_id": "hr-exports", "elements": [
        {"type": "button", "action_id": f"{EXPORT_ACTION}-{kind}", "value": kind,
         "text": {"type": "plain_text", "text": label(f"export_{kind}", locale)}} for kind in EXPORT_KINDS]}


def digest_chart(digest: Any, *, locale: str) -> bytes:
    """The trend chart: the organisation in bold, then the teams that most need attention.

    Every team goes to the chart, which leaves out the ones too small to show and keeps the first MAX_LINES.
    """
    weeks = [point.week for point in digest.organisation.trend]
    groups = [digest.organisation, *needs_attention(digest.teams)]
    series = [charts.Series(name=group.name or label("organisation", locale),
                            participation=[point.participation for point in group.trend],
                            confidence=[point.avg_confidence for point in group.trend],
                            emphasis=group is digest.organisation) for group in groups]
    return charts.trend_chart(series, weeks=weeks, title=label("digest_chart_title", locale, week=digest.week),
                              participation_label=label("digest_participation_axis", locale),
                              confidence_label=label("digest_confidence_axis", locale))


def export_ready(*, kind: str, rows: int, locale: str) -> str:
    return label("export_ready", locale, kind=kind, rows=rows)
