"""Block Kit for review cycles: the request to write a self-review, and the self-review modal."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from prompts.blocks import markdown_message, sections
from prompts.render import label, render

OPEN_SELF_REVIEW_ACTION = "review_self_open"
CHOOSE_PEERS_ACTION = "peers_choose"  # handled with the other peer actions (prompts.peer_blocks)
SELF_REVIEW_VIEW = "review_self_submit"
TEXT_MAX = 3000
GOALS_IN_MODAL = 15


def plain(text: str) -> dict:
    return {"type": "plain_text", "text": text[:2000], "emoji": True}



def localized(value: Any, locale: str) -> str:
    if isinstance(value, dict):
        return value.get(locale) or value.get("en") or next(iter(value.values()), "")
    return str(value or "")


def review_request(*, name: str, cycle: str, due: str, criteria: Sequence[str], review_id: int, reminder: bool,
                   locale: str, cycle_id: int | None = None) -> dict:
    """The DM asking for a self-review (or reminding of it), with a button to the modal and one to choose peers."""
    text = render("review_request", locale, name=name, cycle=cycle, due=due, criteria=criteria, reminder=reminder)
    buttons = [{"type": "button", "action_id": OPEN_SELF_REVIEW_ACTION, "style": "primary", "value": str(review_id),
                "text": plain(label("write_self_review", locale))}]
    if cycle_id is not None:
        buttons.append({"type": "button", "action_id": CHOOSE_PEERS_ACTION, "value": str(cycle_id),
                        "text": plain(label("choose_peers", locale))})
    return {"text": text, "blocks": [*sections(text), {"type": "actions", "block_id": f"self-{review_id}",
                                                        "elements": buttons}]}


DRAFT_ACTION = "review_draft"  # "Draft from my records": its value is "<self|peer|manager>:<review id>"
DRAFT_BLOCK = "assistant"
DRAFT_NOTICE_BLOCK = "assistant_notice"
VIEW_KEYS = ("type", "callback_id", "private_metadata", "title", "submit", "close", "blocks", "external_id",
             "clear_on_close", "notify_on_close", "submit_disabled")


def draft_button(kind: str, review_id: int, *, locale: str) -> dict:
    """The assistant's button on a review form: fills the empty text fields, never the ratings."""
    return {"type": "actions", "block_id": DRAFT_BLOCK, "elements": [
        {"type": "button", "action_id": DRAFT_ACTION, "value": f"{kind}:{review_id}",
         "text": plain(label("ai_draft_button", locale))}]}


def with_draft_button(view: dict, kind: str, *, locale: str, on: bool) -> dict:
    """The review modal with the assistant's button above its first input, when the assistant is on."""
    if not on:
        return view
    blocks = list(view["blocks"])
    at = next((i for i, block in enumerate(blocks) if block.get("type") == "input"), len(blocks))
    blocks.insert(at, draft_button(kind, int(view["private_metadata"]), locale=locale))
    return {**view, "blocks": blocks[:100]}


def drafted_view(view: dict, *, typed: dict[str, str | None], draft: dict[str, str], notice: str | None,
                 nonce: str) -> dict:
    """The open modal again, for views.update: what was typed kept, the draft in the empty text fields only.

    A filled field gets a new action_id: Slack keeps what a client shows in an input whose ids are unchanged, so
    only a new id shows the new initial value (the block_id, which the submit reads, stays).
    """
    blocks: list[dict] = []
    for block in view.get("blocks") or []:
        if block.get("block_id") == DRAFT_NOTICE_BLOCK:
            continue
        block = dict(block)
        element = dict(block.get("element") or {})
        block_id = block.get("block_id")
        if block.get("type") == "input" and element.get("type") == "plain_text_input":
            given = typed.get(block_id)
            element.pop("initial_value", None)  # what the field shows now is in `typed`
            if given:
                element["initial_value"] = given
            elif draft.get(block_id):
                element["initial_value"] = draft[block_id][:TEXT_MAX]
                element["action_id"] = f"text-{nonce}"
            block["element"] = element
        elif block.get("type") == "input" and element.get("type") == "static_select" and typed.get(block_id):
            chosen = next((o for o in element.get("options", []) if o.get("value") == typed[block_id]), None)
            if chosen:
                element["initial_option"] = chosen
            block["element"] = element
        blocks.append(block)
        if block_id == DRAFT_BLOCK and notice:
            blocks.append({"type": "context", "block_id": DRAFT_NOTICE_BLOCK,
                           "elements": [{"type": "mrkdwn", "text": notice[:3000]}]})
    return {key: view[key] for key in VIEW_KEYS if key in view} | {"blocks": blocks[:100]}


