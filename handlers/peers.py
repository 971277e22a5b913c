"""Peer reviews in Slack: the employee proposes peers, the manager confirms or changes them, peers write or decline."""

from __future__ import annotations

from slack_bolt import App

from handlers.context import deps_of, identify, locale_of, send_to, tell
from handlers.forms import metadata_id, view_values
from handlers.modals import open_record_modal
from handlers.payloads import action_value, caller_id, private_metadata, record_ids, trigger_id
from handlers.reviews import first_input, review_fields
from prompts import peer_blocks
from prompts.goal_blocks import error_text, modal_errors
from storage import peers, people, reviews
from storage.models import Person, ReviewCycle


def register(app: App) -> None:
    app.action(peer_blocks.CHOOSE_PEERS_ACTION)(open_choose_peers)
    app.view(peer_blocks.PEERS_VIEW)(submit_proposal)
    app.action(peer_blocks.CONFIRM_PEERS_ACTION)(confirm_as_proposed)
    app.action(peer_blocks.CHANGE_PEERS_ACTION)(open_change_peers)
    app.view(peer_blocks.CONFIRM_VIEW)(submit_change)
    app.action(peer_blocks.OPEN_PEER_REVIEW_ACTION)(open_peer_review)
    app.view(peer_blocks.PEER_REVIEW_VIEW)(submit_peer_review)
    app.action(peer_blocks.DECLINE_PEER_REVIEW_ACTION)(open_decline)
    app.view(peer_blocks.DECLINE_VIEW)(submit_decline)


def _pair(value: str | None) -> tuple[int, int] | None:
    """A "cycle:subject" pair from a button or modal; anything else reads as forged."""
    return record_ids(value, separator=":", count=2)  # type: ignore[return-value]


def _people_from(session, slack_ids: str | None) -> list[int]:
    """Map the chosen Slack users to people; someone outside the directory is refused as a whole."""
    ids = []
    for slack_id in filter(None, (slack_ids or "").split(",")):
        person = people.by_slack_id(session, slack_id)
        if person is None:
            raise reviews.ReviewValidationError({peers.PEERS_FIELD: peers.PEER_UNKNOWN})
        ids.append(person.id)
    return ids


def _names(nomination: peers.Nomination) -> list[str]:
    return [peer.name for peer in nomination.peers]


def _slack_ids(nomination: peers.Nomination) -> list[str]:
    return [peer.slack_id for peer in nomination.peers if peer.slack_id]


def open_choose_peers(ack, body, action, context, client) -> None:
    ack()

    def build(session, person, cycle_id, locale) -> dict:
        nomination = peers.nomination(session, person, cycle_id, person.id)
        if nomination.confirmed:  # who was finally asked stays with the manager: it could unmask a reviewer
            raise reviews.ReviewError(peers.PEERS_CONFIRMED)
        return peer_blocks.peers_modal(callback_id=peer_blocks.PEERS_VIEW, metadata=str(cycle_id),
                                       chosen=_slack_ids(nomination), cycle=nomination.cycle.name, subject=None,
                                       locale=locale)

    open_record_modal(body, action, context, client, build)


def submit_proposal(ack, body, view, context, client) -> None:
    deps = deps_of(context)
    caller = identify(context, client, caller_id(body))
    cycle_id = metadata_id(view)
    try:
        if caller.person is None or cycle_id is None:
            raise reviews.ReviewError(reviews.NOT_FOUND)
        with deps.sessions() as session:
            chosen = _people_from(session, view_values(view).get("peers"))
            nomination = peers.propose(session, caller.person, cycle_id, chosen, now=deps.clock.now())
            manager = session.get(Person, caller.person.manager_id) if caller.person.manager_id else None
    except reviews.ReviewValidationError as error:
        return ack(response_action="errors", errors=modal_errors(error.errors, caller.locale))
    except reviews.ReviewError as error:
        return ack(response_action="errors", errors={"peers": error_text(error.code, caller.locale)})
    ack()
    # The notice first: once saved it must reach them, whatever Slack does with the next call.
    if manager is not None:
        send_to(context, client, manager, peer_blocks.confirm_request(
            subject=caller.person.name, peers=_names(nomination), cycle=nomination.cycle.name,
            value=f"{cycle_id}:{caller.person.id}", locale=locale_of(context, manager)))
    client.chat_postMessage(channel=caller.slack_id, **peer_blocks.peers_proposed(
        peers=_names(nomination), cycle=nomination.cycle.name, manager=manager.name if manager else None,
        locale=caller.locale))


def confirm_as_proposed(ack, body, action, context, client) -> None:
    """The manager keeps the employee's choice as it is."""
    ack()
    deps = deps_of(context)
    caller = identify(context, client, caller_id(body))
    pair = _pair(action_value(action))
    try:
        if caller.person is None or pair is None:
            raise reviews.ReviewError(reviews.NOT_FOUND)
        with deps.sessions() as session:
            proposed = peers.nomination(session, caller.person, *pair)
            nomination, _ = peers.confirm(session, caller.person, *pair, [p.id for p in proposed.peers],
                                          now=deps.clock.now())
    except reviews.ReviewValidationError as error:
        return tell(client, body, " ".join(modal_errors(error.errors, caller.locale).values()))
    except reviews.ReviewError as error:
        return tell(client, body, error_text(error.code, caller.locale))
    client.chat_postMessage(channel=caller.slack_id, **peer_blocks.peers_confirmed(
        subject=nomination.subject.name, peers=_names(nomination), locale=caller.locale))


