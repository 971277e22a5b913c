"""Thousands of mutated but signed Slack payloads: each gets an answer below 500, nothing logs a failure, and a
refused request writes nothing.

The mutants grow from real payloads: every request the bot's own flows send (commands, buttons, modal
submissions, events) is recorded, then parsed, mutated a few times (a field dropped, a wrong type, a forged
id, tampered private_metadata, broken encodings) and sent again, signed, through the HTTP endpoint.
"""

from __future__ import annotations

import json
import logging
import random
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode

import pytest
from sqlalchemy import text
from sqlmodel import SQLModel

from prompts import (
    calibration_blocks,
    checkin_blocks,
    coaching_blocks,
    cycle_blocks,
    digest_blocks,
    goal_blocks,
    home_blocks,
    improvement_blocks,
    peer_blocks,
    plan_blocks,
    review_blocks,
)
from prompts.render import label
from storage import checkins
from tests.builders import approved_goal, load_org, person
from tests.slack_helpers import button, dms_to, opened_view

EMPLOYEE, CHINESE_EMPLOYEE, PEER, MANAGER, HR = "UEMP1", "UEMP2", "UEMP3", "UMGR1", "UHR1"
FORM = "application/x-www-form-urlencoded"
SEED = 20261203
MUTANTS = 2000
HUGE_BODIES = 4  # 1 MB each: enough to show they are refused cleanly, few enough to stay quick
MEGABYTE = 1024 * 1024
NEXT_YEAR = "2027-06-30"
# Tables a request may touch without acting for the person: which events were seen already.
BOOKKEEPING_TABLES = {"slack_events"}

# Values Slack never sends where they land: wrong types, ids out of range, text no column can hold.
STRANGE = [
    None, True, 0, -1, 1.5, 2**31, 2**63, 10**30, float("inf"), float("nan"), [], [1, "2"], {}, {"id": 1},
    "", " ", "abc", "0", "-5", "²", "１２", "1e309", "2147483648", "99999999999999999999", "12:34", "12|2026-W48",
    "progress:", ":", "|", "2026-W99", "new", "pick", "\x00", "a\x00b", "\ud800", "<@UEMP3|kj>", "UEMP1", "U" * 40,
    "uemp1", "x" * 5000, "https://example.invalid/hook", '{"goal_id": 1}', '{"mine": 1e309}', "[]", "null",
]


@dataclass(frozen=True)
class Recorded:
    body: bytes
    content_type: str


@dataclass
class Tally:
    sent: int = 0
    server_errors: int = 0
    refused: int = 0
    unmatched: int = 0


@pytest.fixture
def world(sessions, clock, emulator):
    """The small org with an approved goal, so buttons and modals name real records."""
    load_org(sessions, now=clock.now(), emulator=emulator)
    goal = approved_goal(sessions, EMPLOYEE, now=clock.now(), title="Onboard 10 pilots", target="10")
    with sessions() as session:
        ids = {slack_id: person(session, slack_id).id for slack_id in (EMPLOYEE, MANAGER, PEER, HR)}
    return goal, ids


@pytest.fixture
def seeds(slack, emulator, clock, world, monkeypatch) -> list[Recorded]:
    """Run the bot's real flows once and keep every request Slack sent for them."""
    recorded: list[Recorded] = []
    send = slack.send_raw

    def record(body: bytes, content_type: str, **options):
        recorded.append(Recorded(body, content_type))
        return send(body, content_type, **options)

    monkeypatch.setattr(slack, "send_raw", record)
    run_flows(slack, emulator, clock, *world)
    monkeypatch.setattr(slack, "send_raw", send)
    return recorded


