"""What someone does in Slack reaches a colleague who works in Teams, in Teams."""

from __future__ import annotations

from prompts.coaching_blocks import REVIEW_ACTION
from tests.builders import person
from tests.slack_helpers import opened_view

EMPTY_MESSAGE = {"channel": "DUMGR1", "blocks": [], "text": ""}


def test_feedback_written_in_slack_reaches_an_employee_who_works_in_teams(teams, teams_people, connector, slack,
                                                                         emulator, sessions):
    emulator.add_user("UMGR1", name="Ada Lovelace", real_name="Ada Lovelace", email="ada@example.com",
                      tz="Europe/London", locale="en-GB")
    teams.install(teams_people.li_lei)
    teams.message(teams_people.li_lei, "help")  # 李雷 works in Teams now
    with sessions() as session:
        li_id = person(session, "UEMP2").id
    connector.reset()

    slack.block_action("UMGR1", REVIEW_ACTION, value=f"{li_id}|2026-W48", message=EMPTY_MESSAGE)
    response = slack.view_submission("UMGR1", opened_view(emulator), {
        "went_well": "法务的阻碍写得很清楚", "to_improve": "下次更早上报", "assessment": "on_track",
        "private_notes": "watch workload"})
    assert response.status == 200

    [feedback] = [p.text for p in connector.sent_to(teams_people.li_lei.personal_conversation_id)
                  if "Ada Lovelace" in p.text]
    assert "法务的阻碍写得很清楚" in feedback and "watch workload" not in feedback
    assert not [m for m in emulator.messages if m["channel"] in ("UEMP2", "DUEMP2")]  # not on Slack as well
