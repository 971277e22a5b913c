"""Peer reviews in Slack: the employee proposes peers, the manager confirms or changes them, peers write or decline."""

from __future__ import annotations

from slack_bolt import App

from actions import peers as peer_actions
from actions import reviews as review_actions
from handlers.evaluation_forms import open_form, press, submit_form
from handlers.forms import metadata_id, view_values
from handlers.modals import open_record_modal
from handlers.payloads import action_value, private_metadata, record_id, record_ids
from handlers.reviews import review_fields, submitted, with_draft
from prompts import peer_blocks
from storage import peers, reviews


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


def _chosen(view: dict) -> peer_actions.Chosen:
    return peer_actions.Chosen(slack_ids=[s for s in (view_values(view).get("peers") or "").split(",") if s])


def _slack_ids(nomination: peers.Nomination) -> list[str]:
    return [peer.slack_id for peer in nomination.peers if peer.slack_id]


def _peers_modal(callback_id: str, *, change: bool):
    def build(form: peer_actions.PeersForm, locale: str) -> dict:
        nomination = form.nomination
        return peer_blocks.peers_modal(callback_id=callback_id, metadata=form.value, chosen=_slack_ids(nomination),
                                       cycle=nomination.cycle.name,
                                       subject=nomination.subject.name if change else None, locale=locale)
    return build


def open_choose_peers(ack, body, action, context, client) -> None:
    open_form(ack, body, context, client, peer_actions.choose_form, _peers_modal(peer_blocks.PEERS_VIEW, change=False),
              cycle_id=record_id(action_value(action)))


def submit_proposal(ack, body, view, context, client) -> None:
    submit_form(ack, body, view, context, client, peer_actions.propose_peers, field="peers",
                cycle_id=metadata_id(view), chosen=_chosen(view))


def confirm_as_proposed(ack, body, action, context, client) -> None:
    """The manager keeps the employee's choice as it is."""
    pair = _pair(action_value(action)) or (None, None)
    press(ack, body, context, client, peer_actions.confirm_peers, cycle_id=pair[0], subject_id=pair[1])


def open_change_peers(ack, body, action, context, client) -> None:
    pair = _pair(action_value(action)) or (None, None)
    open_form(ack, body, context, client, peer_actions.change_form,
              _peers_modal(peer_blocks.CONFIRM_VIEW, change=True), cycle_id=pair[0], subject_id=pair[1])


def submit_change(ack, body, view, context, client) -> None:
    pair = _pair(private_metadata(view)) or (None, None)
    submit_form(ack, body, view, context, client, peer_actions.confirm_peers, field="peers", cycle_id=pair[0],
                subject_id=pair[1], chosen=_chosen(view))


def open_peer_review(ack, body, action, context, client) -> None:
    ack()
    open_record_modal(body, action, context, client, lambda session, person, review_id, locale: (
        with_draft(context, peer_blocks.peer_review_modal(peers.peer_review_form(session, person, review_id),
                                                          locale=locale), "peer", locale)))


def submit_peer_review(ack, body, view, context, client) -> None:
    values = view_values(view)
    fields = review_fields(values)
    submitted(ack, body, view, context, client, review_actions.submit_peer_review, review_id=metadata_id(view),
              ratings=fields["rating"], comments=fields["comment"], strengths=values.get("strengths"),
              to_improve=values.get("to_improve"))


def open_decline(ack, body, action, context, client) -> None:
    ack()

    def build(session, person, review_id, locale) -> dict:
        form = peers.peer_review_form(session, person, review_id)
        if form.review.state != peers.REQUESTED:
            raise reviews.ReviewError(peers.ALREADY_DONE)
        return peer_blocks.decline_modal(form.review.id, subject=form.subject.name, locale=locale)

    open_record_modal(body, action, context, client, build)


def submit_decline(ack, body, view, context, client) -> None:
    submit_form(ack, body, view, context, client, peer_actions.decline_peer_review, field="reason",
                review_id=metadata_id(view), reason=view_values(view).get("reason"))
