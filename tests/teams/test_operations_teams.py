"""Teams' requests on /metrics beside Slack's: by activity type and outcome, with their ack time."""

from tests.test_operations_metrics import grew, scrape


def test_teams_activities_are_counted_by_type_and_outcome(teams, teams_server, teams_people):
    before = scrape(teams_server.url)
    assert teams.message(teams_people.alan, "help").status == 200
    assert teams.message(teams_people.alan, "help", signed=False).status == 401
    after = scrape(teams_server.url)
    assert grew(before, after, "checkin_requests_total", surface="teams", kind="message", outcome="ok") == 1
    assert grew(before, after, "checkin_requests_total", surface="teams", kind="message", outcome="refused") == 1
    assert grew(before, after, "checkin_request_ack_seconds_count", surface="teams", kind="message") == 2