def run_flows(slack, emulator, clock, goal, ids) -> None:
    """Commands, buttons, modal submissions and events, as people use them."""
    week = checkins.current_week(None, now=clock.now(), default_zone="UTC")
    for user, command, words in [(EMPLOYEE, "/goal", "help"), (EMPLOYEE, "/goal", "list"),
                                 (MANAGER, "/goal", f"list <@{EMPLOYEE}|alan>"), (EMPLOYEE, "/checkin", "back"),
                                 (MANAGER, "/checkin", f"history <@{EMPLOYEE}|alan>"),
                                 (EMPLOYEE, "/checkin", "away until 2026-12-01"),
                                 (EMPLOYEE, "/kudos", f"<@{PEER}|kj> thanks for the review")]:
        slack.slash_command(user, command, words)

    slack.slash_command(EMPLOYEE, "/goal")
    coached = slack.view_submission(EMPLOYEE, opened_view(emulator), {
        "title": "Cut p95 latency to 200 ms", "metric": "p95 latency", "start": "450", "target": "200",
        "unit": "ms", "due_date": NEXT_YEAR})
    if (coached.json() or {}).get("view"):
        slack.view_submission(EMPLOYEE, {**coached.json()["view"], "id": "V2"}, {})
    request = dms_to(emulator, MANAGER)[-1]
    slack.block_action(MANAGER, goal_blocks.RETURN_ACTION, message=request)
    slack.view_submission(MANAGER, opened_view(emulator), {"comment": "Make it measurable"})
    slack.block_action(MANAGER, goal_blocks.APPROVE_ACTION, message=request)

    slack.block_action(EMPLOYEE, goal_blocks.MENU_ACTION, block_id=f"goal-{goal.id}",
                       selected_option={"text": {"type": "plain_text", "text": "Update"},
                                        "value": f"progress:{goal.id}"},
                       view={"id": "VHOME", "type": "home", "blocks": []})
    slack.view_submission(EMPLOYEE, opened_view(emulator), {"value": "4", "note": "two more"})

    slack.slash_command(EMPLOYEE, "/checkin")
    slack.view_submission(EMPLOYEE, opened_view(emulator), {
        f"goal:{goal.id}:value": "5", f"goal:{goal.id}:status": "on_track", "confidence": "2",
        "blockers": "Waiting on legal", "help_needed": "A nudge"})
    alert = dms_to(emulator, MANAGER)[-1]
    slack.block_action(MANAGER, checkin_blocks.RESPOND_ACTION, value=button(alert, checkin_blocks.RESPOND_ACTION)
                       ["value"], message=alert)
    slack.view_submission(MANAGER, opened_view(emulator), {"reply": "I'll call legal today"})

    home = {"id": "VHOME", "type": "home", "blocks": []}
    for user, action_id, value in [
        (EMPLOYEE, checkin_blocks.OPEN_CHECKIN_ACTION, week), (EMPLOYEE, f"{checkin_blocks.SNOOZE_ACTION}-2h",
                                                              f"{week}|2h"),
        (EMPLOYEE, goal_blocks.NEW_GOAL_ACTION, None), (EMPLOYEE, f"{home_blocks.PAGE_ACTION}-mine",
                                                        home_blocks.HomePages(mine=2).to_value()),
        (MANAGER, coaching_blocks.REVIEW_ACTION, f"{ids[EMPLOYEE]}|{week}"),
        (MANAGER, coaching_blocks.ONE_ON_ONE_ACTION, str(ids[EMPLOYEE])),
        (EMPLOYEE, coaching_blocks.REFLECT_ACTION, "1"), (HR, f"{digest_blocks.EXPORT_ACTION}-goals", "goals"),
        (HR, plan_blocks.EDIT_PLAN_ACTION, "new"), (HR, home_blocks.OPEN_CYCLE_ACTION, None),
        (MANAGER, improvement_blocks.OPEN_PLAN_ACTION, "pick"),
        (MANAGER, improvement_blocks.OPEN_PLAN_ACTION, f"{ids[EMPLOYEE]}:1"),
        (HR, calibration_blocks.CALIBRATE_ACTION, "1"), (HR, calibration_blocks.REVISIT_ACTION, "1"),
        (HR, calibration_blocks.RELEASE_ACTION, "1"), (EMPLOYEE, review_blocks.ACKNOWLEDGE_ACTION, "1"),
        (EMPLOYEE, review_blocks.OPEN_SELF_REVIEW_ACTION, "1"),
        (MANAGER, review_blocks.OPEN_MANAGER_REVIEW_ACTION, "1"),
        (EMPLOYEE, review_blocks.CHOOSE_PEERS_ACTION, "1"), (MANAGER, peer_blocks.CONFIRM_PEERS_ACTION, "1:3"),
        (MANAGER, peer_blocks.CHANGE_PEERS_ACTION, "1:3"), (PEER, peer_blocks.OPEN_PEER_REVIEW_ACTION, "1"),
        (PEER, peer_blocks.DECLINE_PEER_REVIEW_ACTION, "1"), (EMPLOYEE, improvement_blocks.COMMITMENTS_ACTION, "1"),
        (MANAGER, improvement_blocks.RECORD_CHECK_ACTION, "1"),
    ]:
        slack.block_action(user, action_id, value, view=home)

    opened = {call.response["view"]["callback_id"]: call.response["view"]
              for call in emulator.calls_to("views.open") if call.response.get("ok")}
    for user, callback_id, metadata, values in [
        (HR, plan_blocks.PLAN_VIEW, "", {"name": "Engineering"}),
        (HR, cycle_blocks.OPEN_CYCLE_VIEW, "", {"name": "2026 H2", "from": "2026-07-01", "to": "2026-12-31"}),
        (MANAGER, improvement_blocks.PLAN_VIEW, "", {"subject": EMPLOYEE, "gaps": "Late reviews"}),
        (MANAGER, coaching_blocks.REVIEW_VIEW, json.dumps({"subject_id": ids[EMPLOYEE], "week": week}),
         {"went_well": "Shipped", "assessment": "on_track"}),
        (EMPLOYEE, coaching_blocks.REFLECT_VIEW, "1", {"will_do_differently": "Ask earlier"}),
        (EMPLOYEE, review_blocks.SELF_REVIEW_VIEW, "1", {}), (MANAGER, review_blocks.MANAGER_REVIEW_VIEW, "1", {}),
        (EMPLOYEE, peer_blocks.PEERS_VIEW, "1", {}), (MANAGER, peer_blocks.CONFIRM_VIEW, "1:3", {}),
        (PEER, peer_blocks.PEER_REVIEW_VIEW, "1", {}), (PEER, peer_blocks.DECLINE_VIEW, "1", {"reason": "busy"}),
        (HR, calibration_blocks.REVISIT_VIEW, "1", {"note": "look again"}),
        (EMPLOYEE, calibration_blocks.ACKNOWLEDGE_VIEW, "1", {}),
        (EMPLOYEE, improvement_blocks.COMMITMENTS_VIEW, "1", {"commitments": "Daily notes"}),
        (MANAGER, improvement_blocks.CHECK_VIEW, "1", {"outcome": "Better"}),
        (EMPLOYEE, goal_blocks.ADJUST_VIEW, str(goal.id), {"target": "12", "reason": "bigger pilot"}),
        (EMPLOYEE, goal_blocks.ARCHIVE_VIEW, str(goal.id), {"reason": "done"}),
    ]:
        view = opened.get(callback_id) or {"id": f"V{callback_id}", "type": "modal", "callback_id": callback_id,
                                           "blocks": []}
        inputs = {block.get("block_id") for block in view["blocks"]}
        slack.view_submission(user, {**view, "private_metadata": metadata},
                              {key: value for key, value in values.items() if key in inputs})

    slack.event(EMPLOYEE, {"type": "app_home_opened", "tab": "home", "channel": f"D{EMPLOYEE}"})
    slack.event(EMPLOYEE, {"type": "message", "channel_type": "im", "channel": f"D{EMPLOYEE}", "text": "help"})


