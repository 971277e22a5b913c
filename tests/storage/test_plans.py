"""Performance plans: loaded from YAML with every problem reported at once, and the right one found per person."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import select

from storage.models import AuditEvent, PerformancePlan, Team
from storage.plans import (
    DEFAULT_PLAN,
    PlanError,
    PlanLoadError,
    load_plans,
    localized,
    parse_plans,
    plan_for,
    rating_label,
    reward_for,
)
from tests.builders import load_org, person

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "plans.yaml"


def plan_yaml(name: str = "Platform plan", scope: str = "team: Platform", cycle: str = "quarterly",
              weights: tuple[int, int] = (3, 1)) -> str:
    return f"""
  - name: {name}
    {scope}
    cycle: {cycle}
    criteria:
      - {{key: delivery, name: {{en: Delivery, zh-CN: 交付}}, weight: {weights[0]}}}
      - {{key: teamwork, name: Teamwork, description: Helps others, weight: {weights[1]}}}
    rating_scale:
      - {{value: 1, label: {{en: Low, zh-CN: 低}}}}
      - {{value: 2, label: Middle}}
      - {{value: 3, label: {{en: High, zh-CN: 高}}}}
    rewards:
      3: {{bonus_multiplier: 1.3, promotion_eligible: true, certificate: true}}
    improvement_threshold: 2
"""


def plans_file(*plans: str) -> str:
    return "plans:" + "".join(plans)


def errors_of(text: str) -> list[str]:
    with pytest.raises(PlanLoadError) as raised:
        parse_plans(text)
    assert str(raised.value) == "\n".join(str(error) for error in raised.value.errors)
    return [str(error) for error in raised.value.errors]


def test_the_example_file_loads_with_its_three_plans(session):
    session.add_all([Team(name=name, created_at=NOW) for name in ("Assembly", "Research", "Support")])
    session.flush()

    created, updated = load_plans(session, EXAMPLE.read_text(encoding="utf-8"), now=NOW)
    session.commit()

    assert created == ["Assembly line", "Research", "Customer service"] and updated == []
    stored = {plan.name: plan for plan in session.exec(select(PerformancePlan))}
    assert {name: plan.cycle for name, plan in stored.items()} == {
        "Assembly line": "monthly", "Research": "yearly", "Customer service": "quarterly"}
    service = stored["Customer service"]
    assert [criterion["key"] for criterion in service.criteria] == ["calls_handled", "satisfaction", "resolution"]
    assert service.criteria[1]["name"] == {"en": "Customer satisfaction", "zh-CN": "客户满意度"}
    assert [criterion["key"] for criterion in stored["Assembly line"].criteria] == ["output", "quality", "safety"]
    events = session.exec(select(AuditEvent).where(AuditEvent.action == "plan.loaded")).all()
    assert sorted(event.detail["name"] for event in events) == sorted(stored)


def test_the_default_plan_applies_when_no_plans_are_loaded(sessions, session):
    load_org(sessions, now=NOW)
    alan = person(session, "UEMP1")

    plan = plan_for(session, alan)

    assert plan["name"] == "Default" and plan["cycle"] == "quarterly" and plan["improvement_threshold"] == 2
    assert {criterion["key"]: criterion["weight"] for criterion in plan["criteria"]} == pytest.approx(
        {"results": 0.5, "quality": 0.2, "collaboration": 0.15, "ownership": 0.15})
    assert rating_label(plan, 1, "zh-CN") == "未达预期" and rating_label(plan, 5, "en") == "Outstanding"
    assert reward_for(plan, 5) == {"bonus_multiplier": 1.5, "promotion_eligible": True, "certificate": True}
    plan["criteria"][0]["weight"] = 99  # a copy: the default itself is untouched
    assert DEFAULT_PLAN["criteria"][0]["weight"] == 50


def test_a_team_plan_beats_a_role_plan_which_beats_an_org_wide_plan(sessions, session):
    load_org(sessions, now=NOW)
    text = plans_file(
        plan_yaml("Platform plan", "team: Platform"),
        plan_yaml("Managers", "role: manager", cycle="half-year"),
        plan_yaml("Everyone", "", cycle="yearly"),
    )
    assert load_plans(session, text, now=NOW) == (["Platform plan", "Managers", "Everyone"], [])
    session.commit()

    assert plan_for(session, person(session, "UMGR1"))["name"] == "Platform plan"  # Platform manager: team wins
    assert plan_for(session, person(session, "UEMP1"))["name"] == "Platform plan"
    grace = person(session, "UHR1")  # People team, no team plan; HR, no role plan
    assert plan_for(session, grace)["name"] == "Everyone"
    grace.role = "manager"
    assert plan_for(session, grace)["name"] == "Managers"
    assert plan_for(session, grace)["cycle"] == "half-year"


def test_weights_are_normalised_to_shares_that_sum_to_one(sessions, session):
    load_org(sessions, now=NOW)
    load_plans(session, plans_file(plan_yaml(weights=(3, 1))), now=NOW)

    plan = plan_for(session, person(session, "UEMP2"))

    assert [criterion["weight"] for criterion in plan["criteria"]] == pytest.approx([0.75, 0.25])
    assert sum(criterion["weight"] for criterion in plan["criteria"]) == pytest.approx(1.0)
    assert plan["rewards"] == {3: {"bonus_multiplier": 1.3, "promotion_eligible": True, "certificate": True}}
    stored = session.exec(select(PerformancePlan)).one()
    assert [criterion["weight"] for criterion in stored.criteria] == [3, 1]  # as HR wrote them


def test_every_validation_error_is_reported_with_its_path_in_one_error():
    text = """
