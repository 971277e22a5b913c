"""Matching Teams users to people and remembering their 1:1 chats (storage only, both databases)."""

from datetime import timedelta

import pytest
from sqlalchemy.exc import IntegrityError

from storage import teams_links
from storage.teams_links import ConversationRef
from tests.builders import load_org, person

OURS = "tenant-1"
REF = ConversationRef(user_id="29:alan", conversation_id="a:chat-alan", service_url="https://smba.example/teams",
                      bot_id="28:bot", aad_object_id="aad-alan", tenant_id=OURS)
IN_OUR_TENANT = {"tenant_id": OURS, "home_tenant_id": OURS}


@pytest.fixture
def org(sessions, clock):
    load_org(sessions, now=clock.now())


def test_it_finds_a_person_by_teams_id(org, session, clock):
    person(session, "UEMP1").teams_id = "aad-alan"
    session.flush()
    assert teams_links.by_teams_id(session, "aad-alan").slack_id == "UEMP1"
    assert teams_links.by_teams_id(session, "aad-nobody") is None
    assert teams_links.by_teams_id(session, None) is None


def test_it_links_a_person_by_e_mail_in_any_case_and_records_their_teams_id(org, session, clock):
    found = teams_links.link_by_email(session, [None, " ALAN@example.com "], aad_object_id="aad-alan",
                                      **IN_OUR_TENANT, now=clock.now())
    assert found.slack_id == "UEMP1" and found.teams_id == "aad-alan"
    assert teams_links.by_teams_id(session, "aad-alan").id == found.id


def test_it_tries_each_address_teams_gives(org, session, clock):
    found = teams_links.link_by_email(session, ["alan.t@corp.example", "kj@example.com"], aad_object_id="aad-kj",
                                      **IN_OUR_TENANT, now=clock.now())
    assert found.slack_id == "UEMP3"


def test_it_never_guesses_between_two_people_with_one_e_mail(org, session, clock):
    person(session, "UEMP3").email = "alan@example.com"
    session.flush()
    assert teams_links.link_by_email(session, ["alan@example.com"], aad_object_id="aad-x", **IN_OUR_TENANT,
                                     now=clock.now()) is None


def test_it_never_moves_a_person_to_another_teams_account(org, session, clock):
    person(session, "UEMP1").teams_id = "aad-alan"
    session.flush()
    assert teams_links.link_by_email(session, ["alan@example.com"], aad_object_id="aad-mallory",
                                     **IN_OUR_TENANT, now=clock.now()) is None
    assert person(session, "UEMP1").teams_id == "aad-alan"


def test_it_ignores_people_who_left(org, session, clock):
    person(session, "UEMP1").active = False
    session.flush()
    assert teams_links.link_by_email(session, ["alan@example.com"], aad_object_id="aad-alan", **IN_OUR_TENANT,
                                     now=clock.now()) is None


@pytest.mark.parametrize("tenant_id", ["tenant-2", None, ""])
def test_it_never_links_by_e_mail_across_tenants(tenant_id, org, session, clock):
    # Another organisation's directory can give its user any address, Alan's included.
    assert teams_links.link_by_email(session, ["alan@example.com"], aad_object_id="aad-mallory", tenant_id=tenant_id,
                                     home_tenant_id=OURS, now=clock.now()) is None
    assert person(session, "UEMP1").teams_id is None


def test_it_links_by_e_mail_only_when_it_knows_its_own_tenant(org, session, clock):
    assert teams_links.link_by_email(session, ["alan@example.com"], aad_object_id="aad-alan", tenant_id=OURS,
                                     home_tenant_id=None, now=clock.now()) is None


def test_a_tenant_id_is_the_same_in_any_case(org, session, clock):
    guid = "9A6F5E4D-0000-4000-8000-00000000C0DE"
    found = teams_links.link_by_email(session, ["alan@example.com"], aad_object_id="aad-alan", tenant_id=guid,
                                      home_tenant_id=guid.lower(), now=clock.now())
    assert found.slack_id == "UEMP1"


def test_it_remembers_the_latest_1_1_chat_once_per_person(org, session, clock):
    alan = person(session, "UEMP1")
    first = teams_links.remember_conversation(session, alan, REF, now=clock.now())
    later = clock.now() + timedelta(days=3)
    moved = ConversationRef(**{**REF.__dict__, "conversation_id": "a:chat-alan-2", "service_url": "https://s2/"})
    second = teams_links.remember_conversation(session, alan, moved, now=later)
    assert second.id == first.id
    stored = teams_links.conversation_of(session, alan.id)
    assert (stored.conversation_id, stored.service_url, stored.created_at, stored.updated_at) == (
        "a:chat-alan-2", "https://s2/", clock.now(), later)


def test_the_database_holds_one_chat_per_person(org, sessions, clock):
    from storage.models import TeamsConversation

    with sessions() as session:
        alan = person(session, "UEMP1")
        teams_links.remember_conversation(session, alan, REF, now=clock.now())
    with pytest.raises(IntegrityError), sessions() as session:
        session.add(TeamsConversation(person_id=alan.id, user_id="29:x", conversation_id="a:x", service_url="s",
                                      bot_id="28:b", created_at=clock.now(), updated_at=clock.now()))


def test_people_only_on_teams_with_no_known_chat_are_listed_as_unreachable(org, session, clock):
    alan, li, kj = person(session, "UEMP1"), person(session, "UEMP2"), person(session, "UEMP3")
    alan.teams_id, li.teams_id, kj.teams_id = "aad-alan", "aad-li", "aad-kj"
    alan.slack_id = li.slack_id = None  # Teams only; Katherine is still reached on Slack meanwhile
    session.flush()
    teams_links.remember_conversation(session, alan, REF, now=clock.now())
    assert [p.teams_id for p in teams_links.unreachable(session)] == ["aad-li"]
