"""Send one scheduled message exactly once: claim its delivery key, post, record the outcome."""

from __future__ import annotations

import logging
from collections.abc import Callable
from urllib.error import URLError

from slack_sdk.errors import SlackApiError

from scheduler.context import JobContext
from storage import deliveries
from storage.models import Person

log = logging.getLogger(__name__)

METADATA_EVENT = "checkin_bot_delivery"
RECENT_MESSAGES = 50
# Slack errors that no retry can fix: the person or their DM is gone, or the app lost access.
PERMANENT_ERRORS = {"user_not_found", "channel_not_found", "account_inactive", "user_disabled", "not_in_channel",
                    "is_archived", "invalid_blocks", "msg_too_long", "no_text", "cannot_dm_bot"}


def deliver(ctx: JobContext, *, job: str, person: Person, period: str, message: Callable[[], dict],
            still_wanted: Callable[[], bool] = lambda: True) -> str:
    """Post `message()` to the person once per (job, period); return sent, busy, skipped, retry or failed.

    The claim is committed before Slack is called, so a second worker or replica sees it and backs off.
    `still_wanted` is asked after claiming (the person may have checked in since it was scheduled).
    A claim recovered from a worker that died mid-send first looks for the message in the DM's history.
    """
    with ctx.sessions() as session:
        claim = deliveries.claim(session, job=job, person_id=person.id, period=period, now=ctx.now, worker=ctx.worker)
    if claim is None:
        return "busy"
    delivery_id = claim.delivery.id
    if not person.slack_id or not still_wanted():
        with ctx.sessions() as session:
            deliveries.mark_skipped(session, delivery_id, now=ctx.now, reason="no longer needed")
        return "skipped"
    key = f"{job}:{person.id}:{period}"
    try:
        if claim.recovered:
            found = _already_posted(ctx, person.slack_id, key)
            if found:
                return _record_sent(ctx, delivery_id, *found)
        response = ctx.client.chat_postMessage(
            channel=person.slack_id,
            metadata={"event_type": METADATA_EVENT, "event_payload": {"key": key}},
            **message(),
        )
    except SlackApiError as exc:
        error = str(exc.response.get("error") or f"http {exc.response.status_code}")
        return _record_failure(ctx, delivery_id, error, permanent=error in PERMANENT_ERRORS)
    except (URLError, OSError) as exc:
        return _record_failure(ctx, delivery_id, f"network: {type(exc).__name__}", permanent=False)
    return _record_sent(ctx, delivery_id, response["channel"], response["ts"])


def _already_posted(ctx: JobContext, slack_id: str, key: str) -> tuple[str, str] | None:
    """Find a message we posted with this delivery key (lease recovery), as (channel, ts).

    The bot's latest messages in the DM are enough: the lost claim is minutes old, and searching by count
    instead of by time does not depend on our clock agreeing with Slack's.
    """
    channel = ctx.client.conversations_open(users=slack_id)["channel"]["id"]
    history = ctx.client.conversations_history(channel=channel, include_all_metadata=True, limit=RECENT_MESSAGES)
    for message in history.get("messages", []):
        if (message.get("metadata") or {}).get("event_payload", {}).get("key") == key:
            return channel, message["ts"]
    return None


def _record_sent(ctx: JobContext, delivery_id: int, channel: str, ts: str) -> str:
    with ctx.sessions() as session:
        deliveries.mark_sent(session, delivery_id, now=ctx.now, channel=channel, message_ref=ts)
    return "sent"


def _record_failure(ctx: JobContext, delivery_id: int, error: str, *, permanent: bool) -> str:
    with ctx.sessions() as session:
        delivery = deliveries.mark_failed(session, delivery_id, now=ctx.now, error=error, permanent=permanent)
    log.warning("delivery %s failed (%s): %s", delivery_id, delivery.status, error)
    return "failed" if delivery.status == "failed" else "retry"