def self_review_modal(form: Any, *, locale: str) -> dict:
    """Per goal: result and evidence; per criterion of the person's plan: a rating on its scale and why."""
    answers = form.review.answers or {}
    blocks: list[dict] = []
    for goal in form.goals[:GOALS_IN_MODAL]:
        blocks.append(long_input(f"evidence:{goal.id}", label("self_review_evidence", locale, title=goal.title),
                                  initial=(answers.get("goals", {}).get(str(goal.id)) or {}).get("evidence")))
    blocks += criteria_inputs(form.plan, answers, locale=locale)
    return {
        "type": "modal",
        "callback_id": SELF_REVIEW_VIEW,
        "private_metadata": str(form.review.id),
        "title": plain(label("self_review_title", locale)[:24]),
        "submit": plain(label("submit", locale)),
        "close": plain(label("cancel", locale)),
        "blocks": [*sections(f"*{form.cycle.name}*"), *blocks][:100],
    }


def scale_options(plan: dict, locale: str) -> list[dict]:
    return [{"text": plain(f"{step['value']} · {localized(step['label'], locale)}"[:75]), "value": str(step["value"])}
            for step in plan["rating_scale"]]


def rating_select(block_id: str, label_text: str, options: list[dict], *, given: Any, hint: str | None = None) -> dict:
    element: dict = {"type": "static_select", "action_id": "rating", "options": options}
    initial = next((o for o in options if o["value"] == str(given)), None)
    if initial:
        element["initial_option"] = initial
    block = {"type": "input", "block_id": block_id, "label": plain(label_text), "element": element}
    if hint:
        block["hint"] = plain(hint)
    return block


def criteria_inputs(plan: dict, answers: dict, *, locale: str) -> list[dict]:
    """Per criterion of the plan: a rating on its scale and why, prefilled with what was written before."""
    options = scale_options(plan, locale)
    blocks: list[dict] = []
    for criterion in plan["criteria"]:
        key, name = criterion["key"], localized(criterion["name"], locale)
        given = answers.get("criteria", {}).get(key) or {}
        hint = localized(criterion["description"], locale) if criterion.get("description") else None
        blocks += [rating_select(f"rating:{key}", label("self_review_rating", locale, name=name), options,
                                 given=given.get("rating"), hint=hint),
                   long_input(f"comment:{key}", label("self_review_comment", locale, name=name),
                              initial=given.get("comment"))]
    return blocks


def long_input(block_id: str, label_text: str, *, initial: str | None, optional: bool = True) -> dict:
    element = {"type": "plain_text_input", "action_id": "text", "multiline": True, "max_length": TEXT_MAX}
    if initial:
        element["initial_value"] = initial
    return {"type": "input", "block_id": block_id, "optional": optional, "label": plain(label_text),
            "element": element}



def self_review_thanks(*, cycle: str, locale: str) -> dict:
    return markdown_message(render("self_review_thanks", locale, cycle=cycle))


OPEN_MANAGER_REVIEW_ACTION = "review_manager_open"
MANAGER_REVIEW_VIEW = "review_manager_submit"
QUOTE_MAX = 200
LIST_MAX = 5


def _clip(text: str | None) -> str:
    text = (text or "").strip().replace("\n", " ")
    return text if len(text) <= QUOTE_MAX else text[: QUOTE_MAX - 1] + "…"


def manager_review_request(*, subject: str, cycle: str, due: str, review_id: int, reminder: bool,
                           locale: str) -> dict:
    text = render("manager_review_request", locale, subject=subject, cycle=cycle, due=due, reminder=reminder)
    return {"text": text, "blocks": [*sections(text), {"type": "actions", "block_id": f"manager-{review_id}",
            "elements": [{"type": "button", "action_id": OPEN_MANAGER_REVIEW_ACTION, "style": "primary",
                          "value": str(review_id), "text": plain(label("write_manager_review", locale))}]}]}


