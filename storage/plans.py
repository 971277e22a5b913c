"""Performance plans: per team, role or the whole org, the review cycle, the weighted criteria, the rating
scale, the rewards each rating leads to and the rating below which an improvement plan is suggested.

HR writes plans as YAML (`checkin-bot plans load FILE.yaml`); every name, description and label may be plain
text or a mapping of locale to text (`{en: Quality, zh-CN: 质量}`). Rewards are recorded and told, never paid.
"""

from __future__ import annotations

import copy
import difflib
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import yaml
from sqlmodel import Session, col, select

from storage import audit
from storage.models import PerformancePlan, Person, Role, Team
from storage.org import normalize_locale

CYCLES = ("monthly", "quarterly", "half-year", "yearly")
ROLES = tuple(role.value for role in Role)
LOCALES = ("en", "zh-CN")
SCALE_MIN, SCALE_MAX = 2, 10
ESCALATE_MIN, ESCALATE_MAX = 1, 10  # working days before an unanswered blocker goes to the skip-level
NAME_MAX = PerformancePlan.__table__.c["name"].type.length
TEAM_MAX = Team.__table__.c["name"].type.length
_KEY = re.compile(r"[a-z0-9_]+")

_TOP_KEYS = ("plans",)
_PLAN_KEYS = ("name", "team", "role", "cycle", "criteria", "rating_scale", "rewards", "improvement_threshold",
              "escalate_after_days")
_CRITERION_KEYS = ("key", "name", "description", "weight")
_SCALE_KEYS = ("value", "label", "description")
_REWARD_KEYS = ("bonus_multiplier", "promotion_eligible", "certificate", "note")
# What a stored plan is compared on to tell an update from a re-load of the same file.
_CONTENT = ("team_id", "role", "cycle", "criteria", "rating_scale", "rewards", "improvement_threshold",
            "escalate_after_days")


# --- errors ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PlanError:
    path: str  # "plans[1].criteria[0].weight"; empty for a problem with the file as a whole
    message: str
    line: int | None = None  # set for YAML syntax errors

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


class PlanLoadError(ValueError):
    """The plans file has problems; nothing was written. `errors` holds every one of them."""

    def __init__(self, errors: list[PlanError]) -> None:
        self.errors = list(errors)
        super().__init__("\n".join(str(error) for error in self.errors))


# --- words in two languages ----------------------------------------------------------------------


def localized(value: str | dict | None, locale: str | None) -> str:
    """Return the text for `locale`: a mapping gives its entry for the locale (`en-GB` finds `en`),
    else its English, else its first; plain text is the same in every locale."""
    if value is None:
        return ""
    if not isinstance(value, dict):
        return str(value)
    for candidate in (locale, normalize_locale(locale), "en"):
        if candidate and value.get(candidate):
            return value[candidate]
    return next((text for text in value.values() if text), "")


def _words(en: str, zh: str) -> dict[str, str]:
    return {"en": en, "zh-CN": zh}


DEFAULT_PLAN: dict[str, Any] = {
    "name": "Default",
    "team": None,
    "role": None,
    "cycle": "quarterly",
    "criteria": [
        {
            "key": "results",
            "name": _words("Results", "成果"),
            "description": _words("Results against goals", "目标达成情况"),
            "weight": 50,
        },
        {
            "key": "quality",
            "name": _words("Quality", "质量"),
            "description": _words("Work that is right the first time and holds up", "工作一次做对、经得起检验"),
            "weight": 20,
        },
        {
            "key": "collaboration",
            "name": _words("Collaboration", "协作"),
            "description": _words("Helps others and works well across teams", "乐于助人，跨团队合作顺畅"),
            "weight": 15,
        },
        {
            "key": "ownership",
            "name": _words("Ownership", "主人翁精神"),
            "description": _words("Takes responsibility and follows through", "勇于担当，善始善终"),
            "weight": 15,
        },
    ],
    "rating_scale": [
        {"value": 1, "label": _words("Below expectations", "未达预期")},
        {"value": 2, "label": _words("Partially meets expectations", "部分达到预期")},
        {"value": 3, "label": _words("Meets expectations", "达到预期")},
        {"value": 4, "label": _words("Exceeds expectations", "超出预期")},
        {"value": 5, "label": _words("Outstanding", "卓越")},
    ],
    "rewards": {
        5: {"bonus_multiplier": 1.5, "promotion_eligible": True, "certificate": True},
        4: {"bonus_multiplier": 1.2, "promotion_eligible": True, "certificate": False},
        3: {"bonus_multiplier": 1.0, "promotion_eligible": False, "certificate": False},
        2: {"bonus_multiplier": 0.5, "promotion_eligible": False, "certificate": False},
        1: {"bonus_multiplier": 0.0, "promotion_eligible": False, "certificate": False},
    },
    "improvement_threshold": 2,
    "escalate_after_days": None,  # the organisation's setting
}


