"""Check-ins that follow up instead of repeating: last week's blockers asked about (resolved / still blocked), the
action items due ticked done, "no change" per goal, a highlights question that rotates by week. One rule
(actions.checkins.check_in), so each behaviour is one test run from Slack and from Teams."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlmodel import select

from bot.emulator import SignedSlackClient
from prompts import adaptive, checkin_blocks
from prompts.render import label, render
from storage.models import ActionItem, Attention, CheckIn, Goal, GoalProgress
from tests.builders import approved_goal, person
from tests.conftest import SIGNING_SECRET
from tests.slack_helpers import dms_to, opened_view, visible_text
from tests.teams.helpers import dialog_card

SURFACES = ("slack", "teams")
FRIDAY = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)  # 2026-W48
NEXT_MONDAY = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)  # 2026-W49
MONDAY_AFTER = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)  # 2026-W50
LEGAL = "Waiting on legal approval for the pilot contract"
LISTS = (checkin_blocks.ACTIONS_DONE_FIELD,)  # Slack checkboxes: lists; Teams: comma-separated


def question(text: str = LEGAL) -> str:
    return render("checkin_blocker_question", "en", blocker=text)


class Surface:
    """Alan (employee) and Ada (his manager) on one surface: Alan's check-in form, what he submits, what reaches Ada."""

    def __init__(self, kind, *, slack, emulator, teams, people, ada, connector):
        self.kind, self.slack, self.emulator, self.teams, self.connector = kind, slack, emulator, teams, connector
        self.alan, self.ada = people.alan, ada
        if kind == "slack":
            emulator.add_user("UEMP1", name="Alan Turing", email="alan@example.com", tz="Europe/London",
                              locale="en-GB")
            emulator.add_user("UMGR1", name="Ada Lovelace", email="ada@example.com", tz="Europe/London",
                              locale="en-GB")
        else:
            teams.install(ada)
            teams.install(people.alan)
            connector.reset()

    def open(self) -> dict[str, str]:
        """Alan opens this week's check-in: return its fields' starting values, and keep its words."""
        if self.kind == "slack":
            assert self.slack.slash_command("UEMP1", "/checkin").status == 200
            self.form = opened_view(self.emulator)
            inputs = [b for b in self.form["blocks"] if b.get("type") == "input"]
            self.words = [b["label"]["text"] for b in inputs] + [
                o["text"]["text"] for b in inputs for o in b["element"].get("options", [])]
            return {b["block_id"]: b["element"].get("initial_value") or
                    (b["element"].get("initial_option") or {}).get("value") for b in inputs}
        self.form = dialog_card(self.teams.task_fetch(self.alan,
                                                      adaptive.button_data(checkin_blocks.OPEN_CHECKIN_ACTION)))
        inputs = [e for e in self.form["body"] if e.get("type", "").startswith("Input.")]
        self.words = [e.get("label") or e.get("title") for e in inputs] + [
            c["title"] for e in inputs for c in e.get("choices", [])]
        return {e["id"]: e.get("value", "") for e in inputs}

    def submit(self, **values: str) -> list[str]:
        """Submit the form as opened, with `values` changed; return the errors shown (none: it was filed)."""
        fields = {**self.open_values, **values}
        if self.kind == "slack":
            state = {key: ([item for item in (value or "").split(",") if item] if key in LISTS or key.endswith(":same")
                           else value or None) for key, value in fields.items()}
            response = self.slack.view_submission("UEMP1", self.form, state)
            assert response.status == 200
            return list(response.json()["errors"].values()) if response.body else []
        response = self.teams.task_submit(self.alan, {**self.form["actions"][0]["data"], **fields})
        task = response.json()["task"]
        if task["type"] == "message":
            return []
        return [e["text"] for e in task["value"]["card"]["content"]["body"]
                if e.get("type") == "TextBlock" and e["text"].startswith("⚠️")]

    def check_in(self, **values: str) -> list[str]:
        self.open_values = self.open()
        return self.submit(**values)

    def texts_to_ada(self) -> list[str]:
        if self.kind == "slack":
            return [visible_text(m) for m in dms_to(self.emulator, "UMGR1")]
        return [p.text for p in self.connector.sent_to(self.ada.personal_conversation_id)]