plans:
  - name: Line
    team: Assembly
    role: employee
    cycle: weekly
    criteria:
      - {key: Output!, name: Output, weight: 0}
      - {key: quality, name: {en: Quality, fr: Qualité}, weight: ten}
      - {key: quality, name: Quality again, weight: 1, wieght: 2}
    rating_scale:
      - {value: 2, label: Good}
      - {value: 1}
    rewards:
      7: {bonus_multiplier: -1}
      2: {certificate: maybe, cash: 100}
    improvement_threshold: 4
    reviewers: everyone
  - name: Line
    role: boss
    cycle: monthly
    criteria: []
    rating_scale: [{value: 1, label: Only}]
    improvement_threshold: 1
  - cycle: yearly
"""
    assert errors_of(text) == [
        "plans[0].reviewers: unknown key (did you mean 'rewards'?)",
        "plans[0]: give either team or role, not both (neither: the whole org)",
        "plans[0].cycle: must be one of monthly, quarterly, half-year, yearly",
        "plans[0].criteria[0].key: must be lowercase letters, digits and _ (like customer_satisfaction)",
        "plans[0].criteria[0].weight: must be a number above 0",
        "plans[0].criteria[1].name.fr: unsupported locale (use en or zh-CN)",
        "plans[0].criteria[1].weight: must be a number above 0",
        "plans[0].criteria[2].wieght: unknown key (did you mean 'weight'?)",
        "plans[0].criteria[2].key: 'quality' is already the key of plans[0].criteria[1]",
        "plans[0].rating_scale[1].label: required",
        "plans[0].rating_scale[1].value: must be above the rating before it (2): list them ascending",
        "plans[0].rewards[7]: is not a rating of the scale (2, 1)",
        "plans[0].rewards[7].bonus_multiplier: must be a number of at least 0",
        "plans[0].rewards[2].cash: unknown key (use bonus_multiplier, promotion_eligible, certificate, note)",
        "plans[0].rewards[2].certificate: must be true or false",
        "plans[0].improvement_threshold: must be a value of the rating scale (2, 1)",
        "plans[1].role: must be one of employee, manager, hr, admin",
        "plans[1].criteria: must be a non-empty list of criteria",
        "plans[1].rating_scale: must have 2 to 10 ratings, not 1",
        "plans[2].name: required",
        "plans[2].criteria: required",
        "plans[2].rating_scale: required",
        "plans[2].improvement_threshold: required",
    ]


def test_duplicate_names_and_scopes_in_one_file_are_errors():
    text = plans_file(plan_yaml("Same"), plan_yaml("Same", "team: Other"), plan_yaml("Again", "team: Platform"))

    assert errors_of(text) == [
        "plans[1].name: 'Same' is already the name of plans[0]",
        "plans[2].team: team 'Platform' already has plans[0]",
    ]


def test_the_file_itself_must_hold_a_plans_list():
    assert errors_of("") == ["plans: required: the file must hold a top-level `plans:` list"]
    assert errors_of("plan: []\n") == [
        "plan: unknown key (did you mean 'plans'?)",
        "plans: required",
    ]
    assert errors_of("- just a list\n") == ["must be a mapping with the keys plans"]


def test_a_yaml_syntax_error_is_reported_with_its_line_number():
    text = "plans:\n  - name: Line\n    cycle: monthly\n   criteria: [\n"
    with pytest.raises(PlanLoadError) as raised:
        parse_plans(text)
    [error] = raised.value.errors
    assert error.line == 4
    assert str(error).startswith("YAML syntax error on line 4")


def test_a_key_given_twice_is_a_syntax_error_not_a_silent_overwrite():
    text = "plans:\n  - name: Line\n    cycle: monthly\n    cycle: yearly\n"
    with pytest.raises(PlanLoadError) as raised:
        parse_plans(text)
    [error] = raised.value.errors
    assert error.line == 4 and "found the key 'cycle' twice" in str(error)


def test_an_unknown_team_is_an_error_and_nothing_is_written(sessions, session):
    load_org(sessions, now=NOW)
    text = plans_file(plan_yaml("Everyone", ""), plan_yaml("Ghosts", "team: Ghost Team"))

    with pytest.raises(PlanLoadError) as raised:
        load_plans(session, text, now=NOW)

    assert raised.value.errors == [PlanError("plans[1].team", "unknown team 'Ghost Team'")]
    assert session.exec(select(PerformancePlan)).all() == []
    assert session.exec(select(AuditEvent).where(AuditEvent.action == "plan.loaded")).all() == []


def test_reloading_updates_plans_instead_of_duplicating_them(sessions, session):
    load_org(sessions, now=NOW)
    load_plans(session, plans_file(plan_yaml(), plan_yaml("Everyone", "")), now=NOW)
    session.commit()
    later = NOW + timedelta(days=30)

    again = load_plans(session, plans_file(plan_yaml(cycle="monthly"), plan_yaml("Everyone", "")), now=later)
    session.commit()

    assert again == ([], ["Platform plan"])  # "Everyone" is unchanged: neither created nor updated
    stored = {plan.name: plan for plan in session.exec(select(PerformancePlan))}
    assert sorted(stored) == ["Everyone", "Platform plan"]
    assert stored["Platform plan"].cycle == "monthly" and stored["Platform plan"].updated_at == later
    assert stored["Platform plan"].created_at == NOW and stored["Everyone"].updated_at == NOW
    events = session.exec(select(AuditEvent).where(AuditEvent.action == "plan.loaded").order_by(AuditEvent.id)).all()
    assert [(event.detail["name"], event.detail["created"]) for event in events] == [
        ("Platform plan", True), ("Everyone", True), ("Platform plan", False)]
    assert events[-1].detail["changed"] == ["cycle"]


def test_a_second_plan_for_a_scope_already_covered_by_a_stored_plan_is_refused(sessions, session):
    load_org(sessions, now=NOW)
    load_plans(session, plans_file(plan_yaml("Platform plan")), now=NOW)
    session.commit()

    with pytest.raises(PlanLoadError) as raised:
        load_plans(session, plans_file(plan_yaml("Platform 2027")), now=NOW)

    assert [str(error) for error in raised.value.errors] == [
        "plans[0].team: team 'Platform' already has the plan 'Platform plan' (use that name to update it)"]


def test_localized_picks_the_locale_then_english_then_the_first():
    assert localized("Quality", "zh-CN") == "Quality"
    assert localized({"en": "Quality", "zh-CN": "质量"}, "zh-CN") == "质量"
    assert localized({"en": "Quality", "zh-CN": "质量"}, "en") == "Quality"
    assert localized({"en": "Quality", "zh-CN": "质量"}, "en-GB") == "Quality"
    assert localized({"en": "Quality", "zh-CN": "质量"}, "fr") == "Quality"
    assert localized({"zh-CN": "质量"}, "en") == "质量"


def test_rating_label_and_reward_for_read_the_plan():
    [plan] = parse_plans(plans_file(plan_yaml()))

    assert rating_label(plan, 1, "zh-CN") == "低"
    assert rating_label(plan, 2, "zh-CN") == "Middle"
    assert rating_label(plan, 3, "en") == "High"
    assert rating_label(plan, 9, "en") is None
    assert reward_for(plan, 3) == {"bonus_multiplier": 1.3, "promotion_eligible": True, "certificate": True}
    assert reward_for(plan, 1) == {}
    assert reward_for(DEFAULT_PLAN, 1) == {"bonus_multiplier": 0.0, "promotion_eligible": False, "certificate": False}