def open_change_peers(ack, body, action, context, client) -> None:
    ack()
    caller = identify(context, client, caller_id(body))
    pair = _pair(action_value(action))
    try:
        if caller.person is None or pair is None:
            raise reviews.ReviewError(reviews.NOT_FOUND)
        with deps_of(context).sessions() as session:
            nomination = peers.nomination(session, caller.person, *pair)
            if nomination.subject.id == caller.person.id:  # the employee reads their list; only managers change it
                raise reviews.ReviewError(reviews.NOT_FOUND)
    except reviews.ReviewError as error:
        return tell(client, body, error_text(error.code, caller.locale))
    client.views_open(trigger_id=trigger_id(body), view=peer_blocks.peers_modal(
        callback_id=peer_blocks.CONFIRM_VIEW, metadata=f"{pair[0]}:{pair[1]}", chosen=_slack_ids(nomination),
        cycle=nomination.cycle.name, subject=nomination.subject.name, locale=caller.locale))


def submit_change(ack, body, view, context, client) -> None:
    deps = deps_of(context)
    caller = identify(context, client, caller_id(body))
    pair = _pair(private_metadata(view))
    try:
        if caller.person is None or pair is None:
            raise reviews.ReviewError(reviews.NOT_FOUND)
        with deps.sessions() as session:
            chosen = _people_from(session, view_values(view).get("peers"))
            nomination, _ = peers.confirm(session, caller.person, *pair, chosen, now=deps.clock.now())
    except reviews.ReviewValidationError as error:
        return ack(response_action="errors", errors=modal_errors(error.errors, caller.locale))
    except reviews.ReviewError as error:
        return ack(response_action="errors", errors={"peers": error_text(error.code, caller.locale)})
    ack()
    client.chat_postMessage(channel=caller.slack_id, **peer_blocks.peers_confirmed(
        subject=nomination.subject.name, peers=_names(nomination), locale=caller.locale))


def open_peer_review(ack, body, action, context, client) -> None:
    ack()
    open_record_modal(body, action, context, client, lambda session, person, review_id, locale: (
        peer_blocks.peer_review_modal(peers.peer_review_form(session, person, review_id), locale=locale)))


def submit_peer_review(ack, body, view, context, client) -> None:
    deps = deps_of(context)
    caller = identify(context, client, caller_id(body))
    values = view_values(view)
    fields = review_fields(values)
    review_id = metadata_id(view)
    try:
        if caller.person is None or review_id is None:
            raise reviews.ReviewError(reviews.NOT_FOUND)
        with deps.sessions() as session:
            review = peers.submit_peer_review(
                session, caller.person, review_id, ratings=fields["rating"], comments=fields["comment"],
                strengths=values.get("strengths"), to_improve=values.get("to_improve"), now=deps.clock.now())
            subject = session.get(Person, review.subject_id).name
    except reviews.ReviewValidationError as error:
        return ack(response_action="errors", errors=modal_errors(error.errors, caller.locale))
    except reviews.ReviewError as error:
        return ack(response_action="errors", errors={first_input(view): error_text(error.code, caller.locale)})
    ack()
    client.chat_postMessage(channel=caller.slack_id, **peer_blocks.peer_review_thanks(
        subject=subject, declined=False, locale=caller.locale))


def open_decline(ack, body, action, context, client) -> None:
    ack()

    def build(session, person, review_id, locale) -> dict:
        form = peers.peer_review_form(session, person, review_id)
        if form.review.state != peers.REQUESTED:
            raise reviews.ReviewError(peers.ALREADY_DONE)
        return peer_blocks.decline_modal(form.review.id, subject=form.subject.name, locale=locale)

    open_record_modal(body, action, context, client, build)


def submit_decline(ack, body, view, context, client) -> None:
    deps = deps_of(context)
    caller = identify(context, client, caller_id(body))
    review_id = metadata_id(view)
    try:
        if caller.person is None or review_id is None:
            raise reviews.ReviewError(reviews.NOT_FOUND)
        with deps.sessions() as session:
            review = peers.decline(session, caller.person, review_id, reason=view_values(view).get("reason"),
                                   now=deps.clock.now())
            subject = session.get(Person, review.subject_id)
            cycle = session.get(ReviewCycle, review.cycle_id)
            manager = session.get(Person, subject.manager_id) if subject.manager_id else None
    except reviews.ReviewValidationError as error:
        return ack(response_action="errors", errors=modal_errors(error.errors, caller.locale))
    except reviews.ReviewError as error:
        return ack(response_action="errors", errors={"reason": error_text(error.code, caller.locale)})
    ack()
    # The notice first: once saved it must reach them, whatever Slack does with the next call.
    if manager is not None and manager.active:
        send_to(context, client, manager, peer_blocks.peer_declined_to_manager(
            subject=subject.name, value=f"{cycle.id}:{subject.id}", locale=locale_of(context, manager)))
    client.chat_postMessage(channel=caller.slack_id, **peer_blocks.peer_review_thanks(
        subject=subject.name, declined=True, locale=caller.locale))
