"""Send one scheduled message (or file) exactly once: claim its delivery key, send, record the outcome.

A post whose answer is lost (a 5xx, a timeout, a dropped connection) may have landed. It is never simply posted
again: the conversation's history is searched for its key first, at once and whenever its retry comes up.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from urllib.error import URLError

import httpx
from slack_sdk.errors import SlackApiError

from prompts import adaptive
from scheduler import observe
from scheduler.context import JobContext
from storage import deliveries, surfaces
from storage.models import Person

log = logging.getLogger(__name__)

METADATA_EVENT = "checkin_bot_delivery"
RECENT_MESSAGES = 50
# Slack errors that no retry can fix: the person or their DM is gone, or the app lost access.
PERMANENT_ERRORS = {"user_not_found", "channel_not_found", "account_inactive", "user_disabled", "not_in_channel",
                    "is_archived", "invalid_blocks", "msg_too_long", "no_text", "cannot_dm_bot"}

# Bot Connector answers no retry can fix: the bot was removed, or the conversation or person is gone.
TEAMS_PERMANENT_STATUSES = {400, 401, 403, 404}
UNREACHABLE = "unreachable"

# Slack's ok:false errors that, in its own words, may come after "some aspect of the operation succeeded".
MAYBE_PERFORMED_ERRORS = {"fatal_error", "internal_error"}

Sent = tuple[str, str]  # (channel, message ts or file id)
# Finds what an earlier attempt posted, given the ref of a message already recorded for this key (a snooze's
# earlier send), which does not count; None when there is nothing to find or no way to look.
Recover = Callable[[str | None], Sent | None]


def deliver(ctx: JobContext, *, job: str, person: Person, period: str, message: Callable[[], dict],
            still_wanted: Callable[[], bool] = lambda: True, channel: str | None = None,
            claim: deliveries.Claim | None = None, surface: str | None = None) -> str:
    """Post `message()` once per (job, person, period); return sent, busy, skipped, unreachable, retry or failed.

    The message goes where the person is (storage.surfaces: a Slack DM, or their Teams 1:1 chat as a card), or
    to a Slack `channel` (a channel post recorded against the person), or on the given `surface` (an answer to
    someone on the surface they acted from). The delivery key is the same whichever
    surface carries it, so someone on both gets it once. The key travels in the message's metadata, so a post
    whose outcome is unknown is looked for in the Slack history before it is ever posted again; Teams offers
    bots no such lookup. A `claim` already won (storage.deliveries.claim_due) is used instead of claiming the key.
    During a shutdown it returns "stopped" at once, claiming nothing, so the message stays due.
    """
    if ctx.stopping:
        return "stopped"  # shutting down: between two messages, nothing claimed, so it stays due
    key = f"{job}:{person.id}:{period}"
    if channel is None:
        with ctx.sessions() as session:
            where = surfaces.route(session, person) if surface is None else surfaces.on(session, person, surface)
        if where.surface == surfaces.TEAMS:
            done = _deliver_to_teams(ctx, job=job, person=person, period=period, where=where, message=message,
                                     still_wanted=still_wanted, claim=claim)
            return observe.delivery(job, "teams", done)
    target = channel or person.slack_id

    def send() -> Sent:
        response = ctx.client.chat_postMessage(
            channel=target, metadata={"event_type": METADATA_EVENT, "event_payload": {"key": key}}, **message())
        return response["channel"], response["ts"]

    def recover(recorded_ref: str | None) -> Sent | None:
        return _already_posted(ctx, target, key, recorded_ref=recorded_ref)

    done = send_once(ctx, job=job, person=person, period=period, send=send, recover=recover,
                     still_wanted=lambda: bool(target) and still_wanted(), claim=claim)
    return observe.delivery(job, "slack", done)


def _deliver_to_teams(ctx: JobContext, *, job: str, person: Person, period: str, where: surfaces.Route,
                      message: Callable[[], dict], still_wanted: Callable[[], bool],
                      claim: deliveries.Claim | None = None) -> str:
    """Send the same message as an Adaptive Card; someone Teams cannot reach yet waits, unclaimed, for later."""
    if ctx.teams is None or where.conversation is None:
        log.info("%s for person %s waits: not reachable in Teams yet", job, person.id)
        return UNREACHABLE
    conversation = where.conversation

    def send() -> Sent:
        return f"teams:{conversation.conversation_id}"[:64], ctx.teams.send(conversation, adaptive.card_from_block_kit(
            message()))

    return send_once(ctx, job=job, person=person, period=period, send=send, recover=_no_lookup,
                     still_wanted=still_wanted, claim=claim)


def deliver_file(ctx: JobContext, *, job: str, person: Person, period: str, content: Callable[[], bytes],
                 filename: str, title: str, channel: str | None = None) -> str:
    """Upload a file into the person's DM (or `channel`) once per (job, person, period).

    Teams cards cannot carry a chart of this size: someone reached in Teams gets the message without it.
    """
    if ctx.stopping:
        return "stopped"
    if channel is None:
        with ctx.sessions() as session:
            if surfaces.route(session, person).surface != surfaces.SLACK:
                return "skipped"

    def send() -> Sent:
        target = channel or ctx.client.conversations_open(users=person.slack_id)["channel"]["id"]
        response = ctx.client.files_upload_v2(channel=target, content=content(), filename=filename, title=title)
        return target, response["file"]["id"]

    # No history lookup for files, and the client never repeats an upload in-call: an upload whose answer is
    # lost, or a worker dying between the upload and the record, re-uploads once on the scheduled retry.
    done = send_once(ctx, job=job, person=person, period=period, send=send, recover=_no_lookup,
                     still_wanted=lambda: bool(channel or person.slack_id))
    return observe.delivery(job, "slack", done)


def send_once(ctx: JobContext, *, job: str, person: Person, period: str, send: Callable[[], Sent],
              recover: Recover, still_wanted: Callable[[], bool], claim: deliveries.Claim | None = None) -> str:
    """Claim the delivery key, then send; the claim is committed first so other replicas back off.

    Before sending, `recover` looks for the message when an earlier attempt may have sent it: a worker died
    mid-send, or an attempt failed (its retry is being taken up now). It looks again when the send's answer
    is lost. Found means sent; never found means send, or retry later. A `claim` won beforehand is used as it is.
    """
    if claim is None:
        with ctx.sessions() as session:
            claim = deliveries.claim(session, job=job, person_id=person.id, period=period, now=ctx.now,
                                     worker=ctx.worker)
    if claim is None:
        return "busy"
    delivery = claim.delivery
    if not still_wanted():
        with ctx.sessions() as session:
            deliveries.mark_skipped(session, delivery.id, now=ctx.now, reason="no longer needed")
        return "skipped"

    def look() -> Sent | None:
        return recover(delivery.message_ref)

    try:
        sent = (look() if claim.recovered or delivery.attempts else None) or _send_or_find(send, look)
    except SlackApiError as exc:
        error = _error_name(exc)
        return _record_failure(ctx, delivery.id, error, permanent=error in PERMANENT_ERRORS)
    except (URLError, OSError) as exc:
        return _record_failure(ctx, delivery.id, f"network: {type(exc).__name__}", permanent=False)
    except httpx.HTTPStatusError as exc:  # the Bot Connector: 429 and 5xx come back later, 4xx will not mend
        status = exc.response.status_code
        observe.teams_answered(status)
        return _record_failure(ctx, delivery.id, f"teams: http {status}",
                               permanent=status in TEAMS_PERMANENT_STATUSES)
    except httpx.TransportError as exc:
        return _record_failure(ctx, delivery.id, f"teams network: {type(exc).__name__}", permanent=False)
    with ctx.sessions() as session:
        deliveries.mark_sent(session, delivery.id, now=ctx.now, channel=sent[0], message_ref=sent[1])
    return "sent"


def _send_or_find(send: Callable[[], Sent], look: Callable[[], Sent | None]) -> Sent:
    """Send; when Slack may have performed the post although its answer was lost, look for it before giving up.

    Not found, the send's own error stands and the delivery is retried on schedule (looking first again),
    rather than posted again at once: right after a lost answer Slack may still be storing the first post.
    """
    try:
        return send()
    except (SlackApiError, URLError, OSError) as exc:
        if not _outcome_unknown(exc):
            raise
        try:
            found = look()
        except (SlackApiError, URLError, OSError) as lookup_error:
            log.warning("could not look for a post whose answer was lost: %s", _error_name(lookup_error))
            found = None
        if found is None:
            raise
        log.info("a post whose answer was lost (%s) had landed: %s", _error_name(exc), found[1])
        return found


def _outcome_unknown(error: Exception) -> bool:
    """Answer whether Slack may have performed a call that failed this way: a 5xx, a timeout, a lost connection."""
    if isinstance(error, SlackApiError):
        return error.response.status_code >= 500 or error.response.get("error") in MAYBE_PERFORMED_ERRORS
    return isinstance(error, URLError | OSError)


def _error_name(error: Exception) -> str:
    """Name a failure for the log and operators: Slack's error code, or the exception's type."""
    if isinstance(error, SlackApiError):
        return str(error.response.get("error") or f"http {error.response.status_code}")
    return type(error).__name__


def _no_lookup(recorded_ref: str | None) -> Sent | None:
    """Teams and file uploads: the platform offers no way to find what an earlier attempt sent."""
    return None


def _already_posted(ctx: JobContext, target: str, key: str, *, recorded_ref: str | None = None) -> Sent | None:
    """Find the message we posted with this delivery key, as (channel, ts); None when there is none.

    The bot's latest messages in the conversation are enough: the attempt we look for is hours old at most, and
    searching by count instead of by time does not depend on our clock agreeing with Slack's. The newest
    message with the key is the one to find; when it is `recorded_ref`, the message of an earlier send of this
    key already recorded (a reminder snoozed twice), nothing newer was posted.
    """
    channel = ctx.client.conversations_open(users=target)["channel"]["id"] if target.startswith("U") else target
    history = ctx.client.conversations_history(channel=channel, include_all_metadata=True, limit=RECENT_MESSAGES)
    for message in history.get("messages", []):
        if (message.get("metadata") or {}).get("event_payload", {}).get("key") == key:
            return None if message["ts"] == recorded_ref else (channel, message["ts"])
    return None


def _record_failure(ctx: JobContext, delivery_id: int, error: str, *, permanent: bool) -> str:
    with ctx.sessions() as session:
        delivery = deliveries.mark_failed(session, delivery_id, now=ctx.now, error=error, permanent=permanent)
    log.warning("delivery %s failed (%s): %s", delivery_id, delivery.status, error)
    return "failed" if delivery.status == "failed" else "retry"


def waiting_again(ctx: JobContext, job: str) -> list[deliveries.Delivery]:
    """A job's snoozes and retries that are due, and claims left by a worker that died mid-send."""
    with ctx.sessions() as session:
        return [*deliveries.due(session, job=job, now=ctx.now), *deliveries.stale_claims(session, job=job, now=ctx.now)]
