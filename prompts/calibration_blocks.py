"""Block Kit for calibration and release: HR's view of every rating beside its evidence, revisits, results."""

from __future__ import annotations

from typing import Any

from prompts import charts
from prompts.blocks import markdown_message, sections
from prompts.home_blocks import CALIBRATE_ACTION as CALIBRATE_ACTION  # the button sits on HR's home
from prompts.render import label, render
from prompts.review_blocks import ACKNOWLEDGE_ACTION as ACKNOWLEDGE_ACTION  # the button sits on the result
from prompts.review_blocks import localized, long_input, plain

REVISIT_ACTION = "review_revisit"
REVISIT_VIEW = "review_revisit_submit"
RELEASE_ACTION = "cycle_release"
ACKNOWLEDGE_VIEW = "result_acknowledge_submit"
ROWS_PER_MESSAGE = 20  # 2 blocks a row, well within Slack's 50 blocks per message
MANAGERS_PER_MESSAGE = 40  # a section each: with the header and the organisation's line, within 50 blocks


def reward_text(reward: dict, locale: str) -> str:
    return label("reward_text", locale, bonus=reward.get("bonus_multiplier"),
                 promotion=bool(reward.get("promotion_eligible")), certificate=bool(reward.get("certificate")))


def _one_decimal(value: float | None) -> float | None:
    return round(value, 1) if value is not None else None


def calibration_messages(calibration: Any, *, locale: str) -> list[dict]:
    """The header with the ratings by manager, then the rows in messages of ROWS_PER_MESSAGE, then the release
    button. Teams draws the same messages as cards (prompts.evaluation_cards.calibration_cards)."""
    total = len(calibration.rows)
    header = render("calibration_header", locale, cycle=calibration.cycle.name, written=total - calibration.missing,
                    total=total, missing=calibration.missing)
    spread = spread_sections(calibration, locale=locale)
    first = markdown_message(header)
    first["blocks"] += spread[:MANAGERS_PER_MESSAGE + 1]  # the ratings by manager sit with the header's figures
    messages = [first, *({"text": header, "blocks": spread[start:start + MANAGERS_PER_MESSAGE]}
                         for start in range(MANAGERS_PER_MESSAGE + 1, len(spread), MANAGERS_PER_MESSAGE))]
    rows = calibration.rows
    for start in range(0, len(rows), ROWS_PER_MESSAGE):
        blocks: list[dict] = []
        for row in rows[start:start + ROWS_PER_MESSAGE]:
            text = render("calibration_row", locale, subject=row.subject.name, team=row.team or "—",
                          manager=row.manager.name, rating=row.rating,
                          label=_rating_label(row.plan, row.rating, locale), reward=reward_text(row.reward, locale),
                          self_rating=_one_decimal(row.self_rating), peer_rating=_one_decimal(row.peer_rating),
                          peers=row.peers, goals=None if row.goal_progress is None else round(row.goal_progress * 100),
                          checkins=row.checkins, kudos=row.kudos, revisit=row.revisit_note)
            section: dict = {"type": "section", "text": {"type": "mrkdwn", "text": text[:3000]}}
            if row.rating is not None and not row.revisit_note:
                section["accessory"] = {"type": "button", "action_id": REVISIT_ACTION, "value": str(row.review.id),
                                        "text": plain(label("ask_to_revisit", locale))}
            blocks += [section, {"type": "divider"}]
        messages.append({"text": header, "blocks": blocks})
    messages.append({"text": label("release_results", locale), "blocks": [{"type": "actions",
                     "block_id": f"release-{calibration.cycle.id}", "elements": [release_button(calibration.cycle,
                                                                                                 locale=locale)]}]})
    return messages


