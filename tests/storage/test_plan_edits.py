"""HR edits a performance plan as plain text: the format, round trips, both languages, every error, who may."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func
from sqlmodel import Session, select

from storage import plan_edits, plans
from storage.models import AuditEvent, PerformancePlan, Person, Team
from storage.plan_edits import PlanEditError, PlanText
from tests.builders import load_org, person

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
LATER = NOW + timedelta(days=7)
EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "plans.yaml"

DEFAULT_EN = PlanText(
    plan_id=None,
    name="",
    cycle="quarterly",
    improvement_threshold="2",
    criteria="Results | 50 | Results against goals\n"
             "Quality | 20 | Work that is right the first time and holds up\n"
             "Collaboration | 15 | Helps others and works well across teams\n"
             "Ownership | 15 | Takes responsibility and follows through",
    scale="1 | Below expectations\n2 | Partially meets expectations\n3 | Meets expectations\n"
          "4 | Exceeds expectations\n5 | Outstanding",
    rewards="1 | 0 | no | no\n2 | 0.5 | no | no\n3 | 1 | no | no\n4 | 1.2 | yes | no\n5 | 1.5 | yes | yes",
    team=None,
    role=None,
)


@pytest.fixture
def hr(sessions, session: Session) -> Person:
    load_org(sessions, now=NOW)
    return person(session, "UHR1")


def edited(session: Session) -> list[AuditEvent]:
    return list(session.exec(select(AuditEvent).where(AuditEvent.action == "plan.edited").order_by(AuditEvent.id)))


def plan_count(session: Session) -> int:
    return session.exec(select(func.count()).select_from(PerformancePlan)).one()


def applied(session: Session, plan: PerformancePlan) -> dict:
    """What plan_for gives someone in the plan's team."""
    return plans.plan_for(session, Person(name="Someone", team_id=plan.team_id, role="employee"))


def without_identity(plan: dict) -> dict:
    return {key: value for key, value in plan.items() if key not in ("id", "name")}


def refused(session: Session, hr: Person, text: PlanText, plan_id: int | None = None,
            locale: str = "en") -> dict[str, tuple[str, int | None]]:
    before = plan_count(session), len(edited(session))
    with pytest.raises(PlanEditError) as raised:
        plan_edits.save(session, hr, plan_id, text, locale=locale, now=LATER)
    assert raised.value.code == "plan_invalid"
    assert (plan_count(session), len(edited(session))) == before
    return raised.value.errors


def new_plan(**fields) -> PlanText:
    return replace(DEFAULT_EN, **({"name": "Everyone"} | fields))


# --- the text ----------------------------------------------------------------------------------


def test_the_default_plan_is_the_starting_point_in_either_language(session, hr) -> None:
    assert plan_edits.as_text(session, hr, None, "en-GB") == DEFAULT_EN

    chinese = plan_edits.as_text(session, hr, None, "zh-CN")
    assert chinese.criteria.splitlines()[:2] == ["成果 | 50 | 目标达成情况", "质量 | 20 | 工作一次做对、经得起检验"]
    assert chinese.scale.splitlines()[0] == "1 | 未达预期"
    assert chinese.rewards.splitlines()[-1] == "5 | 1.5 | 是 | 是"
    assert (chinese.name, chinese.cycle, chinese.improvement_threshold) == ("", "quarterly", "2")


def test_saving_the_default_unchanged_in_chinese_gives_the_default_in_both_languages(sessions, session, hr) -> None:
    text = replace(plan_edits.as_text(session, hr, None, "zh-CN"), name="全员")

    plan = plan_edits.save(session, hr, None, text, locale="zh-CN", now=NOW)
    session.commit()

    assert (plan.name, plan.team_id, plan.role, plan.created_at, plan.updated_at) == ("全员", None, None, NOW, NOW)
    assert plan.criteria == plans.DEFAULT_PLAN["criteria"]
    assert plan.rating_scale == plans.DEFAULT_PLAN["rating_scale"]
    assert plan.rewards == {str(rating): reward for rating, reward in plans.DEFAULT_PLAN["rewards"].items()}
    found = plans.plan_for(session, person(session, "UEMP1"))
    assert (found["id"], found["name"]) == (plan.id, "全员")
    assert without_identity(found) == without_identity(plans.resolved(plans.DEFAULT_PLAN))
    [event] = edited(session)
    assert (event.entity, event.entity_id, event.actor_id) == ("performance_plan", plan.id, hr.id)
    assert event.detail["plan_id"] == plan.id and event.detail["criteria"] == 4 and event.detail["created"] is True


