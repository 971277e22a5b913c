"""What each operator command does, once settings and the database are in hand."""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

import uvicorn
from slack_sdk.errors import SlackApiError

from bot.app import build_bolt_app, slack_web_client
from bot.deps import Deps, job_config
from bot.errors import CommandError
from bot.server import build_asgi
from bot.settings import Settings
from scheduler import JOBS, JobContext, build_scheduler, find_job
from scheduler import results as result_delivery
from storage import cycles, deliveries, exports, org, plans, privacy, teams_links
from storage.db import require_migrated

if TYPE_CHECKING:
    from bot.teams import TeamsOverrides
    from scheduler.context import TeamsSender

log = logging.getLogger(__name__)


def serve(settings: Settings, *, host: str, port: int) -> int:
    """Serve Slack (HTTP or Socket Mode) and /healthz, and tick the scheduler, until SIGTERM."""
    settings.require_serving_credentials()
    deps = Deps.from_settings(settings)
    require_migrated(deps.engine)
    client = slack_web_client(deps)
    try:
        identity = client.auth_test()
    except SlackApiError as exc:
        raise CommandError(f"Slack refused SLACK_BOT_TOKEN: {exc.response.get('error')}") from exc
    log.info("connected to Slack workspace %s as %s", identity.get("team"), identity.get("user"))

    bolt_app = build_bolt_app(deps, client=client)
    socket_mode = None
    if settings.socket_mode:
        from slack_bolt.adapter.socket_mode import SocketModeHandler

        socket_mode = SocketModeHandler(bolt_app, settings.slack_app_token)

    def start() -> None:
        scheduler.start()
        if socket_mode:
            socket_mode.connect()
        log.info("serving on %s:%s (%s)", host, port, "Socket Mode" if socket_mode else "HTTP")

    def stop() -> None:
        if socket_mode:
            socket_mode.close()
        stopping.set()  # fan-outs end between two messages; what is left stays due for the next start
        scheduler.shutdown(wait=True)
        log.info("stopped cleanly")

    asgi = build_asgi(deps, None if socket_mode else bolt_app, on_startup=start, on_shutdown=stop)
    # Built after the web app: jobs reach Teams people through the Teams app it mounts (when Teams is on).
    stopping = threading.Event()
    scheduler = build_scheduler(sessions=deps.sessions, client=client, clock_now=deps.clock.now,
                                config=job_config(settings), teams=getattr(asgi.state, "teams_sender", None),
                                stop=stopping, posts_per_second=settings.slack_posts_per_second)
    asgi.state.readiness.watch(scheduler=scheduler, socket_mode=socket_mode)  # /readyz requires both alive
    # log_config=None: our logging (bot.logs), not uvicorn's; bot.metrics logs each Slack and Teams request.
    uvicorn.run(asgi, host=host, port=port, log_level="info", log_config=None, access_log=False)  # SIGTERM: graceful
    return 0


def org_import(deps: Deps, path: Path, *, dry_run: bool, out: TextIO) -> int:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise CommandError(f"cannot read {path}: {exc.strerror}") from exc
    except UnicodeDecodeError as exc:
        raise CommandError(f"{path} is not UTF-8 text") from exc
    with deps.sessions() as session:
        plan = org.import_org_csv(session, text, now=deps.clock.now(), dry_run=dry_run)
    for line in plan.summary_lines():
        print(line, file=out)
    print("dry run: nothing was written" if dry_run else "imported", file=out)
    return 0


def org_sync(deps: Deps, *, out: TextIO) -> int:
    if not deps.settings.slack_bot_token:
        raise CommandError("SLACK_BOT_TOKEN is not set; org sync reads Slack's users.list")
    client = slack_web_client(deps)
    try:
        entries = [entry for page in client.users_list(limit=200) for entry in _directory_entries(page)]
    except SlackApiError as exc:
        raise CommandError(f"users.list failed: {exc.response.get('error')}") from exc
    with deps.sessions() as session:
        result = org.sync_directory(session, entries, now=deps.clock.now())
    print(f"updated {len(result.updated)} people; {len(result.unknown)} Slack users are not in the org", file=out)
    for slack_id, changes in result.updated:
        print(f"~ {slack_id} {', '.join(sorted(changes))}", file=out)
    return 0