@pytest.fixture
def surface_of(teams_server, emulator, teams, teams_people, connector, clock):
    slack = SignedSlackClient(f"{teams_server.url}/slack/events", SIGNING_SECRET, emulator=emulator)
    ada = connector.add_user("aad-ada", name="Ada Lovelace", email="ada@example.com", locale="en-GB")
    clock.set(FRIDAY)
    return lambda kind: Surface(kind, slack=slack, emulator=emulator, teams=teams, people=teams_people, ada=ada,
                                connector=connector)


def attentions(sessions) -> list[Attention]:
    with sessions() as session:
        return list(session.exec(select(Attention).order_by(Attention.id)))


def checkin_of(sessions, week: str) -> CheckIn:
    with sessions() as session:
        return session.exec(select(CheckIn).where(CheckIn.week == week)).one()


@pytest.mark.parametrize("kind", SURFACES)
def test_it_asks_about_last_weeks_blocker_and_yes_resolves_it_telling_the_manager(kind, surface_of, sessions, clock):
    surface = surface_of(kind)
    assert surface.check_in(confidence="4", blockers=LEGAL) == []
    [raised] = attentions(sessions)
    assert raised.state == "open"

    clock.set(NEXT_MONDAY)
    surface.open_values = surface.open()
    assert question() in surface.words
    assert surface.open_values["blockers"] == LEGAL  # carried, editable
    # "Yes" with the carried words left in the field: they were only last week's, so this week has no blocker.
    assert surface.submit(confidence="4", **{f"blocker:{raised.id}": "resolved"}) == []

    [resolved] = attentions(sessions)
    assert (resolved.state, resolved.resolved_at) == ("resolved", NEXT_MONDAY)
    assert checkin_of(sessions, "2026-W49").blockers is None
    told = [t for t in surface.texts_to_ada() if "says the blocker in their check-in for the week of Nov 23 is " in t]
    assert len(told) == 1, surface.texts_to_ada()

    clock.set(MONDAY_AFTER)
    surface.open()
    assert question() not in surface.words  # nothing left to ask about


@pytest.mark.parametrize("kind", SURFACES)
def test_still_blocked_carries_the_blocker_keeps_its_alert_open_and_does_not_alert_the_manager_again(
    kind, surface_of, sessions, clock
):
    surface = surface_of(kind)
    surface.check_in(confidence="4", blockers=LEGAL)
    [raised] = attentions(sessions)
    alerted = surface.texts_to_ada()
    assert len(alerted) == 1 and "legal approval" in alerted[0]

    clock.set(NEXT_MONDAY)
    assert surface.check_in(confidence="4", **{f"blocker:{raised.id}": "still"}) == []
    assert checkin_of(sessions, "2026-W49").blockers == LEGAL  # the carried words, as prefilled
    [kept] = attentions(sessions)  # the first alert stays open, and is the only one
    assert (kept.id, kept.state, kept.opened_at) == (raised.id, "open", FRIDAY)
    assert surface.texts_to_ada() == alerted  # the manager is not alerted twice for the same words

    clock.set(MONDAY_AFTER)  # the week after, the same blocker is asked about again
    surface.open_values = surface.open()
    assert question() in surface.words and surface.open_values["blockers"] == LEGAL

    # A new blocker is news: the manager hears of it.
    assert surface.submit(confidence="4", **{f"blocker:{raised.id}": "still",
                                             "blockers": "Legal wants a new clause"}) == []
    assert [a.state for a in attentions(sessions)] == ["open", "open"]
    assert len(surface.texts_to_ada()) == 2


@pytest.mark.parametrize("kind", SURFACES)
def test_still_blocked_keeps_the_alert_open_even_when_the_field_is_cleared(kind, surface_of, sessions, clock):
    surface = surface_of(kind)
    surface.check_in(confidence="4", blockers=LEGAL)
    [raised] = attentions(sessions)
    clock.set(NEXT_MONDAY)
    assert surface.check_in(confidence="4", **{f"blocker:{raised.id}": "still", "blockers": ""}) == []
    assert attentions(sessions)[0].state == "open"