# --- parsing -----------------------------------------------------------------------------------


class _StrictLoader(yaml.SafeLoader):
    """Safe YAML that refuses a key given twice in one mapping: the second would silently win."""


def _construct_mapping(loader: _StrictLoader, node: yaml.MappingNode, deep: bool = False) -> dict:
    loader.flatten_mapping(node)
    seen: set[Any] = set()
    for key_node, _value_node in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if isinstance(key, (dict, list)):
            continue  # reported later as a bad key; unhashable here
        if key in seen:
            raise yaml.constructor.ConstructorError(
                "while reading a mapping", node.start_mark, f"found the key {key!r} twice", key_node.start_mark
            )
        seen.add(key)
    return loader.construct_mapping(node, deep=deep)


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _read_yaml(text: str) -> Any:
    try:
        return yaml.load(text, Loader=_StrictLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        where = f" on line {line}, column {mark.column + 1}" if mark else ""
        problem = " ".join(filter(None, [exc.context, exc.problem])) or "unreadable"
        raise PlanLoadError([PlanError("", f"YAML syntax error{where}: {problem}", line)]) from exc
    except yaml.YAMLError as exc:
        raise PlanLoadError([PlanError("", f"YAML syntax error: {exc}")]) from exc


class _Checker:
    """Collects every problem with a plans file, each with its path."""

    def __init__(self) -> None:
        self.errors: list[PlanError] = []

    def error(self, path: str, message: str) -> None:
        self.errors.append(PlanError(path, message))

    def mapping(self, path: str, value: Any, allowed: tuple[str, ...], required: tuple[str, ...]) -> dict | None:
        """Check `value` is a mapping with no unknown keys and every required one; None when not a mapping."""
        if not isinstance(value, dict):
            self.error(path, f"must be a mapping with the keys {', '.join(allowed)}")
            return None
        for key in value:
            if key not in allowed:
                close = difflib.get_close_matches(str(key), allowed, n=1)
                hint = f"did you mean '{close[0]}'?" if close else f"use {', '.join(allowed)}"
                self.error(_join(path, str(key)), f"unknown key ({hint})")
        for key in required:
            if value.get(key) is None:
                self.error(_join(path, key), "required")
        return value

    def text(self, path: str, value: Any, *, max_length: int | None = None) -> str | None:
        if not isinstance(value, str) or not value.strip():
            self.error(path, "must be non-empty text")
            return None
        if max_length is not None and len(value.strip()) > max_length:
            self.error(path, f"must be at most {max_length} characters")
            return None
        return value.strip()

    def words(self, path: str, value: Any) -> str | dict | None:
        """Plain text, or a mapping of locale (en, zh-CN) to text."""
        if isinstance(value, dict):
            if not value:
                self.error(path, f"must give the text for at least one of {', '.join(LOCALES)}")
                return None
            result = {}
            for locale, text in value.items():
                if locale not in LOCALES:
                    self.error(_join(path, str(locale)), f"unsupported locale (use {' or '.join(LOCALES)})")
                elif (checked := self.text(_join(path, locale), text)) is not None:
                    result[locale] = checked
            return result if len(result) == len(value) else None
        if isinstance(value, str) and value.strip():
            return value.strip()
        self.error(path, f"must be text or a mapping of {' and '.join(LOCALES)} to text")
        return None

    def number(self, path: str, value: Any, *, above: float | None = None, at_least: float | None = None) -> Any:
        is_number = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
        if above is not None and not (is_number and value > above):
            self.error(path, f"must be a number above {above:g}")
            return None
        if at_least is not None and not (is_number and value >= at_least):
            self.error(path, f"must be a number of at least {at_least:g}")
            return None
        return value

    def flag(self, path: str, value: Any) -> bool | None:
        if not isinstance(value, bool):
            self.error(path, "must be true or false")
            return None
        return value

    def items(self, path: str, value: Any, what: str) -> list:
        if not isinstance(value, list) or not value:
            self.error(path, f"must be a non-empty list of {what}")
            return []
        return value


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def parse_plans(text: str) -> list[dict]:
    """Read a plans file, raising PlanLoadError with every problem at once (YAML syntax errors alone)."""
    document = _read_yaml(text)
    checker = _Checker()
    if document is None:
        checker.error("plans", "required: the file must hold a top-level `plans:` list")
        raise PlanLoadError(checker.errors)
    top = checker.mapping("", document, _TOP_KEYS, ("plans",))
    entries = checker.items("plans", top.get("plans"), "plans") if top is not None and "plans" in top else []
    plans = []
    first_names: dict[str, int] = {}
    first_scopes: dict[tuple[str, str | None], int] = {}
    for index, entry in enumerate(entries):
        plan = _parse_plan(checker, f"plans[{index}]", entry)
        if plan is None:
            continue
        path = f"plans[{index}]"
        name_at = first_names.setdefault(plan["name"], index)
        if name_at != index:
            checker.error(f"{path}.name", f"'{plan['name']}' is already the name of plans[{name_at}]")
        scope = _scope(plan)
        scope_at = first_scopes.setdefault(scope, index)
        if scope_at != index:
            checker.error(_scope_path(path, plan), f"{_describe_scope(plan)} already has plans[{scope_at}]")
        plans.append(plan)
    if checker.errors:
        raise PlanLoadError(checker.errors)
    return plans


def check_plan(entry: dict) -> dict:
    """Check one plan given as a mapping, exactly as one entry of a plans file, and return it as load_plans
    would store it; PlanLoadError (paths under `plan`) when it has problems."""
    checker = _Checker()
    plan = _parse_plan(checker, "plan", entry)
    if checker.errors or plan is None:
        raise PlanLoadError(checker.errors)
    return plan


def _scope(plan: dict) -> tuple[str, str | None]:
    if plan.get("team"):
        return ("team", plan["team"])
    if plan.get("role"):
        return ("role", plan["role"])
    return ("org", None)


def _scope_path(path: str, plan: dict) -> str:
    kind = _scope(plan)[0]
    return f"{path}.{kind}" if kind != "org" else path


def _describe_scope(plan: dict) -> str:
    kind, value = _scope(plan)
    return {"team": f"team '{value}'", "role": f"role {value}", "org": "the whole org"}[kind]


def _parse_plan(checker: _Checker, path: str, entry: Any) -> dict | None:
    before = len(checker.errors)
    required = ("name", "cycle", "criteria", "rating_scale", "improvement_threshold")
    raw = checker.mapping(path, entry, _PLAN_KEYS, required)
    if raw is None:
        return None
    name = checker.text(f"{path}.name", raw["name"], max_length=NAME_MAX) if raw.get("name") is not None else None
    team = role = None
    if raw.get("team") is not None and raw.get("role") is not None:
        checker.error(path, "give either team or role, not both (neither: the whole org)")
    elif raw.get("team") is not None:
        team = checker.text(f"{path}.team", raw["team"], max_length=TEAM_MAX)
    elif raw.get("role") is not None:
        role = raw["role"].strip().lower() if isinstance(raw["role"], str) else raw["role"]
        if role not in ROLES:
            checker.error(f"{path}.role", f"must be one of {', '.join(ROLES)}")
    cycle = raw.get("cycle")
    if cycle is not None and cycle not in CYCLES:
        checker.error(f"{path}.cycle", f"must be one of {', '.join(CYCLES)}")
    criteria = _given(raw, "criteria", lambda value: _parse_criteria(checker, f"{path}.criteria", value)) or []
    scale = _given(raw, "rating_scale", lambda value: _parse_scale(checker, f"{path}.rating_scale", value)) or []
    values = [step["value"] for step in scale]
    rewards = _parse_rewards(checker, f"{path}.rewards", raw.get("rewards"), values)
    threshold = raw.get("improvement_threshold")
    if threshold is not None and values and (isinstance(threshold, bool) or threshold not in values):
        checker.error(f"{path}.improvement_threshold", f"must be a value of the rating scale ({_listed(values)})")
    escalate = raw.get("escalate_after_days")
    if escalate is not None and not valid_escalation_days(escalate):
        checker.error(f"{path}.escalate_after_days",
                      f"must be a whole number of working days from {ESCALATE_MIN} to {ESCALATE_MAX}")
    if len(checker.errors) > before:
        return None
    return {
        "name": name,
        "team": team,
        "role": role,
        "cycle": cycle,
        "criteria": criteria,
        "rating_scale": scale,
        "rewards": rewards,
        "improvement_threshold": threshold,
        "escalate_after_days": escalate,
    }


def valid_escalation_days(value: Any) -> bool:
    """Answer whether `value` is a plan's escalation delay: whole working days from ESCALATE_MIN to ESCALATE_MAX."""
    return isinstance(value, int) and not isinstance(value, bool) and ESCALATE_MIN <= value <= ESCALATE_MAX


def _given(raw: dict, key: str, check: Callable[[Any], Any]) -> Any:
    """Check `raw[key]` when given; a missing key is reported once, as required, by _Checker.mapping."""
    return check(raw[key]) if raw.get(key) is not None else None


def _listed(values: list[int]) -> str:
    return ", ".join(str(value) for value in values)


def _parse_criteria(checker: _Checker, path: str, value: Any) -> list[dict]:
    criteria = []
    first_keys: dict[str, int] = {}
    for index, entry in enumerate(checker.items(path, value, "criteria")):
        here = f"{path}[{index}]"
        raw = checker.mapping(here, entry, _CRITERION_KEYS, ("key", "name", "weight"))
        if raw is None:
            continue
        key = raw.get("key")
        if key is not None:
            if not isinstance(key, str) or not _KEY.fullmatch(key):
                checker.error(f"{here}.key", "must be lowercase letters, digits and _ (like customer_satisfaction)")
            elif (first := first_keys.setdefault(key, index)) != index:
                checker.error(f"{here}.key", f"'{key}' is already the key of {path}[{first}]")
        criterion = {
            "key": key,
            "name": checker.words(f"{here}.name", raw["name"]) if raw.get("name") is not None else None,
            "description": None,
            "weight": None,
        }
        if raw.get("weight") is not None:
            criterion["weight"] = checker.number(f"{here}.weight", raw["weight"], above=0)
        if raw.get("description") is not None:
            criterion["description"] = checker.words(f"{here}.description", raw["description"])
        criteria.append(criterion)
    return criteria


def _parse_scale(checker: _Checker, path: str, value: Any) -> list[dict]:
    entries = checker.items(path, value, "ratings")
    if entries and not SCALE_MIN <= len(entries) <= SCALE_MAX:
        checker.error(path, f"must have {SCALE_MIN} to {SCALE_MAX} ratings, not {len(entries)}")
    scale = []
    previous: int | None = None
    for index, entry in enumerate(entries):
        here = f"{path}[{index}]"
        raw = checker.mapping(here, entry, _SCALE_KEYS, ("value", "label"))
        if raw is None:
            continue
        rating = raw.get("value")
        if rating is not None:
            if not isinstance(rating, int) or isinstance(rating, bool):
                checker.error(f"{here}.value", "must be a whole number")
                rating = None
            elif previous is not None and rating <= previous:
                checker.error(f"{here}.value", f"must be above the rating before it ({previous}): list them ascending")
            previous = rating if rating is not None else previous
        label = checker.words(f"{here}.label", raw["label"]) if raw.get("label") is not None else None
        step = {"value": rating, "label": label}
        if raw.get("description") is not None:
            step["description"] = checker.words(f"{here}.description", raw["description"])
        scale.append(step)
    return scale


def _parse_rewards(checker: _Checker, path: str, value: Any, scale: list[int]) -> dict[int, dict]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        checker.error(path, "must map ratings of the scale to their rewards")
        return {}
    rewards = {}
    for key, entry in value.items():
        rating = _rating_key(key)
        here = f"{path}[{key}]"
        if rating is None or (scale and rating not in scale):
            checker.error(here, f"is not a rating of the scale ({_listed(scale)})")
        raw = checker.mapping(here, entry, _REWARD_KEYS, ())
        if raw is None or rating is None:
            continue
        reward: dict[str, Any] = {}
        checks: dict[str, Callable[[str, Any], Any]] = {
            "bonus_multiplier": lambda where, given: checker.number(where, given, at_least=0),
            "promotion_eligible": checker.flag,
            "certificate": checker.flag,
            "note": checker.words,
        }
        for name in _REWARD_KEYS:
            if name in raw:
                reward[name] = checks[name](f"{here}.{name}", raw[name])
        rewards[rating] = reward
    return rewards


def _rating_key(key: Any) -> int | None:
    if isinstance(key, bool):
        return None
    if isinstance(key, int):
        return key
    if isinstance(key, str) and re.fullmatch(r"-?[0-9]+", key.strip()):
        return int(key)
    return None


# --- loading -----------------------------------------------------------------------------------


def load_plans(
    session: Session, text: str, *, now: datetime, actor_id: int | None = None
) -> tuple[list[str], list[str]]:
    """Create or update the file's plans, all or none; return (created names, updated names).

    A plan is matched by name. A plan whose content is already stored as written is in neither list and
    leaves no audit event. The caller commits.
    """
    if now.tzinfo is None:
        raise ValueError("now must be a timezone-aware UTC datetime")
    plans = parse_plans(text)
    teams = {team.name: team.id for team in session.exec(select(Team))}
    stored = {plan.name: plan for plan in session.exec(select(PerformancePlan).order_by(col(PerformancePlan.id)))}
    errors = []
    in_file = {plan["name"] for plan in plans}  # their stored scope is about to be replaced
    for index, plan in enumerate(plans):
        if plan["team"] and plan["team"] not in teams:
            errors.append(PlanError(f"plans[{index}].team", f"unknown team '{plan['team']}'"))
            continue
        team_id = teams.get(plan["team"]) if plan["team"] else None
        for other in stored.values():
            if other.name not in in_file and other.team_id == team_id and other.role == plan["role"]:
                errors.append(PlanError(
                    _scope_path(f"plans[{index}]", plan),
                    f"{_describe_scope(plan)} already has the plan '{other.name}' "
                    f"(use that name to update it)",
                ))
    if errors:
        raise PlanLoadError(errors)
    created, updated = [], []
    for plan in plans:
        row = _row_values(plan, teams)
        existing = stored.get(plan["name"])
        if existing is None:
            record = PerformancePlan(name=plan["name"], created_at=now, updated_at=now, **row)
            session.add(record)
            session.flush()
            created.append(plan["name"])
            changed = list(row)
        else:
            changed = [field for field in _CONTENT if getattr(existing, field) != row[field]]
            if not changed:
                continue
            for field in changed:
                setattr(existing, field, row[field])
            existing.updated_at = now
            session.add(existing)
            session.flush()
            record = existing
            updated.append(plan["name"])
        audit.record(
            session,
            action="plan.loaded",
            entity="performance_plan",
            entity_id=record.id,
            actor_id=actor_id,
            now=now,
            detail={
                "name": plan["name"],
                "created": existing is None,
                "changed": changed,
                "team": plan["team"],
                "role": plan["role"],
                "cycle": plan["cycle"],
            },
        )
    session.flush()
    return created, updated


def _row_values(plan: dict, teams: dict[str, int | None]) -> dict[str, Any]:
    """The plan as stored: raw weights as HR wrote them, rewards keyed by the rating as text (JSON)."""
    return {
        "team_id": teams[plan["team"]] if plan["team"] else None,
        "role": plan["role"],
        "cycle": plan["cycle"],
        "criteria": copy.deepcopy(plan["criteria"]),
        "rating_scale": copy.deepcopy(plan["rating_scale"]),
        "rewards": {str(rating): dict(reward) for rating, reward in plan["rewards"].items()},
        "improvement_threshold": plan["improvement_threshold"],
        "escalate_after_days": plan.get("escalate_after_days"),
    }


# --- which plan applies ------------------------------------------------------------------------


def plan_for(session: Session, person: Person) -> dict:
    """The plan that applies to `person` (see `applicable`), as a plain dict whose criteria weights are normalised
    to sum to 1; the default plan when none does."""
    candidates = select(PerformancePlan).where(
        col(PerformancePlan.team_id).is_(None) | (PerformancePlan.team_id == person.team_id))
    found = applicable(list(session.exec(candidates.order_by(col(PerformancePlan.id)))), person)
    return _as_dict(found, session) if found is not None else resolved(DEFAULT_PLAN)


def applicable(plan_rows: list[PerformancePlan], person: Person) -> PerformancePlan | None:
    """Of these plans (by id), the one for the person's team, else their role's, else the org-wide one."""
    by_team = next((p for p in plan_rows if person.team_id is not None and p.team_id == person.team_id), None)
    by_role = next((p for p in plan_rows if p.team_id is None and person.role and p.role == str(person.role)), None)
    org_wide = next((p for p in plan_rows if p.team_id is None and p.role is None), None)
    return by_team or by_role or org_wide


def escalation_days(plan_rows: list[PerformancePlan], person: Person, *, default: int) -> int:
    """The working days an unanswered blocker of `person` waits before the skip-level hears: their plan's
    (of `plan_rows`, by id, as `applicable` picks it), else `default` (the organisation's setting)."""
    found = applicable(plan_rows, person)
    return found.escalate_after_days if found is not None and found.escalate_after_days else default


def _as_dict(plan: PerformancePlan, session: Session) -> dict:
    team = session.get(Team, plan.team_id) if plan.team_id is not None else None
    return resolved({
        "id": plan.id,
        "name": plan.name,
        "team": team.name if team else None,
        "role": plan.role,
        "cycle": plan.cycle,
        "criteria": plan.criteria,
        "rating_scale": plan.rating_scale,
        "rewards": {int(rating): reward for rating, reward in plan.rewards.items()},
        "improvement_threshold": plan.improvement_threshold,
        "escalate_after_days": plan.escalate_after_days,
    })


def resolved(plan: dict) -> dict:
    """A copy of `plan` ready to use: criteria weights normalised to sum to 1, rewards keyed by int."""
    result = copy.deepcopy(plan)
    result.setdefault("id", None)
    total = sum(criterion["weight"] for criterion in result["criteria"])
    for criterion in result["criteria"]:
        criterion["weight"] = criterion["weight"] / total if total else 0.0
    result["rewards"] = {int(rating): reward for rating, reward in result.get("rewards", {}).items()}
    return result


def rating_label(plan: dict, rating: int, locale: str) -> str | None:
    """The label of `rating` on the plan's scale in `locale`; None when the scale has no such rating."""
    for step in plan["rating_scale"]:
        if step["value"] == rating:
            return localized(step["label"], locale)
    return None


def reward_for(plan: dict, rating: int) -> dict:
    """What `rating` leads to under the plan (bonus multiplier, promotion eligibility, certificate); {} if none."""
    rewards = plan.get("rewards") or {}
    reward = rewards.get(rating, rewards.get(str(rating)))
    return dict(reward) if reward else {}