def _directory_entries(page) -> list[org.DirectoryEntry]:
    return [
        org.DirectoryEntry(
            slack_id=user["id"],
            name=user.get("real_name") or user.get("profile", {}).get("real_name") or user.get("name"),
            email=user.get("profile", {}).get("email"),
            timezone=user.get("tz"),
            locale=user.get("locale"),
        )
        for user in page.get("members", [])
        if not user.get("deleted") and not user.get("is_bot") and user.get("id") != "USLACKBOT"
    ]


def org_cadence(deps: Deps, team: str, cadence: str, *, out: TextIO) -> int:
    try:
        with deps.sessions() as session:
            org.set_team_cadence(session, team, cadence, now=deps.clock.now())
    except LookupError as exc:
        raise CommandError(str(exc.args[0])) from exc
    print(f"{team} checks in {cadence}", file=out)
    return 0


UNREACHABLE_SHOWN = 20


def jobs_list(deps: Deps, *, at: datetime | None = None, out: TextIO) -> int:
    """Print each job, its next run, and what it delivered in the 7 days before now (or `at`)."""
    now = at or deps.clock.now()
    config = job_config(deps.settings)
    for job in JOBS:
        print(f"{job.name}: {job.description}", file=out)
        if not job.available:
            print(f"  not available yet: arrives with {job.arrives_with}", file=out)
            continue
        next_run = job.next_run(deps.sessions, now, config) if job.next_run else None
        print(f"  next run: {next_run:%Y-%m-%d %H:%M} UTC" if next_run else "  next run: nobody is due", file=out)
        with deps.sessions() as session:
            counts = deliveries.summary(session, job=job.name, since=now - timedelta(days=7))
            failed = deliveries.failures(session, job=job.name, limit=5)
        shown = ", ".join(f"{status} {n}" for status, n in counts.items() if n) or "nothing"
        print(f"  last 7 days: {shown}", file=out)
        for delivery in failed:
            print(f"  failed: person {delivery.person_id}, {delivery.period}: {delivery.last_error}", file=out)
    with deps.sessions() as session:
        waiting = teams_links.unreachable(session)
    if waiting:  # never silently skipped: their messages wait until the app is installed for them
        names = ", ".join(person.name for person in waiting[:UNREACHABLE_SHOWN])
        more = f" and {len(waiting) - UNREACHABLE_SHOWN} more" if len(waiting) > UNREACHABLE_SHOWN else ""
        print(f"not reachable in Teams yet (the app is not installed for them): {len(waiting)}: {names}{more}",
              file=out)
    return 0


def jobs_run(deps: Deps, name: str, *, at: datetime | None, out: TextIO,
             teams: TeamsOverrides | None = None) -> int:
    job = find_job(name)
    if job is None:
        raise CommandError(f"unknown job {name!r}; jobs are: {', '.join(j.name for j in JOBS)}")
    if not job.available:
        raise CommandError(f"{name} is not available yet: it arrives with {job.arrives_with}")
    with teams_sender(deps.settings, teams) as sender:
        context = JobContext(sessions=deps.sessions, client=slack_web_client(deps), now=at or deps.clock.now(),
                             config=job_config(deps.settings), forced=True, worker=f"cli:{os.getpid()}",
                             teams=sender)
        report = job.run(context)
    print(f"{name}: {report.summary()}", file=out)
    return 0


@contextmanager
def teams_sender(settings: Settings, overrides: TeamsOverrides | None = None) -> Iterator[TeamsSender | None]:
    """Yield what reaches Teams people from a command, or None when Teams is off.

    No server is needed: the outgoing Bot Connector call is all a send takes. `overrides` point it at an
    emulator (tests). With None, Teams people wait, listed by `jobs list` as unreachable.
    """
    if overrides is None and not settings.teams_enabled:
        yield None
        return
    from bot.teams.outgoing import OutgoingTeams  # the Teams SDK loads only when Teams is on

    with OutgoingTeams(settings, overrides) as sender:
        yield sender


def export(deps: Deps, kind: str, *, fmt: str, since: str | None, team: str | None, out: TextIO) -> int:
    """Stream an HR export to `out`, UTF-8 with a header row."""
    try:
        since_date = date.fromisoformat(since) if since else None
    except ValueError as exc:
        raise CommandError(f"--since {since!r} is not a date like 2026-01-31") from exc
    try:
        with deps.sessions() as session:
            exports.write_export(session, kind, out, fmt=fmt, since=since_date, team=team)
    except LookupError as exc:
        raise CommandError(str(exc.args[0])) from exc
    out.flush()
    return 0


