"""The `checkin-bot` command line."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from sqlalchemy.exc import SQLAlchemyError

from bot import logs
from bot.clock import Clock, SystemClock
from bot.deps import Deps
from bot.errors import CommandError
from bot.settings import Settings, SettingsError
from bot.teams_package import DEFAULT_PACKAGE
from storage.db import DatabaseNotMigrated, make_engine, require_migrated, upgrade
from storage.org import OrgImportError
from storage.plans import PlanLoadError

if TYPE_CHECKING:
    from bot.teams import TeamsOverrides


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="checkin-bot", description="Weekly goals and check-ins in Slack.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = commands.add_parser("serve", help="serve the Slack app and run the scheduler")
    serve.add_argument("--host", default="0.0.0.0")
    serve.add_argument("--port", type=int, default=3000)
    serve.add_argument("--upgrade", action="store_true",
                       help="apply database migrations before serving (as CHECKIN_UPGRADE_ON_START=1 does)")

    commands.add_parser("dev", help="try the bot locally against the built-in Slack emulator")
    playground = commands.add_parser("playground", help="the same try-out in the browser, on loopback")
    playground.add_argument("--port", type=int, default=8000, help="0 picks a free port (printed)")
    commands.add_parser("screenshots", help="picture the playground's main moments as PNGs (needs chromium)") \
        .add_argument("directory", type=Path)

    org = commands.add_parser("org", help="the org directory").add_subparsers(dest="org_command", required=True)
    org_import = org.add_parser("import", help="create or update people from an org CSV (all rows or none)")
    org_import.add_argument("file", type=Path)
    org_import.add_argument("--dry-run", action="store_true", help="show what would change, write nothing")
    org.add_parser("sync", help="refresh names, e-mails, time zones and locales from Slack")
    cadence = org.add_parser("cadence", help="set how often a team checks in")
    cadence.add_argument("team")
    cadence.add_argument("cadence", choices=["weekly", "fortnightly"])

    jobs = commands.add_parser("jobs", help="scheduled jobs").add_subparsers(dest="jobs_command", required=True)
    jobs_list = jobs.add_parser("list", help="the scheduled jobs, their next run and the last 7 days' deliveries")
    jobs_list.add_argument("--at", type=_aware_datetime,
                           help="as of this ISO-8601 moment instead of now (next run and the 7 days before it)")
    jobs_run = jobs.add_parser("run", help="run one job now, exactly as the scheduler would")
    jobs_run.add_argument("name")
    jobs_run.add_argument("--at", type=_aware_datetime, help="run as of this ISO-8601 moment")

    db = commands.add_parser("db", help="the database").add_subparsers(dest="db_command", required=True)
    db.add_parser("upgrade", help="apply database migrations")

    export = commands.add_parser("export", help="HR exports to standard output")
    export.add_argument("what", choices=["goals", "checkins", "reviews"])
    export.add_argument("--format", choices=["csv", "json"], default="csv")
    export.add_argument("--since")
    export.add_argument("--team")

    people = commands.add_parser("people", help="people's data").add_subparsers(dest="people_command", required=True)
    people.add_parser("erase", help="remove a person's personal text").add_argument("slack_id")

    plans = commands.add_parser("plans", help="performance plans").add_subparsers(dest="plans_command", required=True)
    plans.add_parser("load", help="create or update performance plans from YAML").add_argument("file", type=Path)

    cycles = commands.add_parser("cycles", help="review cycles").add_subparsers(dest="cycles_command", required=True)
    cycles_open = cycles.add_parser("open", help="open a review cycle")
    cycles_open.add_argument("name")
    for option in ("--from", "--to", "--self-due", "--peer-due", "--manager-due"):
        cycles_open.add_argument(option, required=True)
    cycles_open.add_argument("--team")
    cycles_open.add_argument("--peer-threshold", help="peers who must answer before a person reads their comments "
                                                      "(1-10, default 3)")
    cycles.add_parser("list", help="cycles with their state and progress")
    cycles.add_parser("release", help="release a cycle's results").add_argument("name")

    questions = commands.add_parser("questions", help="a team's or plan's own check-in questions") \
        .add_subparsers(dest="questions_command", required=True)
    for name, words in (("set", "replace the list with a file's (one `id | type | every | English | 中文` a line)"),
                        ("show", "print the list as it can be edited and set again"),
                        ("clear", "ask no more questions (answers given stay)")):
        sub = questions.add_parser(name, help=words)
        scope = sub.add_mutually_exclusive_group(required=True)
        scope.add_argument("--team", metavar="NAME")
        scope.add_argument("--plan", metavar="NAME")
        if name == "set":
            sub.add_argument("file", type=Path)

    teams = commands.add_parser("teams", help="Microsoft Teams").add_subparsers(dest="teams_command", required=True)
    teams_package = teams.add_parser("package", help="write the Teams app package (a zip to upload to Teams)")
    teams_package.add_argument("--out", type=Path, default=Path(DEFAULT_PACKAGE), metavar="FILE.zip")
    teams_package.add_argument("--host", metavar="HOSTNAME",
                               help="the public host name in the messaging endpoint https://HOSTNAME/api/messages")
    ai = commands.add_parser("ai", help="the writing assistant").add_subparsers(dest="ai_command", required=True)
    ai.add_parser("log", help="the assistant's model calls and today's tokens against the budget (HR)") \
        .add_argument("--since", help="calls from this date on (2026-01-31)")
    return parser


def _aware_datetime(value: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{value!r} is not an ISO-8601 date and time") from exc
    if moment.tzinfo is None:
        raise argparse.ArgumentTypeError(f"{value!r} needs a UTC offset, e.g. 2026-11-27T15:00:00+08:00")
    return moment


def main(
    argv: Sequence[str] | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
    clock: Clock | None = None,
    teams: TeamsOverrides | None = None,
) -> int:
    """Run one command; return the exit status. `clock` defaults to the wall clock (tests pass their own).

    `teams` points the commands' Teams sends at an emulator instead of Microsoft's cloud (tests).
    """
    if stdout is None:
        sys.stdout.reconfigure(encoding="utf-8")  # exports carry Chinese text whatever the terminal's locale
        stdout = sys.stdout
    stderr = stderr or sys.stderr
    args = build_parser().parse_args(argv)
    try:
        settings = Settings.from_env(os.environ if environ is None else environ, dotenv_path=Path(".env"))
        return _dispatch(args, settings, stdout, clock or SystemClock(), teams) or 0
    except PlanLoadError as exc:
        print(f"checkin-bot: {len(exc.errors)} problem(s) in the plans file, nothing loaded", file=stderr)
        for error in exc.errors:
            print(f"  {error}", file=stderr)
        return 1
    except OrgImportError as exc:
        print(f"checkin-bot: {len(exc.errors)} bad row(s), nothing imported", file=stderr)
        for error in exc.errors:
            print(f"  {error}", file=stderr)
        return 1
    except (CommandError, SettingsError, DatabaseNotMigrated) as exc:
        print(f"checkin-bot: {exc}", file=stderr)
        return 1


def migrate(settings: Settings) -> None:
    """Apply migrations; on PostgreSQL one process at a time (storage.db.upgrade), so replicas may all ask."""
    engine = make_engine(settings.database_url)
    try:
        upgrade(engine)
    except SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", None) or type(exc).__name__).strip().splitlines()[0][:200]
        secrets = logs.Redactor([*settings.secret_values, *logs.password_of(settings.database_url)])
        raise CommandError(f"cannot migrate the database: {secrets.redact(reason)}") from None
    finally:
        engine.dispose()
    logging.getLogger(__name__).info("the database schema is up to date")


def _dispatch(args: argparse.Namespace, settings: Settings, stdout: TextIO, clock: Clock,
              teams: TeamsOverrides | None = None) -> int | None:
    from bot import commands  # the commands pull in Bolt and uvicorn; keep `--help` fast

    if args.command == "dev":
        from bot.dev import run_dev

        return run_dev(stdout=stdout, clock=clock)
    if args.command in ("playground", "screenshots"):
        from bot import playground

        if args.command == "screenshots":
            return playground.run_screenshots(args.directory, stdout=stdout, today=clock.now())
        return playground.run_playground(port=args.port, stdout=stdout, today=clock.now())
    if args.command == "serve":
        logs.configure_from(settings)
        if args.upgrade or settings.upgrade_on_start:
            migrate(settings)
        return commands.serve(settings, host=args.host, port=args.port)
    if args.command == "teams" and args.teams_command == "package":  # needs no database
        return commands.teams_package(settings, path=args.out, host=args.host, out=stdout)
    if args.command == "db":
        logs.configure_from(settings)  # alembic names each migration it applies
        migrate(settings)
        print("database is up to date", file=stdout)
        return 0
    deps = Deps.from_settings(settings, clock=clock)
    require_migrated(deps.engine)
    if args.command == "org" and args.org_command == "import":
        return commands.org_import(deps, args.file, dry_run=args.dry_run, out=stdout)
    if args.command == "org" and args.org_command == "sync":
        return commands.org_sync(deps, out=stdout)
    if args.command == "org" and args.org_command == "cadence":
        return commands.org_cadence(deps, args.team, args.cadence, out=stdout)
    if args.command == "jobs" and args.jobs_command == "list":
        return commands.jobs_list(deps, at=args.at, out=stdout)
    if args.command == "jobs" and args.jobs_command == "run":
        return commands.jobs_run(deps, args.name, at=args.at, out=stdout, teams=teams)
    if args.command == "export":
        return commands.export(deps, args.what, fmt=args.format, since=args.since, team=args.team, out=stdout)
    if args.command == "people" and args.people_command == "erase":
        return commands.erase(deps, args.slack_id, out=stdout)
    if args.command == "plans" and args.plans_command == "load":
        return commands.plans_load(deps, args.file, out=stdout)
    if args.command == "cycles" and args.cycles_command == "open":
        return commands.cycles_open(deps, args, out=stdout)
    if args.command == "cycles" and args.cycles_command == "list":
        return commands.cycles_list(deps, out=stdout)
    if args.command == "cycles" and args.cycles_command == "release":
        return commands.cycles_release(deps, args.name, out=stdout, teams=teams)
    if args.command == "questions":
        return questions_command(deps, args, out=stdout)
    if args.command == "ai" and args.ai_command == "log":
        from bot.ai_client import ai_log

        return ai_log(deps, since=args.since, out=stdout)
    raise CommandError(f"`{args.command} {args.cycles_command if args.command == 'cycles' else ''}` is not "
                       "available yet: it arrives with the review cycles feature")


def questions_command(deps: Deps, args: argparse.Namespace, *, out: TextIO) -> int:
    """`questions set|show|clear --team NAME|--plan NAME [FILE]`, as HR (the audit trail names no person)."""
    from prompts.question_blocks import error_lines
    from storage import questions

    text = ""
    if args.questions_command == "set":
        try:
            text = args.file.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"cannot read {args.file}: {exc.strerror if isinstance(exc, OSError) else exc}") \
                from None
    with deps.sessions() as session:
        try:
            scope = questions.scope_named(session, team=args.team, plan=args.plan)
        except questions.QuestionScopeError as exc:
            raise CommandError(str(exc)) from None
        if args.questions_command == "show":
            row = questions.list_of(session, scope)
            print(row.source if row is not None else f"# no questions for the {scope.kind} {scope.name}", file=out)
            return 0
        try:
            if args.questions_command == "set" and not questions.parse(text):
                raise CommandError(f"{args.file} has no questions: use `questions clear` to ask none")
            saved = questions.save(session, scope, text, actor=None, now=deps.clock.now())
        except questions.QuestionListError as exc:
            raise CommandError(f"{len(exc.errors)} problem(s) in {args.file}, nothing saved\n"
                               + "\n".join(f"  {line}" for line in error_lines(exc.errors, "en").splitlines())) \
                from None
        session.commit()
    print(f"{scope.kind} {scope.name}: {len(saved)} question(s)", file=out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
