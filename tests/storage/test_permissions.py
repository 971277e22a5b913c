"""Who may see and decide for whom: the management chain, skip-levels, HR and admins, never oneself."""

from __future__ import annotations

import pytest
from sqlmodel import select

from storage.models import Person
from storage.org import import_org_csv
from storage.permissions import (
    PermissionDenied,
    can_decide_for,
    can_view_person,
    has_reports,
    is_hr,
    managed_among,
    managed_ids,
    manages,
    require_view_person,
)
from tests.builders import org_csv

# The CEO manages Ada and Bob; Ada manages Alan and Li Lei; Bob manages Carol. Grace is HR, Root an admin.
ORG = [
    ["UCEO", "Cleo Chief", "", "", "Leadership", "manager", "", ""],
    ["UHR1", "Grace Hopper", "", "UCEO", "People", "hr", "", ""],
    ["UADM", "Root Admin", "", "", "", "admin", "", ""],
    ["UMGR1", "Ada Lovelace", "", "UCEO", "Platform", "manager", "", ""],
    ["UEMP1", "Alan Turing", "", "UMGR1", "Platform", "employee", "", ""],
    ["UEMP2", "李雷", "", "UMGR1", "Platform", "employee", "", "zh-CN"],
    ["UMGR2", "Bob Noyce", "", "UCEO", "Data", "manager", "", ""],
    ["UEMP3", "Carol Shaw", "", "UMGR2", "Data", "employee", "", ""],
]


@pytest.fixture
def people(session, clock) -> dict[str, Person]:
    import_org_csv(session, org_csv(ORG), now=clock.now())
    return {person.slack_id: person for person in session.exec(select(Person))}


def leave(session, person: Person) -> None:
    person.active = False
    session.flush()


def test_hr_and_admins_are_hr(people):
    assert is_hr(people["UHR1"]) and is_hr(people["UADM"])
    assert not is_hr(people["UMGR1"]) and not is_hr(people["UEMP1"])


def test_hr_who_left_is_no_longer_hr(session, people):
    leave(session, people["UHR1"])

    assert not is_hr(people["UHR1"])


def test_a_manager_manages_direct_reports_and_everyone_below_them(session, people):
    assert manages(session, people["UMGR1"], people["UEMP1"])
    assert manages(session, people["UCEO"], people["UEMP1"])  # skip-level
    assert manages(session, people["UCEO"], people["UMGR2"])


def test_nobody_manages_peers_their_own_manager_or_themselves(session, people):
    assert not manages(session, people["UEMP2"], people["UEMP1"])
    assert not manages(session, people["UMGR2"], people["UEMP1"])
    assert not manages(session, people["UEMP1"], people["UMGR1"])
    assert not manages(session, people["UMGR1"], people["UMGR1"])


def test_inactive_people_manage_nobody(session, people):
    leave(session, people["UMGR1"])

    assert not manages(session, people["UMGR1"], people["UEMP1"])


def test_a_departed_middle_manager_does_not_cut_off_the_skip_level(session, people):
    leave(session, people["UMGR1"])

    assert manages(session, people["UCEO"], people["UEMP1"])


def test_a_reporting_cycle_in_bad_data_ends_the_walk(session, people):
    people["UCEO"].manager_id = people["UEMP1"].id
    session.flush()

    assert not manages(session, people["UMGR2"], people["UEMP1"])
    # Ada -> Alan -> the CEO -> everyone else, and back to Ada, where the walk stops.
    everyone_else = {person.id for person in people.values()} - {people["UMGR1"].id, people["UADM"].id}
    assert managed_ids(session, people["UMGR1"]) == everyone_else


def test_managed_ids_are_everyone_below_a_manager(session, people):
    expected = {people[slack_id].id for slack_id in ("UHR1", "UMGR1", "UEMP1", "UEMP2", "UMGR2", "UEMP3")}

    assert managed_ids(session, people["UCEO"]) == expected
    assert managed_ids(session, people["UMGR1"]) == {people["UEMP1"].id, people["UEMP2"].id}
    assert managed_ids(session, people["UEMP1"]) == set()


def ids_among(session, manager: Person, candidates: list[Person]) -> set[int]:
    asked = select(Person.id).where(Person.id.in_([person.id for person in candidates]))
    return set(session.exec(managed_among(manager, asked)))


def test_managed_among_keeps_only_the_people_below_a_manager(session, people):
    everyone = list(people.values())

    assert ids_among(session, people["UCEO"], everyone) == managed_ids(session, people["UCEO"])
    assert ids_among(session, people["UMGR1"], everyone) == {people["UEMP1"].id, people["UEMP2"].id}
    assert ids_among(session, people["UMGR1"], [people["UEMP3"], people["UMGR1"]]) == set()
    assert ids_among(session, people["UEMP1"], everyone) == set()


def test_managed_among_walks_past_a_departed_middle_manager_but_not_for_one_who_left(session, people):
    leave(session, people["UMGR1"])

    assert ids_among(session, people["UCEO"], [people["UEMP1"]]) == {people["UEMP1"].id}
    assert ids_among(session, people["UMGR1"], [people["UEMP1"]]) == set()


def test_managed_among_ends_on_a_reporting_cycle(session, people):
    people["UCEO"].manager_id = people["UEMP1"].id
    session.flush()

    assert ids_among(session, people["UMGR2"], [people["UEMP1"]]) == set()
    assert ids_among(session, people["UMGR1"], [people["UEMP3"]]) == {people["UEMP3"].id}


def test_has_reports_answers_for_managers_with_someone_directly_below(session, people):
    assert has_reports(session, people["UMGR1"]) and has_reports(session, people["UCEO"])
    assert not has_reports(session, people["UEMP1"]) and not has_reports(session, people["UHR1"])
    leave(session, people["UMGR2"])
    assert not has_reports(session, people["UMGR2"])


@pytest.mark.parametrize("viewer", ["UEMP1", "UMGR1", "UCEO", "UHR1", "UADM"])
def test_self_the_chain_hr_and_admins_may_view_a_person(session, people, viewer):
    assert can_view_person(session, people[viewer], people["UEMP1"])
    require_view_person(session, people[viewer], people["UEMP1"])


@pytest.mark.parametrize("viewer", ["UEMP2", "UMGR2", "UEMP3"])
def test_peers_and_other_managers_may_not_view_a_person(session, people, viewer):
    assert not can_view_person(session, people[viewer], people["UEMP1"])
    with pytest.raises(PermissionDenied) as raised:
        require_view_person(session, people[viewer], people["UEMP1"])
    assert "may not view" in str(raised.value)


def test_people_who_left_may_view_nobody(session, people):
    leave(session, people["UHR1"])

    assert not can_view_person(session, people["UHR1"], people["UEMP1"])


@pytest.mark.parametrize("decider", ["UMGR1", "UHR1", "UADM"])
def test_the_direct_manager_and_hr_may_decide(session, people, decider):
    assert can_decide_for(session, people[decider], people["UEMP1"])


@pytest.mark.parametrize("decider", ["UEMP1", "UEMP2", "UCEO", "UMGR2"])
def test_oneself_peers_skip_levels_and_other_managers_may_not_decide(session, people, decider):
    assert not can_decide_for(session, people[decider], people["UEMP1"])


def test_hr_may_not_decide_for_themselves(session, people):
    assert not can_decide_for(session, people["UHR1"], people["UHR1"])