def erase(deps: Deps, slack_id: str, *, out: TextIO) -> int:
    """Remove a person's personal text and pseudonymise their records."""
    try:
        with deps.sessions() as session:
            report = privacy.erase(session, slack_id, now=deps.clock.now())
    except LookupError as exc:
        raise CommandError(f"nobody with Slack id {slack_id!r}") from exc
    touched = ", ".join(f"{table} {count}" for table, count in sorted(report.counts.items()) if count) or "nothing"
    print(f"erased {slack_id}: now {report.pseudonym}; rows changed: {touched}", file=out)
    return 0


def plans_load(deps: Deps, path: Path, *, out: TextIO) -> int:
    """Create or update performance plans from a YAML file; all plans or none."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise CommandError(f"cannot read {path}: {exc.strerror}") from exc
    with deps.sessions() as session:
        created, updated = plans.load_plans(session, text, now=deps.clock.now())
    for name in created:
        print(f"+ {name}", file=out)
    for name in updated:
        print(f"~ {name}", file=out)
    print(f"loaded {len(created) + len(updated)} plan(s)", file=out)
    return 0


def cycles_open(deps: Deps, args, *, out: TextIO) -> int:
    """Open a review cycle: everyone in scope owes a self-review, their managers a manager review."""
    try:
        with deps.sessions() as session:
            cycle = cycles.open_cycle(
                session, name=args.name, period_start=getattr(args, "from"), period_end=args.to,
                self_due=args.self_due, peer_due=args.peer_due, manager_due=args.manager_due, team=args.team,
                now=deps.clock.now(), peer_threshold=getattr(args, "peer_threshold", None))
            summary = next(row for row in cycles.summaries(session, now=deps.clock.now()) if row.cycle.id == cycle.id)
    except cycles.CycleError as exc:
        raise CommandError(str(exc)) from exc
    print(f"opened {cycle.name}: {summary.due + summary.overdue} reviews requested", file=out)
    return 0


def cycles_list(deps: Deps, *, out: TextIO) -> int:
    with deps.sessions() as session:
        rows = cycles.summaries(session, now=deps.clock.now())
    if not rows:
        print("no review cycles yet", file=out)
    for row in rows:
        cycle = row.cycle
        print(f"{cycle.name}: {cycle.state}, {cycle.period_start} to {cycle.period_end}; "
              f"done {row.done}, due {row.due}, overdue {row.overdue}", file=out)
    return 0


def cycles_release(deps: Deps, name: str, *, out: TextIO, teams: TeamsOverrides | None = None) -> int:
    """Release a cycle: each employee gets their result, its label and its rewards in their language, once."""
    try:
        with deps.sessions() as session:
            results = cycles.release(session, name, now=deps.clock.now())
    except cycles.CycleError as exc:
        raise CommandError(str(exc)) from exc
    with teams_sender(deps.settings, teams) as sender:
        context = JobContext(sessions=deps.sessions, client=slack_web_client(deps), now=deps.clock.now(),
                             config=job_config(deps.settings), forced=True, worker=f"cli:{os.getpid()}",
                             teams=sender)
        outcomes = [result_delivery.send_result(context, review) for review in results]
    print(f"released {name}: {outcomes.count('sent')} result(s) sent, {len(outcomes) - outcomes.count('sent')} "
          "not sent (see `checkin-bot jobs list`)", file=out)
    return 0


def teams_package(settings: Settings, *, path: Path, host: str | None, out: TextIO) -> int:
    """Write the Teams app package (manifest.json, icons, zh-CN strings) for an admin to upload to Teams."""
    from bot import teams_package as package

    if not settings.teams_client_id:
        raise CommandError("TEAMS_CLIENT_ID is not set: the package names the bot by its Entra ID app (client) id")
    if not host:
        raise CommandError("--host is needed: the public host name of the bot's messaging endpoint "
                           "https://HOST/api/messages")
    try:
        written = package.write_package(path, client_id=settings.teams_client_id, host=host)
    except package.PackageError as exc:
        raise CommandError(str(exc)) from exc
    print(f"wrote {written}: upload it in Teams (Apps > Manage your apps > Upload an app) "
          "or in the Teams admin center", file=out)
    return 0