@pytest.mark.parametrize("locale", ["en", "zh-CN"])
def test_every_loaded_plan_survives_a_round_trip_through_the_text_unchanged(session, hr, locale) -> None:
    session.add_all([Team(name=name, created_at=NOW) for name in ("Assembly", "Research", "Support")])
    session.flush()
    plans.load_plans(session, EXAMPLE.read_text(encoding="utf-8"), now=NOW)
    session.commit()
    stored = plan_edits.plans_for_hr(session, hr)
    assert [plan.name for plan in stored] == ["Assembly line", "Customer service", "Research"]
    before = {plan.id: (applied(session, plan), plan.model_dump()) for plan in stored}

    for plan in stored:
        text = plan_edits.as_text(session, hr, plan.id, locale)
        assert plan_edits.save(session, hr, plan.id, text, locale=locale, now=LATER) == plan
    session.commit()
    session.expire_all()

    for plan in plan_edits.plans_for_hr(session, hr):
        assert (applied(session, plan), plan.model_dump()) == before[plan.id]
    assert edited(session) == []  # nothing changed, nothing written


def test_words_on_several_lines_or_holding_the_separator_are_shown_on_one_line_and_kept(session, hr) -> None:
    plans.load_plans(session, """
plans:
  - name: Ops
    cycle: monthly
    criteria:
      - key: uptime
        name: {en: "Uptime | SLO", zh-CN: 可用性}
        description: |
          Keeps services up.
          Fixes what breaks.
        weight: 1
    rating_scale: [{value: 1, label: Low}, {value: 2, label: High}]
    improvement_threshold: 1
""", now=NOW)
    [plan] = plan_edits.plans_for_hr(session, hr)
    stored = plan.model_dump()

    text = plan_edits.as_text(session, hr, plan.id, "en")
    plan_edits.save(session, hr, plan.id, text, locale="en", now=LATER)

    assert text.criteria == "Uptime / SLO | 1 | Keeps services up. Fixes what breaks."
    assert plan.model_dump() == stored and edited(session) == []


def test_a_partial_reward_and_a_note_read_as_short_lines(session, hr) -> None:
    session.add_all([Team(name=name, created_at=NOW) for name in ("Assembly", "Research", "Support")])
    session.flush()
    plans.load_plans(session, EXAMPLE.read_text(encoding="utf-8"), now=NOW)
    by_name = {plan.name: plan for plan in plan_edits.plans_for_hr(session, hr)}

    service = plan_edits.as_text(session, hr, by_name["Customer service"].id, "en")
    line = plan_edits.as_text(session, hr, by_name["Assembly line"].id, "zh-CN")

    assert (service.team, service.role, service.name) == ("Support", None, "Customer service")
    assert service.rewards.splitlines() == ["2 | 0.6", "3 | 1", "4 | 1.2 | yes | no", "5 | 1.4 | yes | yes"]
    assert line.rewards.splitlines()[-1] == "3 | 1.2 | 否 | 是 | 本月产线之星"
    assert line.criteria.splitlines()[0] == "产量 | 40 | 按班次目标完成的产量"


# --- editing -----------------------------------------------------------------------------------


