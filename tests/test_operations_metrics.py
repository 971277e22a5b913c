"""GET /metrics in Prometheus' format: requests and their ack time, deliveries, 429s, job runs, pending work."""

import urllib.request

from prometheus_client.parser import text_string_to_metric_families
from sqlmodel import select

from bot import metrics
from bot.slack_client import make_web_client
from scheduler import JobContext, find_job
from scheduler.runner import run_job
from storage import deliveries
from storage.db import make_engine, ping
from storage.models import Person
from tests.builders import load_org
from tests.conftest import BOT_TOKEN
from tests.test_health import UNREACHABLE


def scrape(url: str) -> dict[tuple[str, frozenset], float]:
    """Every sample of /metrics, keyed by name and labels."""
    with urllib.request.urlopen(f"{url}/metrics", timeout=10) as response:
        assert response.headers["content-type"].startswith("text/plain; version=")
        text = response.read().decode()
    return {(sample.name, frozenset(sample.labels.items())): sample.value
            for family in text_string_to_metric_families(text) for sample in family.samples}


def value(samples: dict, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def grew(before: dict, after: dict, name: str, **labels: str) -> float:
    return value(after, name, **labels) - value(before, name, **labels)


def test_metrics_count_a_sent_delivery_a_429_and_the_job_run(bot_server, sessions, clock, emulator, waits):
    load_org(sessions, now=clock.now(), emulator=emulator)
    emulator.fail_next("chat.postMessage", status=429, retry_after=2)
    client = make_web_client(token=BOT_TOKEN, base_url=emulator.api_url, sleep=waits.append)
    before = scrape(bot_server.url)

    report = run_job(find_job("checkin-reminders"), JobContext(sessions=sessions, client=client, now=clock.now(),
                                                                forced=True))

    after = scrape(bot_server.url)
    assert report.sent >= 1 and waits == [2.0]
    sent = dict(job="checkin-reminders", surface="slack", outcome="sent")
    assert grew(before, after, "checkin_deliveries_total", **sent) == report.sent
    assert grew(before, after, "checkin_rate_limited_total", surface="slack", method="chat.postMessage") == 1
    assert grew(before, after, "checkin_job_runs_total", job="checkin-reminders", outcome="ok") == 1
    assert grew(before, after, "checkin_job_run_seconds_count", job="checkin-reminders") == 1


def test_no_metric_label_names_a_person_or_a_team(bot_server, sessions, clock, emulator, waits):
    load_org(sessions, now=clock.now(), emulator=emulator)
    client = make_web_client(token=BOT_TOKEN, base_url=emulator.api_url, sleep=waits.append)
    run_job(find_job("checkin-reminders"), JobContext(sessions=sessions, client=client, now=clock.now(), forced=True))
    with sessions() as session:
        people = {value for person in session.exec(select(Person)) for value in (person.slack_id, person.name)}
    labels = {label for (name, pairs) in scrape(bot_server.url) if name.startswith("checkin_")
              for _key, label in pairs}
    assert labels and not labels & (people | {"Platform", "People"})


def test_slack_requests_are_counted_by_kind_and_outcome_with_their_ack_time(slack, bot_server):
    before = scrape(bot_server.url)
    assert slack.slash_command("UEMP1", "/goal", "help").status == 200
    assert slack.send_raw(b"command=%2Fgoal", "application/x-www-form-urlencoded", drop_signature=True).status == 401
    after = scrape(bot_server.url)
    assert grew(before, after, "checkin_requests_total", surface="slack", kind="command", outcome="ok") == 1
    assert grew(before, after, "checkin_requests_total", surface="slack", kind="command", outcome="refused") == 1
    assert grew(before, after, "checkin_request_ack_seconds_count", surface="slack", kind="command") == 2
    assert grew(before, after, "checkin_request_ack_seconds_bucket", surface="slack", kind="command", le="3.0") == 2


def test_the_kind_of_a_request_the_route_read_is_the_one_counted(slack, bot_server):
    """The route names the kind from the body it parsed for Bolt (bot.metrics.note_slack_kind): no second parse."""
    before = scrape(bot_server.url)
    assert slack.event("UEMP1", {"type": "app_home_opened", "tab": "home", "channel": "DUEMP1"}).status == 200
    assert slack.block_action("UEMP1", "home_page-mine", '{"mine": 2}').status == 200
    view = {"id": "V1", "type": "modal", "callback_id": "nothing_we_know", "private_metadata": "", "blocks": []}
    assert slack.view_submission("UEMP1", view, {}).status == 200
    after = scrape(bot_server.url)
    for kind in ("event", "action", "view_submission"):
        assert grew(before, after, "checkin_requests_total", surface="slack", kind=kind, outcome="ok") == 1, kind


def test_slack_and_teams_request_kinds_are_read_from_their_bodies():
    assert metrics.slack_kind(b"command=%2Fgoal&text=help", "application/x-www-form-urlencoded") == "command"
    assert metrics.slack_kind(b'payload=%7B%22type%22%3A%22view_submission%22%7D',
                              "application/x-www-form-urlencoded") == "view_submission"
    assert metrics.slack_kind(b'{"type": "event_callback", "event": {}}', "application/json") == "event"
    assert metrics.slack_kind(b'{"type": "U0SOMEONE"}', "application/json") == "other"  # never a free-form label
    assert metrics.slack_kind(b"\xff\xfe", "application/json") == "other"
    assert metrics.teams_kind(b'{"type": "invoke", "name": "adaptiveCard/action"}') == "invoke"
    assert metrics.teams_kind(b'{"type": "somethingNew"}') == "other"
    assert metrics.teams_kind(b"[]") == "other"


def test_pending_deliveries_are_read_at_scrape_time_and_at_most_every_15_seconds(sessions, engine, clock):
    load_org(sessions, now=clock.now())
    with sessions() as session:
        first, second = [person.id for person in session.exec(select(Person).limit(2))]
        deliveries.schedule(session, job="checkin-reminders", person_id=first, period="2026-W48", at=clock.now(),
                            now=clock.now())
    seconds = [1000.0]
    pending = metrics.PendingDeliveries(engine, monotonic=lambda: seconds[0])

    def gauge() -> dict[tuple[str, str], float]:
        return {(s.labels["job"], s.labels["status"]): s.value for family in pending.collect() for s in family.samples}

    assert gauge() == {("checkin-reminders", "scheduled"): 1}
    with sessions() as session:
        deliveries.schedule(session, job="checkin-reminders", person_id=second, period="2026-W48", at=clock.now(),
                            now=clock.now())
    seconds[0] += 14
    assert gauge() == {("checkin-reminders", "scheduled"): 1}  # cached
    seconds[0] += 1
    assert gauge() == {("checkin-reminders", "scheduled"): 2}


def test_pending_deliveries_appear_on_the_metrics_page(bot_server, sessions, clock):
    load_org(sessions, now=clock.now())
    with sessions() as session:
        person = session.exec(select(Person)).first()
        deliveries.schedule(session, job="review-reminders", person_id=person.id, period="p", at=clock.now(),
                            now=clock.now())
    samples = scrape(bot_server.url)
    assert value(samples, "checkin_deliveries_pending", job="review-reminders", status="scheduled") == 1


def test_database_errors_are_counted_connection_failures_included(db_kind):
    engine = make_engine(UNREACHABLE[db_kind])
    metrics.watch_engine(engine)
    metrics.watch_engine(engine)  # watched twice, still counted once
    before = metrics.DATABASE_ERRORS.labels("OperationalError")._value.get()
    assert not ping(engine)
    assert metrics.DATABASE_ERRORS.labels("OperationalError")._value.get() - before == 1
