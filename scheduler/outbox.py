"""Send one scheduled message (or file) exactly once: claim its delivery key, send, record the outcome."""

from __future__ import annotations

import logging
from collections.abc import Callable
from urllib.error import URLError

import httpx
from slack_sdk.errors import SlackApiError

from prompts import cards
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

Sent = tuple[str, str]  # (channel, message ts or file id)


def deliver(ctx: JobContext, *, job: str, person: Person, period: str, message: Callable[[], dict],
            still_wanted: Callable[[], bool] = lambda: True, channel: str | None = None) -> str:
    """Post `message()` once per (job, person, period); return sent, busy, skipped, unreachable, retry or failed.

    The message goes where the person is (storage.surfaces: a Slack DM, or their Teams 1:1 chat as a card), or
    to a Slack `channel` (a channel post recorded against the person). The delivery key is the same whichever
    surface carries it, so someone on both gets it once. A claim recovered from a worker that died mid-send
    first looks for the message in the Slack history; Teams offers bots no such lookup.
    """
    key = f"{job}:{person.id}:{period}"
    if channel is None:
        with ctx.sessions() as session:
            where = surfaces.route(session, person)
        if where.surface == surfaces.TEAMS:
            return _deliver_to_teams(ctx, job=job, person=person, period=period, where=where, message=message,
                                     still_wanted=still_wanted)
    target = channel or person.slack_id

    def send() -> Sent:
        response = ctx.client.chat_postMessage(
            channel=target, metadata={"event_type": METADATA_EVENT, "event_payload": {"key": key}}, **message())
        return response["channel"], response["ts"]

    def recover() -> Sent | None:
        return _already_posted(ctx, target, key)

    return send_once(ctx, job=job, person=person, period=period, send=send, recover=recover,
                     still_wanted=lambda: bool(target) and still_wanted())


def _deliver_to_teams(ctx: JobContext, *, job: str, person: Person, period: str, where: surfaces.Route,
                      message: Callable[[], dict], still_wanted: Callable[[], bool]) -> str:
    """Send the same message as an Adaptive Card; someone Teams cannot reach yet waits, unclaimed, for later."""
    if ctx.teams is None or where.conversation is None:
        log.info("%s for person %s waits: not reachable in Teams yet", job, person.id)
        return UNREACHABLE
    conversation = where.conversation

    def send() -> Sent:
        return f"teams:{conversation.conversation_id}"[:64], ctx.teams.send(conversation, cards.card_from_block_kit(
            message()))

    return send_once(ctx, job=job, person=person, period=period, send=send, recover=lambda: None,
                     still_wanted=still_wanted)


def deliver_file(ctx: JobContext, *, job: str, person: Person, period: str, content: Callable[[], bytes],
                 filename: str, title: str, channel: str | None = None) -> str:
    """Upload a file into the person's DM (or `channel`) once per (job, person, period).

    Teams cards cannot carry a chart of this size: someone reached in Teams gets the message without it.
    """
    if channel is None:
        with ctx.sessions() as session:
            if surfaces.route(session, person).surface != surfaces.SLACK:
                return "skipped"

    def send() -> Sent:
        target = channel or ctx.client.conversations_open(users=person.slack_id)["channel"]["id"]
        response = ctx.client.files_upload_v2(channel=target, content=content(), filename=filename, title=title)
        return target, response["file"]["id"]

    # No history lookup for files: a worker dying between the upload and the record re-uploads once.
    return send_once(ctx, job=job, person=person, period=period, send=send, recover=lambda: None,
                     still_wanted=lambda: bool(channel or person.slack_id))


def send_once(ctx: JobContext, *, job: str, person: Person, period: str, send: Callable[[], Sent],
              recover: Callable[[], Sent | None], still_wanted: Callable[[], bool]) -> str:
    """Claim the delivery key, then send; the claim is committed first so other replicas back off."""
    with ctx.sessions() as session:
        claim = deliveries.claim(session, job=job, person_id=person.id, period=period, now=ctx.now, worker=ctx.worker)
    if claim is None:
        return "busy"
    delivery_id = claim.delivery.id
    if not still_wanted():
        with ctx.sessions() as session:
            deliveries.mark_skipped(session, delivery_id, now=ctx.now, reason="no longer needed")
        return "skipped"
    try:
        sent = (recover() if claim.recovered else None) or send()
    except SlackApiError as exc:
        error = str(exc.response.get("error") or f"http {exc.response.status_code}")
        return _record_failure(ctx, delivery_id, error, permanent=error in PERMANENT_ERRORS)
    except (URLError, OSError) as exc:
        return _record_failure(ctx, delivery_id, f"network: {type(exc).__name__}", permanent=False)
    except httpx.HTTPStatusError as exc:  # the Bot Connector: 429 and 5xx come back later, 4xx will not mend
        status = exc.response.status_code
        return _record_failure(ctx, delivery_id, f"teams: http {status}",
                               permanent=status in TEAMS_PERMANENT_STATUSES)
    except httpx.TransportError as exc:
        return _record_failure(ctx, delivery_id, f"teams network: {type(exc).__name__}", permanent=False)
    with ctx.sessions() as session:
        deliveries.mark_sent(session, delivery_id, now=ctx.now, channel=sent[0], message_ref=sent[1])
    return "sent"


def _already_posted(ctx: JobContext, target: str, key: str) -> Sent | None:
    """Find a message we posted with this delivery key (lease recovery), as (channel, ts).

    The bot's latest messages in the conversation are enough: the lost claim is minutes old, and
    searching by count instead of by time does not depend on our clock agreeing with Slack's.
    """
    channel = ctx.client.conversations_open(users=target)["channel"]["id"] if target.startswith("U") else target
    history = ctx.client.conversations_history(channel=channel, include_all_metadata=True, limit=RECENT_MESSAGES)
    for message in history.get("messages", []):
        if (message.get("metadata") or {}).get("event_payload", {}).get("key") == key:
            return channel, message["ts"]
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
