"""One person on Slack and Teams: the same goals in both, whichever surface they were written in."""

from __future__ import annotations

from prompts import goal_cards
from tests.slack_helpers import opened_view


def test_goals_written_in_slack_and_in_teams_are_the_same_records_in_both(teams, teams_people, connector, slack,
                                                                          emulator, sessions):
    emulator.add_user("UEMP1", name="Alan Turing", real_name="Alan Turing", email="alan@example.com",
                      tz="Europe/London", locale="en-GB")
    slack.slash_command("UEMP1", "/goal")
    coach = slack.view_submission("UEMP1", opened_view(emulator), {
        "title": "Onboard 10 pilot customers", "metric": "pilots live", "start": "0", "target": "10",
        "unit": "customers", "due_date": "2027-03-31"}).json()
    slack.view_submission("UEMP1", {**coach["view"], "id": "V-confirm"}, {})  # the SMART coach: save unaligned
    asked = teams.task_submit(teams_people.alan, {
        "action": goal_cards.SUBMIT_NEW_GOAL, "title": "Cut onboarding to 5 days", "metric": "days to onboard",
        "start": "12", "target": "5", "unit": "days", "due_date": "2027-06-30", "weight": "", "description": ""})
    save = asked.json()["task"]["value"]["card"]["content"]["actions"][0]
    assert teams.task_submit(teams_people.alan, save["data"]).json()["task"]["type"] == "message"

    connector.reset()
    teams.message(teams_people.alan, "goal list")
    in_teams = connector.sent_to(teams_people.alan.personal_conversation_id)[0].text
    in_slack = slack.slash_command("UEMP1", "/goal", "list").json()["text"]
    for listing in (in_teams, in_slack):
        assert "Onboard 10 pilot customers" in listing and "Cut onboarding to 5 days" in listing