def test_editing_in_chinese_keeps_keys_and_english_where_the_chinese_was_left_alone(sessions, session, hr) -> None:
    plan = plan_edits.save(session, hr, None, new_plan(), locale="en", now=NOW)
    text = plan_edits.as_text(session, hr, plan.id, "zh-CN")
    assert text.criteria.splitlines()[2] == "协作 | 15 | 乐于助人，跨团队合作顺畅"
    criteria = "\n".join([
        "成果 | 40 | 目标达成情况",  # weight changed only
        "质量 | 20 | 工作一次做对、经得起检验",
        "Collaboration | 15 | 跨团队合作",  # named in English while editing in Chinese: the same criterion
        "客户满意度 | 15 | 客户评价",  # new, Chinese: c1
        "Ownership! | 10",  # new: "ownership" was the removed 主人翁精神's key, not to be reused
    ])
    updated = plan_edits.save(session, hr, plan.id, replace(text, criteria=criteria, cycle="Half-Year"),
                              locale="zh-CN", now=LATER)

    results, quality, collaboration, satisfaction, ownership = updated.criteria
    assert results == {**plans.DEFAULT_PLAN["criteria"][0], "weight": 40}
    assert quality == plans.DEFAULT_PLAN["criteria"][1]
    assert collaboration == {"key": "collaboration", "name": "Collaboration", "description": "跨团队合作",
                             "weight": 15}
    assert satisfaction == {"key": "c1", "name": "客户满意度", "description": "客户评价", "weight": 15}
    assert ownership == {"key": "ownership_2", "name": "Ownership!", "description": None, "weight": 10}
    assert (updated.cycle, updated.created_at, updated.updated_at) == ("half-year", NOW, LATER)
    found = plans.plan_for(session, person(session, "UEMP2"))
    assert [criterion["weight"] for criterion in found["criteria"]] == pytest.approx([0.4, 0.2, 0.15, 0.15, 0.1])
    assert plans.localized(found["criteria"][0]["name"], "en") == "Results"  # English kept where unchanged
    last = edited(session)[-1]
    assert last.detail == {"plan_id": plan.id, "criteria": 5, "created": False, "changed": ["cycle", "criteria"]}


def test_the_format_forgives_what_people_type(session, hr) -> None:
    text = new_plan(
        criteria="\n  Delivery ｜ ４０% ｜ Ships what was promised  \n\nCafé Culture|60",
        scale="3 | Great | Well above the bar\n2 | Fine\n1 | Low",  # any order; stored ascending
        rewards="3 | x1.5 | 是 | YES | Star of the quarter\n2 | 1倍 | n | \n1 | 0",
        improvement_threshold=" ２ ",
        team=" Platform ",
    )

    plan = plan_edits.save(session, hr, None, text, locale="en", now=NOW)

    assert plan.criteria == [
        {"key": "delivery", "name": "Delivery", "description": "Ships what was promised", "weight": 40},
        {"key": "cafe_culture", "name": "Café Culture", "description": None, "weight": 60},
    ]
    assert plan.rating_scale == [{"value": 1, "label": "Low"}, {"value": 2, "label": "Fine"},
                                 {"value": 3, "label": "Great", "description": "Well above the bar"}]
    assert plan.rewards == {
        "3": {"bonus_multiplier": 1.5, "promotion_eligible": True, "certificate": True,
              "note": "Star of the quarter"},
        "2": {"bonus_multiplier": 1.0, "promotion_eligible": False},
        "1": {"bonus_multiplier": 0.0},
    }
    assert (plan.improvement_threshold, plan.team_id) == (2, person(session, "UEMP1").team_id)
    assert plans.plan_for(session, person(session, "UEMP1"))["name"] == "Everyone"
    assert plans.plan_for(session, person(session, "UHR1"))["name"] == "Default"  # People team: not in scope


def test_renaming_a_plan_and_moving_it_to_a_role(session, hr) -> None:
    plan = plan_edits.save(session, hr, None, new_plan(team="Platform"), locale="en", now=NOW)

    moved = plan_edits.save(session, hr, plan.id, new_plan(name="Managers", role="Manager"), locale="en", now=LATER)

    assert (moved.id, moved.name, moved.team_id, moved.role, moved.updated_at) == (plan.id, "Managers", None,
                                                                                   "manager", LATER)
    assert edited(session)[-1].detail["changed"] == ["name", "team_id", "role"]
    assert plan_count(session) == 1


# --- errors ------------------------------------------------------------------------------------


def test_every_field_error_is_reported_at_once_with_its_line(session, hr) -> None:
    text = PlanText(
        plan_id=None,
        name="  ",
        cycle="weekly",
        improvement_threshold="two",
        criteria="Delivery | 40\n\nQuality | lots\nDelivery | 10",
        scale="1 | Low\n2 | High\n2 | Again",
        rewards="1 | 1 | no | no\n9 | 2",
        team="Nowhere",
        role=None,
    )

    assert refused(session, hr, text) == {
        "name": ("plan_name_missing", None),
        "cycle": ("plan_cycle_invalid", None),
        "team": ("plan_scope_invalid", None),
        "criteria": ("plan_weight_invalid", 3),  # the first problem of the field: line 4 repeats a name too
        "scale": ("plan_line_duplicate", 3),
        "improvement_threshold": ("plan_threshold_invalid", None),
    }  # and no rewards error: their ratings are not checked against a broken scale