# ---- mutations -------------------------------------------------------------------------------------------------


def parse(seed: Recorded) -> tuple[str, object]:
    """Split a recorded request into its kind ("payload", "form", "json") and its document."""
    if seed.content_type == FORM:
        fields = dict(parse_qsl(seed.body.decode(), keep_blank_values=True))
        if "payload" in fields:
            return "payload", json.loads(fields["payload"])
        return "form", fields
    return "json", json.loads(seed.body)


def encode(kind: str, document) -> tuple[bytes, str]:
    if kind == "payload":
        return urlencode({"payload": json.dumps(document)}).encode(), FORM
    if kind == "form":  # a form carries only strings
        fields = document if isinstance(document, dict) else {"text": document}
        flat = {str(k): v if isinstance(v, str) else json.dumps(v) for k, v in fields.items()}
        return urlencode(flat, errors="surrogatepass").encode(), FORM
    return json.dumps(document).encode(), "application/json"


def paths(document, prefix=()) -> list[tuple]:
    """Every place in the document a value sits, outermost first."""
    found = []
    items = document.items() if isinstance(document, dict) else enumerate(document) \
        if isinstance(document, list) else ()
    for key, value in items:
        found.append((*prefix, key))
        found.extend(paths(value, (*prefix, key)))
    return found