@pytest.mark.parametrize("kind", SURFACES)
def test_an_action_item_due_this_week_is_listed_and_ticking_it_completes_it(kind, surface_of, sessions, clock):
    surface = surface_of(kind)
    with sessions() as session:
        alan, ada = person(session, "UEMP1"), person(session, "UMGR1")
        due = ActionItem(subject_id=alan.id, owner_id=alan.id, text="Send the pilot list to Ada",
                         due_date=date(2026, 11, 26), created_at=FRIDAY)
        later = ActionItem(subject_id=alan.id, owner_id=alan.id, text="Plan the Q1 pilots",
                           due_date=date(2026, 12, 20), created_at=FRIDAY)
        adas = ActionItem(subject_id=alan.id, owner_id=ada.id, text="Ask legal for a date",
                          due_date=date(2026, 11, 27), created_at=FRIDAY)
        session.add_all([due, later, adas])
        session.flush()
        ids = due.id, later.id, adas.id

    surface.open_values = surface.open()
    shown = [w for w in surface.words if "(due " in w]
    assert shown == [label("checkin_action_due", "en", text="Send the pilot list to Ada",
                           due=label("date", "en", d=date(2026, 11, 26)))]  # Alan's, due by Sunday: only one
    assert surface.submit(confidence="4", actions_done=str(ids[0])) == []

    with sessions() as session:
        done = {a.id: a.done_at for a in session.exec(select(ActionItem))}
    assert done == {ids[0]: FRIDAY, ids[1]: None, ids[2]: None}
    surface.open()
    assert not [w for w in surface.words if "(due " in w]  # done: not asked again


@pytest.mark.parametrize("kind", SURFACES)
def test_no_change_keeps_last_weeks_value_and_status_without_retyping(kind, surface_of, sessions, clock):
    surface = surface_of(kind)
    goal = approved_goal(sessions, "UEMP1", now=clock.now(), title="Onboard 10 pilots", target="10")
    value, status, same = f"goal:{goal.id}:value", f"goal:{goal.id}:status", f"goal:{goal.id}:same"
    assert surface.check_in(confidence="4", **{value: "4", status: "at_risk"}) == []

    clock.set(NEXT_MONDAY)
    surface.open_values = surface.open()
    assert (surface.open_values[value], surface.open_values[status]) == ("4", "at_risk")
    assert label("checkin_no_change" if kind == "slack" else "checkin_no_change_short", "en") in surface.words
    # Ticked, and a different value beside it: which one is meant? The person says (an inline error).
    errors = surface.submit(confidence="4", **{same: "true", value: "6"})
    assert [error.removeprefix("⚠️ ") for error in errors] == [label("error_no_change_conflict", "en")]
    assert surface.submit(confidence="4", **{same: "true"}) == []

    with sessions() as session:
        kept = session.get(Goal, goal.id)
        assert (kept.current_value, kept.status) == (4, "at_risk")
        week = session.exec(select(CheckIn).where(CheckIn.week == "2026-W49")).one()
        row = session.exec(select(GoalProgress).where(GoalProgress.checkin_id == week.id)).one()
        assert (row.value, row.status) == (4, "at_risk")


@pytest.mark.parametrize("kind", SURFACES)
def test_the_highlights_question_changes_from_week_to_week_and_stays_within_one(kind, surface_of, clock):
    surface = surface_of(kind)
    asked = []
    for moment in (FRIDAY, FRIDAY, NEXT_MONDAY, MONDAY_AFTER):
        clock.set(moment)
        surface.open()
        asked.append(next(w for w in surface.words
                          if w in {render("checkin_highlights_question", "en", week_number=n) for n in range(4)}))
    assert asked[0] == asked[1]  # the same week's form shown again keeps its wording
    assert len(set(asked[1:])) == 3


def test_an_answer_about_someone_elses_blocker_is_ignored(surface_of, teams, teams_people, sessions, clock):
    surface = surface_of("teams")
    surface.check_in(confidence="4", blockers=LEGAL)
    [raised] = attentions(sessions)
    clock.set(NEXT_MONDAY)
    forged = {"action": checkin_blocks.CHECKIN_VIEW, "week": "2026-W49", "confidence": "4",
              f"blocker:{raised.id}": "resolved", "actions_done": "1"}
    assert teams.task_submit(teams_people.katherine, forged).json()["task"]["type"] == "message"
    assert attentions(sessions)[0].state == "open"
    assert len(surface.texts_to_ada()) == 1  # only Alan's first alert