@pytest.mark.parametrize(
    ("fields", "errors"),
    [
        ({"name": "n" * 101}, {"name": ("text_too_long", None)}),
        ({"cycle": ""}, {"cycle": ("plan_cycle_invalid", None)}),
        ({"role": "boss"}, {"role": ("plan_scope_invalid", None)}),
        ({"role": "hr", "team": "Platform"}, {"role": ("plan_scope_invalid", None)}),
        ({"criteria": " \n\n"}, {"criteria": ("plan_criteria_missing", None)}),
        ({"criteria": "Delivery | 1\nJust a name"}, {"criteria": ("plan_line_format", 2)}),
        ({"criteria": " | 10"}, {"criteria": ("plan_line_format", 1)}),
        ({"criteria": "Delivery | 0"}, {"criteria": ("plan_weight_invalid", 1)}),
        ({"criteria": "Delivery | -5"}, {"criteria": ("plan_weight_invalid", 1)}),
        ({"criteria": "Delivery | nan"}, {"criteria": ("plan_weight_invalid", 1)}),
        ({"criteria": "Delivery | 1\ndelivery | 2"}, {"criteria": ("plan_line_duplicate", 2)}),
        ({"criteria": "质量 | 1\n质量 | 2"}, {"criteria": ("plan_line_duplicate", 2)}),
        ({"criteria": "D" * 101 + " | 1"}, {"criteria": ("text_too_long", 1)}),
        ({"scale": "1 | Low"}, {"scale": ("plan_scale_invalid", None)}),
        ({"scale": "\n".join(f"{value} | Step {value}" for value in range(11))},
         {"scale": ("plan_scale_invalid", None)}),
        ({"scale": "1 | Low\n2.5 | Mid\n3 | High"}, {"scale": ("plan_scale_invalid", 2)}),
        ({"scale": "1 | Low\n2 |\n3 | High"}, {"scale": ("plan_line_format", 2)}),
        ({"rewards": "5 | 1.5\n6 | 2"}, {"rewards": ("plan_rating_unknown", 2)}),
        ({"rewards": "five | 1.5"}, {"rewards": ("plan_rating_unknown", 1)}),
        ({"rewards": "5"}, {"rewards": ("plan_line_format", 1)}),
        ({"rewards": "5 | 1.5\n5 | 2"}, {"rewards": ("plan_line_duplicate", 2)}),
        ({"rewards": "5 | -1"}, {"rewards": ("plan_reward_invalid", 1)}),
        ({"rewards": "5 | 1.5 | maybe"}, {"rewards": ("plan_reward_invalid", 1)}),
        ({"rewards": "5 | 1.5 | yes | yes | " + "n" * 3001}, {"rewards": ("text_too_long", 1)}),
        ({"improvement_threshold": ""}, {"improvement_threshold": ("plan_threshold_invalid", None)}),
        ({"improvement_threshold": "6"}, {"improvement_threshold": ("plan_threshold_invalid", None)}),
    ],
)
def test_each_error_names_its_field_and_line_and_writes_nothing(session, hr, fields, errors) -> None:
    assert refused(session, hr, new_plan(**fields)) == errors


def test_an_empty_rewards_field_is_a_plan_without_rewards(session, hr) -> None:
    plan = plan_edits.save(session, hr, None, new_plan(rewards="  "), locale="en", now=NOW)

    assert plan.rewards == {}