def mutate_once(rng: random.Random, document):
    """Change one thing: drop a field, give it a strange value, stringify or wrap it, or tamper the metadata."""
    view = document.get("view") if isinstance(document, dict) else None
    if isinstance(view, dict) and "private_metadata" in view and rng.random() < 0.15:
        view["private_metadata"] = rng.choice([s for s in STRANGE if isinstance(s, str)] + [
            json.dumps({"goal_id": 2**40, "subject_id": True, "week": "2026-W99"}), "{broken"])
        return document
    places = paths(document)
    if not places:
        return rng.choice(STRANGE)
    place = rng.choice(places)
    parent = document
    for key in place[:-1]:
        parent = parent[key]
    key, old = place[-1], parent[place[-1]]
    move = rng.random()
    if move < 0.2:
        parent.pop(key) if isinstance(parent, dict) else parent.pop(key)
    elif move < 0.8:
        parent[key] = rng.choice(STRANGE)
    elif move < 0.9:
        parent[key] = json.dumps(old)
    else:
        parent[key] = [old] if rng.random() < 0.5 else {"value": old}
    return document


def raw_mutant(rng: random.Random, body: bytes, content_type: str) -> tuple[bytes, str]:
    """Break the encoding itself: bytes that are not UTF-8, JSON cut short, a body that is not an object."""
    choice = rng.randrange(6)
    if choice == 0:
        cut = rng.randrange(1, max(2, len(body)))
        return body[:cut] + b"\xff\xfe\xc3" + body[cut:], content_type
    if choice == 1:
        return body[: rng.randrange(1, max(2, len(body)))], content_type
    if choice == 2:
        return b"payload=" + b"%7Bnot+json", FORM
    if choice == 3:
        return rng.choice([b"[]", b"[1, 2]", b'"text"', b"null", b"12", b"{}"]), "application/json"
    if choice == 4:
        return b"payload=" + urlencode({"x": "[1]"}).encode()[2:], FORM
    return b"{" * 5000 + b"}" * 5000, "application/json"


def mutants(rng: random.Random, seeds: list[Recorded]):
    """Yield (body, content type) pairs: a few huge ones, some broken encodings, the rest mutated payloads."""
    for _ in range(HUGE_BODIES):
        kind, document = parse(rng.choice(seeds))
        filler = "x" * MEGABYTE
        if isinstance(document, dict):
            document["text" if kind == "form" else "filler"] = filler
        yield encode(kind, document)
    for _ in range(MUTANTS - HUGE_BODIES):
        seed = rng.choice(seeds)
        if rng.random() < 0.06:
            yield raw_mutant(rng, seed.body, seed.content_type)
            continue
        kind, document = parse(seed)
        for _ in range(rng.choice((1, 1, 2, 3))):
            document = mutate_once(rng, document)
        yield encode(kind, document)


# ---- the test --------------------------------------------------------------------------------------------------


def row_counts(engine) -> dict[str, int]:
    tables = [t.name for t in SQLModel.metadata.sorted_tables if t.name not in BOOKKEEPING_TABLES]
    query = "SELECT " + ", ".join(f'(SELECT count(*) FROM "{name}")' for name in tables)
    with engine.connect() as connection:
        return dict(zip(tables, connection.execute(text(query)).one(), strict=True))


def was_refused(response, refusal_records: int, words: set[str]) -> bool:
    """A refusal at the edge (4xx), or one the guard answered in words."""
    if response.status >= 400:
        return True
    return refusal_records > 0 or any(word in response.body for word in words)


def test_no_mutated_payload_gets_a_server_error_or_logs_a_failure(slack, seeds, engine, caplog, capsys):
    caplog.set_level(logging.INFO)
    rng = random.Random(SEED)
    words = {label("error_malformed", locale) for locale in ("en", "zh-CN")}
    tally, failures = Tally(), []
    for body, content_type in mutants(rng, seeds):
        before = row_counts(engine)
        caplog.clear()
        response = slack.send_raw(body, content_type)
        tally.sent += 1
        refusals = sum("refused a malformed" in r.getMessage() for r in caplog.records)
        errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
        unmatched = any("no listener for a" in r.getMessage() for r in caplog.records)  # a quiet 200
        tally.unmatched += unmatched
        if response.status >= 500 or errors:
            tally.server_errors += response.status >= 500
            failures.append((response.status, body[:300], [r.getMessage()[:200] for r in errors],
                             [repr(r.exc_info[1])[:200] for r in errors if r.exc_info]))
            continue
        if unmatched or was_refused(response, refusals, words):
            tally.refused += 1
            assert row_counts(engine) == before, f"a refused request wrote rows: {body[:300]!r}"
    with capsys.disabled():
        print(f"\nfuzz: sent {tally.sent}, 5xx {tally.server_errors}, errors logged {len(failures)}, "
              f"refused {tally.refused}, of which no listener (quiet 200) {tally.unmatched}")
    assert tally.sent >= MUTANTS
    assert failures == [], f"{len(failures)} failures, first ones: {failures[:5]}"
