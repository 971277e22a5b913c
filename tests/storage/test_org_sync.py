"""Refreshing known people from the chat directory, and the locales we support."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import Session, select

from storage.models import AuditEvent, Person
from storage.org import DirectoryEntry, import_org_csv, normalize_locale, sync_directory

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
LATER = NOW + timedelta(hours=1)
ORG = "\n".join(
    [
        "slack_id,name,email,manager_slack_id,team,role,timezone,locale",
        "U01,Grace Hopper,grace@example.com,,Leadership,admin,America/New_York,en",
        "U02,李华,,U01,Data,,,",
        "U03,Alan Turing,alan@example.com,U01,Data,,Europe/London,en",
    ]
)


@pytest.fixture
def org(session):
    import_org_csv(session, ORG, now=NOW)
    session.commit()


def entry(slack_id: str, *, name=None, email=None, timezone=None, locale=None) -> DirectoryEntry:
    return DirectoryEntry(slack_id=slack_id, name=name, email=email, timezone=timezone, locale=locale)


def person(session: Session, slack_id: str) -> Person:
    return session.exec(select(Person).where(Person.slack_id == slack_id)).one()


def sync_events(session: Session) -> list[AuditEvent]:
    return list(session.exec(select(AuditEvent).where(AuditEvent.action == "org.sync")))


def test_it_fills_zone_locale_and_email_of_known_people_and_reports_unknown_ones(session, org):
    result = sync_directory(
        session,
        [
            entry("U02", name="李华", email="li.hua@example.com", timezone="Asia/Shanghai", locale="zh-CN"),
            entry("U99", name="Guest", timezone="UTC", locale="en-US"),
        ],
        now=LATER,
    )
    session.commit()

    assert result.updated == [
        (
            "U02",
            {
                "email": (None, "li.hua@example.com"),
                "timezone": (None, "Asia/Shanghai"),
                "locale": (None, "zh-CN"),
            },
        )
    ]
    assert result.unknown == ["U99"]
    li = person(session, "U02")
    assert (li.email, li.timezone, li.locale, li.updated_at) == (
        "li.hua@example.com",
        "Asia/Shanghai",
        "zh-CN",
        LATER,
    )
    assert session.exec(select(Person).where(Person.slack_id == "U99")).first() is None


def test_it_refreshes_names_and_normalises_locales(session, org):
    result = sync_directory(session, [entry("U03", name="Alan M. Turing", locale="en_GB")], now=LATER)

    assert result.updated == [("U03", {"name": ("Alan Turing", "Alan M. Turing")})]
    assert person(session, "U03").locale == "en"


def test_it_ignores_empty_invalid_and_unsupported_values(session, org):
    result = sync_directory(
        session,
        [entry("U01", name="  ", email="not-an-address", timezone="Mars/Olympus", locale="fr-FR")],
        now=LATER,
    )

    assert result.updated == []
    grace = person(session, "U01")
    assert (grace.name, grace.email, grace.timezone, grace.locale, grace.updated_at) == (
        "Grace Hopper",
        "grace@example.com",
        "America/New_York",
        "en",
        NOW,
    )


def test_it_leaves_erased_people_erased(session, org):
    erased = person(session, "U03")
    erased.name, erased.email, erased.erased_at = "Erased person", None, NOW
    session.commit()

    result = sync_directory(session, [entry("U03", name="Alan Turing", email="alan@example.com")], now=LATER)

    assert result.updated == [] and result.unknown == []
    assert (person(session, "U03").name, person(session, "U03").email) == ("Erased person", None)


def test_it_records_an_audit_event_only_when_something_changed(session, org):
    sync_directory(session, [entry("U01", timezone="America/New_York")], now=LATER)
    assert sync_events(session) == []

    sync_directory(session, [entry("U01", timezone="Europe/Paris"), entry("U98"), entry("U99")], now=LATER)

    (event,) = sync_events(session)
    assert event.at == LATER and event.detail == {"updated": 1, "unknown": 2}


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("zh-CN", "zh-CN"),
        ("zh_CN", "zh-CN"),
        ("zh-cn", "zh-CN"),
        ("zh-Hans", "zh-CN"),
        ("zh-SG", "zh-CN"),
        ("zh", "zh-CN"),
        ("zh_CN.UTF-8", "zh-CN"),
        ("en-US", "en"),
        ("en_GB", "en"),
        ("en", "en"),
        (" EN-us ", "en"),
        ("zh-TW", None),  # Traditional Chinese: fall back to the default, not to Simplified
        ("zh-Hant", None),
        ("fr-FR", None),
        ("english", None),
        ("", None),
        (None, None),
    ],
)
def test_normalize_locale_maps_tags_to_the_locales_we_ship(given, expected):
    assert normalize_locale(given) == expected