def test_names_and_scopes_are_one_plan_each(session, hr) -> None:
    everyone = plan_edits.save(session, hr, None, new_plan(), locale="en", now=NOW)
    platform = plan_edits.save(session, hr, None, new_plan(name="Platform", team="Platform"), locale="en", now=NOW)
    managers = plan_edits.save(session, hr, None, new_plan(name="Managers", role="manager"), locale="en", now=NOW)

    assert refused(session, hr, new_plan(name="Everyone", role="hr")) == {"name": ("plan_name_taken", None)}
    assert refused(session, hr, new_plan(name="Org 2")) == {"team": ("plan_scope_taken", None)}
    assert refused(session, hr, new_plan(name="P2", team="Platform")) == {"team": ("plan_scope_taken", None)}
    assert refused(session, hr, new_plan(name="M2", role="manager")) == {"role": ("plan_scope_taken", None)}
    assert refused(session, hr, new_plan(name="Platform", team="Platform"), plan_id=everyone.id) == {
        "name": ("plan_name_taken", None), "team": ("plan_scope_taken", None)}
    # A plan keeps its own name and scope.
    assert plan_edits.save(session, hr, platform.id, new_plan(name="Platform", team="Platform", cycle="monthly"),
                           locale="en", now=LATER).cycle == "monthly"
    assert [plan.name for plan in plan_edits.plans_for_hr(session, hr)] == ["Everyone", "Managers", "Platform"]
    assert managers.role == "manager"


def test_a_stored_plan_the_loader_would_refuse_is_reported_not_crashed_on(session, hr) -> None:
    bad = PerformancePlan(name="Old", criteria=[{"key": "Bad Key", "name": "Old", "description": None, "weight": 1}],
                          rating_scale=[{"value": 1, "label": "Low"}, {"value": 2, "label": "High"}], rewards={},
                          improvement_threshold=1, created_at=NOW, updated_at=NOW)
    session.add(bad)
    session.flush()

    text = plan_edits.as_text(session, hr, bad.id, "en")

    assert refused(session, hr, text, plan_id=bad.id) == {"criteria": ("plan_line_format", None)}


def test_check_plan_reports_problems_with_paths_like_the_loader() -> None:
    with pytest.raises(plans.PlanLoadError) as raised:
        plans.check_plan({"name": "X", "cycle": "weekly", "criteria": [], "rating_scale": [],
                          "improvement_threshold": 1})

    assert [str(error) for error in raised.value.errors] == [
        "plan.cycle: must be one of monthly, quarterly, half-year, yearly",
        "plan.criteria: must be a non-empty list of criteria",
        "plan.rating_scale: must be a non-empty list of ratings",
    ]


# --- who may -----------------------------------------------------------------------------------


@pytest.mark.parametrize("slack_id", ["UMGR1", "UEMP2"])
def test_only_hr_edits_plans_and_others_find_nothing(session, hr, slack_id) -> None:
    plan = plan_edits.save(session, hr, None, new_plan(), locale="en", now=NOW)
    other = person(session, slack_id)

    for call in (
        lambda: plan_edits.plans_for_hr(session, other),
        lambda: plan_edits.as_text(session, other, plan.id, "en"),
        lambda: plan_edits.as_text(session, other, None, "en"),
        lambda: plan_edits.save(session, other, plan.id, new_plan(cycle="monthly"), locale="en", now=LATER),
        lambda: plan_edits.save(session, other, None, new_plan(name="Mine"), locale="en", now=LATER),
    ):
        with pytest.raises(PlanEditError) as raised:
            call()
        assert (raised.value.code, raised.value.errors) == ("not_found", {})
    assert [(p.name, p.cycle) for p in plan_edits.plans_for_hr(session, hr)] == [("Everyone", "quarterly")]
    assert len(edited(session)) == 1


@pytest.mark.parametrize("plan_id", [0, 999_999, 2**40, True])
def test_an_unknown_plan_is_not_found(session, hr, plan_id) -> None:
    for call in (
        lambda: plan_edits.as_text(session, hr, plan_id, "en"),
        lambda: plan_edits.save(session, hr, plan_id, new_plan(), locale="en", now=NOW),
    ):
        with pytest.raises(PlanEditError) as raised:
            call()
        assert raised.value.code == "not_found"
    assert plan_count(session) == 0


def test_hr_who_left_edits_nothing(session, hr) -> None:
    hr.active = False
    with pytest.raises(PlanEditError) as raised:
        plan_edits.save(session, hr, None, new_plan(), locale="en", now=NOW)
    assert raised.value.code == "not_found"


def test_error_codes_are_listed_once() -> None:
    assert len(set(plan_edits.ERROR_CODES)) == len(plan_edits.ERROR_CODES)