def evidence_text(form: Any, *, locale: str, anonymous_peer: str) -> str:
    """The evidence, condensed: goals, check-ins, feedback, kudos, the self-review, peers (without names)."""
    evidence = form.evidence
    goals = [{"title": goal.title, "percent": round(progress * 100), "status": label(f"status_{goal.status}", locale)}
             for goal, progress in evidence.goals[:LIST_MAX * 2]]
    feedback = [_clip((r.answers or {}).get("to_improve") or (r.answers or {}).get("went_well")
                      or (r.answers or {}).get("will_do_differently")) for r in evidence.feedback[-LIST_MAX:]]
    self_answers = (evidence.self_review.answers or {}).get("criteria", {}) if evidence.self_review else {}
    names = {c["key"]: localized(c["name"], locale) for c in form.plan["criteria"]}
    self_review = [f"{names.get(key, key)} {answer.get('rating')}" for key, answer in self_answers.items()]
    peers = [f"{anonymous_peer}: {_clip(r.text)}" for r in evidence.peer_reviews[:LIST_MAX]]
    confidence = round(evidence.avg_confidence, 1) if evidence.avg_confidence is not None else None
    return render("review_evidence", locale, subject=form.subject.name, cycle=form.cycle.name, goals=goals,
                  checkins=evidence.checkins, confidence=confidence, blockers=evidence.blockers,
                  feedback=[f for f in feedback if f], kudos=[_clip(k.message) for k in evidence.kudos[-LIST_MAX:]],
                  self_review=self_review, peers=peers)


def manager_review_modal(form: Any, *, locale: str, anonymous_peer: str) -> dict:
    """The evidence on top; then a rating and why per criterion, an overall rating, strengths, what to improve."""
    answers = form.review.answers or {}
    blocks: list[dict] = []
    revisit = answers.get("revisit")
    if revisit:  # HR asked to look again: their note first, the earlier answers prefilled below
        blocks += sections(render("revisit_note", locale, note=revisit.get("note") or ""))
    blocks += sections(evidence_text(form, locale=locale, anonymous_peer=anonymous_peer))
    blocks += criteria_inputs(form.plan, answers, locale=locale)
    blocks += [
        rating_select("overall", label("manager_review_overall", locale), scale_options(form.plan, locale),
                      given=form.review.rating),
        long_input("strengths", label("manager_review_strengths", locale), initial=answers.get("strengths"),
                   optional=False),
        long_input("to_improve", label("manager_review_to_improve", locale), initial=answers.get("to_improve"),
                   optional=False),
    ]
    return {
        "type": "modal",
        "callback_id": MANAGER_REVIEW_VIEW,
        "private_metadata": str(form.review.id),
        "title": plain(label("manager_review_title", locale)[:24]),
        "submit": plain(label("submit", locale)),
        "close": plain(label("cancel", locale)),
        "blocks": blocks[:100],
    }


def manager_review_thanks(*, subject: str, cycle: str, rating: str, locale: str) -> dict:
    return markdown_message(render("manager_review_thanks", locale, subject=subject, cycle=cycle, rating=rating))


ACKNOWLEDGE_ACTION = "result_acknowledge"


def review_result(*, cycle: str, rating: int, rating_label: str, strengths: str, to_improve: str, reward: dict,
                  manager: str, locale: str, peers: Sequence[Any] = (), review_id: int | None = None,
                  peers_withheld: bool = False) -> dict:
    """The employee's released result: rating and label, strengths, what to improve, the rewards it leads to.

    `peers` are storage.peers.PeerFeedback; only their words are shown, never who wrote them. `peers_withheld`
    (storage.calibration.Result): too few peers answered, so the employee is told their comments stay with the
    manager, and nothing about how many there are.
    """
    feedback = [{"strengths": _clip(p.strengths), "to_improve": _clip(p.to_improve)} for p in peers]
    text = render("review_result", locale, cycle=cycle, rating=rating, label=rating_label, strengths=strengths,
                  to_improve=to_improve, reward=reward, manager=manager, peers=feedback, peers_withheld=peers_withheld)
    message = markdown_message(text)
    if review_id is not None:
        message["blocks"].append({"type": "actions", "block_id": f"result-{review_id}", "elements": [
            {"type": "button", "action_id": ACKNOWLEDGE_ACTION, "style": "primary", "value": str(review_id),
             "text": plain(label("acknowledge", locale))}]})
    return message