def spread_sections(calibration: Any, *, locale: str) -> list[dict]:
    """The organisation's ratings, then each manager's beside them, the ones far from it marked (a section each);
    nothing before any rating is written.

    Which managers are shown and which are far is storage.calibration's rule (min_rated, far_gap), said in the
    words on top.
    """
    organisation = calibration.organisation
    if not organisation.rated:
        return []
    scale = sorted(calibration.scale, reverse=True)  # the best rating first, as the rows are
    intro = render("calibration_spread", locale, cycle=calibration.cycle.name, rated=organisation.rated,
                   mean=_two_decimals(organisation.mean), min_rated=calibration.min_rated,
                   gap=_two_decimals(calibration.far_gap), managers=len(calibration.managers),
                   shares=[{"rating": r, "share": _percent(organisation.share(r))} for r in scale])
    sections_: list[dict] = [_section(intro)]
    for spread in calibration.managers:
        mine = spread.spread
        sections_.append(_section(render(
            "calibration_spread_manager", locale, manager=spread.manager.name, rated=mine.rated,
            mean=_two_decimals(mine.mean), gap=f"{spread.gap:+.2f}", above=spread.gap > 0, far=spread.far,
            shares=[{"rating": r, "share": _percent(mine.share(r)), "org": _percent(organisation.share(r))}
                    for r in scale])))
    return sections_


def _section(text: str) -> dict:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text[:3000]}}


def _two_decimals(value: float | None) -> str:
    return f"{value:.2f}" if value is not None else "–"


def _percent(share: float) -> int:
    return round(share * 100)


def release_button(cycle: Any, *, locale: str) -> dict:
    return {"type": "button", "action_id": RELEASE_ACTION, "value": str(cycle.id), "style": "danger",
            "text": plain(label("release_results", locale)),
            "confirm": {"title": plain(label("release_results", locale)),
                        "text": plain(label("release_confirm", locale, cycle=cycle.name)),
                        "confirm": plain(label("release_results", locale)), "deny": plain(label("cancel", locale))}}


def _rating_label(plan: dict, rating: int | None, locale: str) -> str:
    step = next((s for s in plan["rating_scale"] if s["value"] == rating), None)
    return localized(step["label"], locale) if step else ""


def distribution_chart(calibration: Any, *, locale: str) -> bytes:
    plan = calibration.rows[0].plan if calibration.rows else {"rating_scale": []}
    names = {step["value"]: localized(step["label"], locale) for step in plan["rating_scale"]}
    return charts.distribution_chart(calibration.distribution, scale=calibration.scale, rating_names=names,
                                     title=label("chart_ratings_title", locale, cycle=calibration.cycle.name),
                                     people_label=label("chart_people", locale))


def revisit_modal(review_id: int, *, locale: str) -> dict:
    return {"type": "modal", "callback_id": REVISIT_VIEW, "private_metadata": str(review_id),
            "title": plain(label("revisit_title", locale)[:24]), "submit": plain(label("submit", locale)),
            "close": plain(label("cancel", locale)),
            "blocks": [long_input("note", label("revisit_note_label", locale), initial=None, optional=False)]}


def revisit_request(*, subject: str, cycle: str, note: str, review_id: int, open_action: str, locale: str) -> dict:
    text = render("revisit_request", locale, subject=subject, cycle=cycle, note=note)
    return {"text": text, "blocks": [*sections(text), {"type": "actions", "block_id": f"revisit-{review_id}",
            "elements": [{"type": "button", "action_id": open_action, "style": "primary", "value": str(review_id),
                          "text": plain(label("revisit_review", locale))}]}]}


def revisit_sent(*, manager: str, subject: str, locale: str) -> dict:
    return markdown_message(render("revisit_sent", locale, manager=manager, subject=subject))


def cycle_released(*, cycle: str, count: int, locale: str) -> dict:
    return markdown_message(render("cycle_released", locale, cycle=cycle, count=count))


def acknowledge_modal(review_id: int, *, locale: str) -> dict:
    return {"type": "modal", "callback_id": ACKNOWLEDGE_VIEW, "private_metadata": str(review_id),
            "title": plain(label("acknowledge_title", locale)[:24]), "submit": plain(label("acknowledge", locale)),
            "close": plain(label("cancel", locale)),
            "blocks": [long_input("response", label("acknowledge_response", locale), initial=None)]}


def acknowledged(*, manager: str, response: str | None, locale: str) -> dict:
    return markdown_message(render("acknowledged", locale, manager=manager, response=response or ""))


def acknowledged_to_manager(*, subject: str, cycle: str, response: str | None, locale: str) -> dict:
    return markdown_message(render("acknowledged_to_manager", locale, subject=subject, cycle=cycle,
                                   response=response or ""))
