"""The stored conversation reference is enough to reach a person later, from another thread, as jobs will."""

import threading

import pytest

from prompts import adaptive
from storage import teams_links
from tests.builders import person


def test_a_card_reaches_the_stored_1_1_chat_from_a_job_thread(teams, teams_server, teams_people, connector,
                                                              sessions):
    teams.install(teams_people.li_lei)
    connector.reset()
    with sessions() as session:
        conversation = teams_links.conversation_of(session, person(session, "UEMP2").id)
    sent: list[str] = []
    job = threading.Thread(target=lambda: sent.append(
        teams_server.api.state.teams_sender.send(conversation, adaptive.text_card("*提醒*：本周进展"))))
    job.start()
    job.join(timeout=30)
    [posted] = connector.sent_to(teams_people.li_lei.personal_conversation_id)
    assert posted.text == "**提醒**：本周进展"
    assert len(sent) == 1 and sent[0].startswith("1:")  # the id the connector gave the activity


def test_a_refused_send_raises_so_a_job_can_retry_it(teams, teams_server, teams_people, connector, sessions):
    teams.install(teams_people.alan)
    with sessions() as session:
        conversation = teams_links.conversation_of(session, person(session, "UEMP1").id)
    connector.fail_next(status=503)
    with pytest.raises(Exception, match="503"):
        teams_server.api.state.teams_sender.send(conversation, adaptive.text_card("hello"))
    assert [p.status for p in connector.posted if p.operation == "failed"] == [503]
