"""Send a job's due deliveries: claimed in batches any replica may share, sent by a small pool of threads.

A job first plans who is due (storage.deliveries.plan, one set-based write), then hands `send_due` a function
that sends one claimed row. Rows this run does not act on (quiet hours, not reachable yet, a stop) are given back
due, so the next tick or another replica takes them.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor

from scheduler.context import JobContext, JobReport
from storage import deliveries, teams_links
from storage.models import Delivery, Person

log = logging.getLogger(__name__)

BATCH_PER_THREAD = 4  # claims per thread per round: few enough that a dead worker strands little
GIVEN_BACK = frozenset({"held", "unreachable", "stopped"})

# Sends one row; `claim` is None for a row left claimed by a dead worker, which the sender claims itself.
SendOne = Callable[[Delivery, deliveries.Claim | None], str]


def plan(ctx: JobContext, job: str, due: Iterable[tuple[Person, str]], report: JobReport) -> None:
    """Queue a send for each (person, period) due, in one set-based write.

    People only on Teams whom the bot cannot reach yet are not queued but counted as unreachable: they wait,
    unclaimed, and are planned the tick after the app is installed for them.
    """
    due = list(due)
    with ctx.sessions() as session:
        unreachable = {person.id for person in teams_links.unreachable(session)} if due else set()
        keys = [(person.id, period) for person, period in due if person.id not in unreachable]
        deliveries.plan(session, job=job, keys=keys, now=ctx.now)
    report.unreachable += len(due) - len(keys)


def send_due(ctx: JobContext, job: str, send_one: SendOne, report: JobReport) -> None:
    """Send the job's due rows and recover dead workers' claims, until none is left, the run's share is spent
    (config.max_per_run) or a stop is asked."""
    threads = max(1, ctx.config.delivery_threads)
    budget = ctx.config.max_per_run
    with ctx.sessions() as session:
        stale = deliveries.stale_claims(session, job=job, now=ctx.now)
    for delivery in stale:
        report.count("stopped" if ctx.stopping else send_one(delivery, None))
    after_id = 0
    pool = ThreadPoolExecutor(threads, thread_name_prefix=f"send-{job}") if threads > 1 else None
    in_flight: deque[list[Future[str]]] = deque()
    try:
        while not ctx.stopping and (budget is None or budget > 0):
            size = threads * BATCH_PER_THREAD if budget is None else min(threads * BATCH_PER_THREAD, budget)
            with ctx.sessions() as session:
                claims = deliveries.claim_due(session, job=job, now=ctx.now, worker=ctx.worker, limit=size,
                                              after_id=after_id)
            if not claims:
                break
            _share_allowance(ctx)
            after_id = claims[-1].delivery.id
            if budget is not None:
                budget -= len(claims)
            if pool is None:
                for claim in claims:
                    report.count(send_claimed(ctx, claim, send_one))
                continue
            # Two batches in flight, so the threads never idle while the next batch is being claimed.
            in_flight.append([pool.submit(send_claimed, ctx, claim, send_one) for claim in claims])
            if len(in_flight) > 1:
                _collect(in_flight.popleft(), report)
    finally:
        while in_flight:
            _collect(in_flight.popleft(), report)
        if pool is not None:
            pool.shutdown(wait=True)
    if ctx.stopping:
        log.info("%s stopped between messages; what is left stays due for the next start", job)


def _share_allowance(ctx: JobContext) -> None:
    """Pace this replica at its share of Slack's allowance: one indexed count after each claim (ours included)."""
    if ctx.pacer is None:
        return
    with ctx.sessions() as session:
        ctx.pacer.share(deliveries.senders(session, now=ctx.now))


def _collect(batch: list[Future[str]], report: JobReport) -> None:
    for future in batch:
        report.count(future.result())


def send_claimed(ctx: JobContext, claim: deliveries.Claim, send_one: SendOne) -> str:
    """Send one claimed row, or give it back when stopping or when the job did not act on it."""
    delivery = claim.delivery
    outcome = "stopped" if ctx.stopping else _guarded(ctx, delivery, claim, send_one)
    if outcome in GIVEN_BACK:
        with ctx.sessions() as session:
            deliveries.release(session, delivery.id, now=ctx.now)
    elif outcome == "skipped":
        with ctx.sessions() as session:
            deliveries.skip_if_claimed(session, delivery.id, reason="no longer needed")
    return outcome


def _guarded(ctx: JobContext, delivery: Delivery, claim: deliveries.Claim, send_one: SendOne) -> str:
    """Send one row; an unexpected error gives the row back instead of stranding it until its lease ends."""
    try:
        return send_one(delivery, claim)
    except Exception:
        log.exception("delivery %s could not be sent this run; it stays due", delivery.id)
        return "held"
