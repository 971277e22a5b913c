"""HR edits a performance plan as a few plain text fields, one line per criterion, rating or reward.

The fields, each line's cells split by `|` (the full-width `｜` of Chinese input methods too):

- criteria: `Name | weight | description`; the description is optional. Weights are any positive numbers
  (`40` or `40%`); like a plans file they are shares of their total, not points out of 100.
- scale: `value | label | description`, one line per rating; whole numbers, in any order, 2 to 10 of them.
- rewards: `rating | bonus multiplier | promotion yes/no | certificate yes/no | note`; yes/no also 是/否,
  a blank cell leaves that reward out, the note is optional; a rating of the scale at most once.
- improvement_threshold: a rating of the scale; cycle: one of plans.CYCLES.
- escalate_after_days: the working days an unanswered blocker waits before the skip-level hears (1-10); blank
  keeps the organisation's setting.
- team (a team's name) or role (employee, manager, hr, admin), or neither for a plan for the whole org.

Blank lines are ignored; errors give the 1-based line within their field. Saving stores the plan exactly as
`plans load` stores the same plan written as YAML (storage.plans.check_plan does the final check), so
plan_for and everything after it read edited and loaded plans alike.

Words shown in one locale: a name, label, description or note whose text in that locale was left alone keeps
every language it had; one that was changed is saved as the text typed, for every language. A criterion keeps
its key while its name is kept (in any language), so past answers still match it; a new name gets a new key.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from storage import audit, plans
from storage.db import insert_unless_exists
from storage.models import TEXT_MAX, PerformancePlan, Person, Team
from storage.org import normalize_locale
from storage.permissions import is_hr

FIELDS = ("name", "cycle", "improvement_threshold", "criteria", "scale", "rewards", "team", "role",
          "escalate_after_days")
LABEL_MAX = plans.NAME_MAX  # a criterion's name, a rating's label
KEY_MAX = 40

# PlanEditError codes: NOT_FOUND refuses; INVALID carries field errors, each one of the codes after it.
NOT_FOUND = "not_found"
INVALID = "plan_invalid"
NAME_MISSING = "plan_name_missing"
NAME_TAKEN = "plan_name_taken"
TOO_LONG = "text_too_long"
CYCLE_INVALID = "plan_cycle_invalid"
SCOPE_INVALID = "plan_scope_invalid"  # an unknown team or role, or both given
SCOPE_TAKEN = "plan_scope_taken"  # another plan already covers that team, role or the whole org
LINE_FORMAT = "plan_line_format"  # not the field's `a | b | c` shape
LINE_DUPLICATE = "plan_line_duplicate"  # a criterion name or rating given twice
CRITERIA_MISSING = "plan_criteria_missing"
WEIGHT_INVALID = "plan_weight_invalid"
SCALE_INVALID = "plan_scale_invalid"  # a rating that is not a whole number, or fewer than 2 or more than 10
RATING_UNKNOWN = "plan_rating_unknown"  # a reward for a rating the scale does not have
REWARD_INVALID = "plan_reward_invalid"  # a bonus multiplier below 0 or not a number; not yes or no
THRESHOLD_INVALID = "plan_threshold_invalid"
ESCALATE_INVALID = "plan_escalate_invalid"  # not a whole number of working days from 1 to 10

ERROR_CODES = (
    NOT_FOUND,
    INVALID,
    NAME_MISSING,
    NAME_TAKEN,
    TOO_LONG,
    CYCLE_INVALID,
    SCOPE_INVALID,
    SCOPE_TAKEN,
    LINE_FORMAT,
    LINE_DUPLICATE,
    CRITERIA_MISSING,
    WEIGHT_INVALID,
    SCALE_INVALID,
    RATING_UNKNOWN,
    REWARD_INVALID,
    THRESHOLD_INVALID,
    ESCALATE_INVALID,
)

_YES = {"yes", "y", "true", "是"}
_NO = {"no", "n", "false", "否"}
_SEPARATOR = re.compile(r"[|｜]")
_INTEGER = re.compile(r"-?[0-9]+")
_DECIMAL = re.compile(r"[0-9]+(?:\.[0-9]+)?|\.[0-9]+")
_ID_MAX = 2**31 - 1
_BAD = object()  # a cell that could not be read

Errors = dict[str, tuple[str, int | None]]


class PlanEditError(Exception):
    """A plan edit refused. `code` is NOT_FOUND, or INVALID with `errors`: field -> (code, line), the line
    1-based within that field's text, None for the field as a whole. Nothing was written."""

    def __init__(self, code: str, errors: Errors | None = None) -> None:
        self.code = code
        self.errors: Errors = dict(errors or {})
        super().__init__(f"{code}: {self.errors}" if self.errors else code)


@dataclass(frozen=True)
class PlanText:
    plan_id: int | None  # informational: save() takes the plan to update as its own argument
    name: str
    cycle: str
    improvement_threshold: str
    criteria: str
    scale: str
    rewards: str
    team: str | None
    role: str | None
    escalate_after_days: str | None = None  # blank: the organisation's setting


# --- reading -----------------------------------------------------------------------------------


def plans_for_hr(session: Session, hr: Person) -> list[PerformancePlan]:
    """Every stored plan, by name; HR only (NOT_FOUND for anyone else)."""
    _require_hr(hr)
    return sorted(session.exec(select(PerformancePlan)), key=lambda plan: (plan.name.casefold(), plan.id))


def as_text(session: Session, hr: Person, plan_id: int | None, locale: str) -> PlanText:
    """The plan as the edit form shows it, words in `locale`; plan_id None gives the built-in default plan
    with an empty name, as a starting point for a new one."""
    _require_hr(hr)
    locale = _locale(locale)
    if plan_id is None:
        source = _source(plans.DEFAULT_PLAN)
        name, team, role = "", None, None
    else:
        row = _plan(session, plan_id)
        source = _source(row)
        name, role = row.name, row.role
        team_row = session.get(Team, row.team_id) if row.team_id is not None else None
        team = team_row.name if team_row is not None else None
    return PlanText(
        plan_id=plan_id,
        name=name,
        cycle=source["cycle"],
        improvement_threshold=str(source["improvement_threshold"]),
        criteria="\n".join(_criterion_line(criterion, locale) for criterion in source["criteria"]),
        scale="\n".join(_scale_line(step, locale) for step in source["rating_scale"]),
        rewards="\n".join(_reward_line(rating, reward, locale) for rating, reward in _rewards_in_order(source)),
        team=team,
        role=role,
        escalate_after_days=str(source["escalate_after_days"]) if source["escalate_after_days"] else None,
    )


def _criterion_line(criterion: dict, locale: str) -> str:
    cells = [_shown(criterion["name"], locale), _number(criterion["weight"])]
    description = _shown(criterion.get("description"), locale)
    return " | ".join([*cells, description] if description else cells)


def _scale_line(step: dict, locale: str) -> str:
    cells = [str(step["value"]), _shown(step["label"], locale)]
    description = _shown(step.get("description"), locale)
    return " | ".join([*cells, description] if description else cells)


def _reward_line(rating: int, reward: dict, locale: str) -> str:
    yes, no = ("是", "否") if locale == "zh-CN" else ("yes", "no")

    def flag(key: str) -> str:
        return "" if reward.get(key) is None else (yes if reward[key] else no)

    bonus = reward.get("bonus_multiplier")
    cells = [str(rating), "" if bonus is None else _number(bonus), flag("promotion_eligible"), flag("certificate")]
    cells.append(_shown(reward.get("note"), locale))
    while len(cells) > 2 and not cells[-1]:
        cells.pop()  # "3 | 1", not "3 | 1 |  | "
    return " | ".join(cells)


def _rewards_in_order(source: dict) -> list[tuple[int, dict]]:
    order = {step["value"]: index for index, step in enumerate(source["rating_scale"])}
    return sorted(source["rewards"].items(), key=lambda item: (order.get(item[0], len(order)), item[0]))


def _shown(words: str | dict | None, locale: str) -> str:
    """The words in `locale` as one cell: on one line (YAML may hold several), without the separator."""
    return " ".join(_SEPARATOR.sub("/", plans.localized(words, locale)).split())


def _number(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


# --- saving ------------------------------------------------------------------------------------


def save(session: Session, hr: Person, plan_id: int | None, text: PlanText, *, locale: str,
         now: datetime) -> PerformancePlan:
    """Check every field, then create the plan (plan_id None) or update it; HR only.

    A plan saved unchanged is not written again and leaves no audit event. The caller commits.
    """
    if now.tzinfo is None:
        raise ValueError("now must be a timezone-aware UTC datetime")
    _require_hr(hr)
    locale = _locale(locale)
    existing = _plan(session, plan_id) if plan_id is not None else None
    base = _source(existing if existing is not None else plans.DEFAULT_PLAN)
    errors: Errors = {}
    name = _name(session, errors, text.name, plan_id)
    cycle = (text.cycle or "").strip().lower()
    if cycle not in plans.CYCLES:
        errors["cycle"] = (CYCLE_INVALID, None)
    team_id, team_name, role = _scope(session, errors, text.team, text.role, plan_id)
    criteria = _criteria(errors, text.criteria, base["criteria"], locale)
    scale = _scale(errors, text.scale, base["rating_scale"], locale)
    values = [step["value"] for step in scale] if "scale" not in errors else None
    rewards = _rewards(errors, text.rewards, base["rewards"], values, locale)
    threshold = _integer(text.improvement_threshold)
    if threshold is None or (values is not None and threshold not in values):
        errors["improvement_threshold"] = (THRESHOLD_INVALID, None)
    escalate = _escalation_days(errors, text.escalate_after_days)
    if errors:
        raise PlanEditError(INVALID, errors)

    try:
        plan = plans.check_plan({
            "name": name, "team": team_name, "role": role, "cycle": cycle, "criteria": criteria,
            "rating_scale": scale, "rewards": rewards, "improvement_threshold": threshold,
            "escalate_after_days": escalate,
        })
    except plans.PlanLoadError as exc:  # a gap between the checks above and the loader's: still nothing written
        raise PlanEditError(INVALID, _loader_errors(exc)) from exc
    row = {
        "name": plan["name"],
        "team_id": team_id,
        "role": plan["role"],
        "cycle": plan["cycle"],
        "criteria": plan["criteria"],
        "rating_scale": plan["rating_scale"],
        "rewards": {str(rating): dict(reward) for rating, reward in plan["rewards"].items()},
        "improvement_threshold": plan["improvement_threshold"],
        "escalate_after_days": plan["escalate_after_days"],
    }
    if existing is None:
        # ON CONFLICT DO NOTHING: a concurrent save of the same name loses cleanly instead of with an IntegrityError.
        if not insert_unless_exists(session, PerformancePlan, {**row, "created_at": now, "updated_at": now},
                                    unique=["name"]):
            raise PlanEditError(INVALID, {"name": (NAME_TAKEN, None)})
        record = session.exec(select(PerformancePlan).where(PerformancePlan.name == row["name"])).one()
        changed = list(row)
    else:
        changed = [field for field, value in row.items() if getattr(existing, field) != value]
        if not changed:
            return existing
        for field in changed:
            setattr(existing, field, row[field])
        existing.updated_at = now
        session.add(existing)
        record = existing
    session.flush()
    audit.record(session, action="plan.edited", entity="performance_plan", entity_id=record.id, actor_id=hr.id,
                 now=now, detail={"plan_id": record.id, "criteria": len(row["criteria"]), "created": existing is None,
                                  "changed": changed})
    session.flush()
    return record


def _escalation_days(errors: Errors, text: str | None) -> int | None:
    """The plan's working days before escalating; None (blank) keeps the organisation's setting."""
    if not _folded(text):
        return None
    days = _integer(text)
    if days is None or not plans.valid_escalation_days(days):
        errors["escalate_after_days"] = (ESCALATE_INVALID, None)
        return None
    return days


def _name(session: Session, errors: Errors, text: str | None, plan_id: int | None) -> str:
    name = (text or "").strip()
    if not name:
        errors["name"] = (NAME_MISSING, None)
    elif len(name) > plans.NAME_MAX:
        errors["name"] = (TOO_LONG, None)
    else:
        query = select(PerformancePlan.id).where(PerformancePlan.name == name)
        if plan_id is not None:
            query = query.where(PerformancePlan.id != plan_id)
        if session.exec(query).first() is not None:
            errors["name"] = (NAME_TAKEN, None)
    return name


def _scope(session: Session, errors: Errors, team_text: str | None, role_text: str | None,
           plan_id: int | None) -> tuple[int | None, str | None, str | None]:
    """(team id, team name, role) of the plan's scope; an org-wide plan has neither team nor role."""
    team_name = (team_text or "").strip() or None
    role = (role_text or "").strip().lower() or None
    team_id = None
    if team_name is not None and role is not None:
        errors["role"] = (SCOPE_INVALID, None)
        return None, None, None
    if team_name is not None:
        team = session.exec(select(Team).where(Team.name == team_name)).first()
        if team is None:
            errors["team"] = (SCOPE_INVALID, None)
            return None, None, None
        team_id, team_name = team.id, team.name
    elif role is not None and role not in plans.ROLES:
        errors["role"] = (SCOPE_INVALID, None)
        return None, None, None
    # The same scope rule as plans.load_plans: plan_for would only ever find the first of two.
    query = select(PerformancePlan.id).where(
        col(PerformancePlan.team_id).is_(None) if team_id is None else PerformancePlan.team_id == team_id,
        col(PerformancePlan.role).is_(None) if role is None else PerformancePlan.role == role,
    )
    if plan_id is not None:
        query = query.where(PerformancePlan.id != plan_id)
    if session.exec(query).first() is not None:
        errors["role" if role is not None else "team"] = (SCOPE_TAKEN, None)
    return team_id, team_name, role


def _criteria(errors: Errors, text: str | None, base: list[dict], locale: str) -> list[dict]:
    field = "criteria"
    rows: list[tuple[str, Any, str]] = []
    seen: set[str] = set()
    for line, cells in _lines(text, 3):
        if len(cells) < 2 or not cells[0]:
            _error(errors, field, LINE_FORMAT, line)
            continue
        name, description = cells[0], cells[2] if len(cells) > 2 else ""
        weight = _weight(cells[1])
        if len(name) > LABEL_MAX or len(description) > TEXT_MAX:
            _error(errors, field, TOO_LONG, line)
        elif weight is None:
            _error(errors, field, WEIGHT_INVALID, line)
        elif name.casefold() in seen:
            _error(errors, field, LINE_DUPLICATE, line)
        seen.add(name.casefold())
        rows.append((name, weight, description))
    if not rows:
        _error(errors, field, CRITERIA_MISSING, None)
    if field in errors:
        return []
    taken = {criterion["key"] for criterion in base}  # a removed criterion's key is never reused for another
    matched: list[dict | None] = []
    for name, _, _ in rows:
        unmatched = [criterion for criterion in base if all(criterion is not old for old in matched)]
        matched.append(_same_criterion(name, unmatched, locale))
    used = {old["key"] for old in matched if old is not None}
    criteria = []
    for (name, weight, description), old in zip(rows, matched, strict=True):
        if old is None:
            key = _new_key(name, taken | used)
            used.add(key)
        else:
            key = old["key"]
        criteria.append({
            "key": key,
            "name": _kept(old and old["name"], name, locale),
            "description": _kept(old and old.get("description"), description, locale),
            "weight": weight,
        })
    return criteria


def _same_criterion(name: str, base: list[dict], locale: str) -> dict | None:
    """The stored criterion with this name: in the locale shown first, then in any of its languages."""
    for criterion in base:
        if _shown(criterion["name"], locale).casefold() == name.casefold():
            return criterion
    for criterion in base:
        if name.casefold() in (_shown(text, locale).casefold() for text in _variants(criterion["name"])):
            return criterion
    return None


def _variants(words: str | dict | None) -> list[str]:
    if isinstance(words, dict):
        return [text for text in words.values() if isinstance(text, str)]
    return [words] if isinstance(words, str) else []


def _new_key(name: str, taken: set[str]) -> str:
    """A key for a new criterion: its name as a lowercase ascii slug, else c1, c2… (a Chinese name)."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    slug = re.sub(r"[^a-z0-9]+", "_", ascii_name).strip("_")[:KEY_MAX].strip("_")
    if not slug:
        number = 1
        while f"c{number}" in taken:
            number += 1
        return f"c{number}"
    key, number = slug, 2
    while key in taken:
        key = f"{slug}_{number}"
        number += 1
    return key


def _scale(errors: Errors, text: str | None, base: list[dict], locale: str) -> list[dict]:
    field = "scale"
    steps: dict[int, dict] = {}
    by_value = {step["value"]: step for step in base}
    count = 0
    for line, cells in _lines(text, 3):
        count += 1
        if len(cells) < 2 or not cells[1]:
            _error(errors, field, LINE_FORMAT, line)
            continue
        value, label, description = _integer(cells[0]), cells[1], cells[2] if len(cells) > 2 else ""
        if value is None:
            _error(errors, field, SCALE_INVALID, line)
        elif len(label) > LABEL_MAX or len(description) > TEXT_MAX:
            _error(errors, field, TOO_LONG, line)
        elif value in steps:
            _error(errors, field, LINE_DUPLICATE, line)
        else:
            old = by_value.get(value, {})
            step = {"value": value, "label": _kept(old.get("label"), label, locale)}
            if (kept := _kept(old.get("description"), description, locale)) is not None:
                step["description"] = kept
            steps[value] = step
    if not plans.SCALE_MIN <= count <= plans.SCALE_MAX:
        _error(errors, field, SCALE_INVALID, None)
    return [steps[value] for value in sorted(steps)]


def _rewards(errors: Errors, text: str | None, base: dict[int, dict], scale: list[int] | None,
             locale: str) -> dict[int, dict]:
    field = "rewards"
    rewards: dict[int, dict] = {}
    for line, cells in _lines(text, 5):
        if len(cells) < 2:
            _error(errors, field, LINE_FORMAT, line)
            continue
        rating = _integer(cells[0])
        if rating is None or (scale is not None and rating not in scale):
            _error(errors, field, RATING_UNKNOWN, line)
            continue
        if rating in rewards:
            _error(errors, field, LINE_DUPLICATE, line)
            continue
        cells += [""] * (5 - len(cells))
        reward: dict[str, Any] = {}
        bonus, promotion, certificate = _multiplier(cells[1]), _yes_no(cells[2]), _yes_no(cells[3])
        if any(value is _BAD for value in (bonus, promotion, certificate)):
            _error(errors, field, REWARD_INVALID, line)
        elif len(cells[4]) > TEXT_MAX:
            _error(errors, field, TOO_LONG, line)
        for key, value in (("bonus_multiplier", bonus), ("promotion_eligible", promotion),
                           ("certificate", certificate)):
            if value is not None:
                reward[key] = value
        if (note := _kept(base.get(rating, {}).get("note"), cells[4], locale)) is not None:
            reward["note"] = note
        rewards[rating] = reward
    return rewards


# --- cells -------------------------------------------------------------------------------------


def _lines(text: str | None, cells: int):
    """(1-based line number, stripped cells) of each non-blank line, split into at most `cells` cells."""
    for number, line in enumerate((text or "").splitlines(), start=1):
        if line.strip():
            yield number, [cell.strip() for cell in _SEPARATOR.split(line, maxsplit=cells - 1)]


def _error(errors: Errors, field: str, code: str, line: int | None) -> None:
    errors.setdefault(field, (code, line))  # the first problem of each field, top to bottom


def _folded(text: str | None) -> str:
    return unicodedata.normalize("NFKC", text or "").strip()


def _integer(text: str | None) -> int | None:
    folded = _folded(text)
    return int(folded) if _INTEGER.fullmatch(folded) else None


def _weight(text: str) -> int | float | None:
    folded = _folded(text).removesuffix("%").strip()
    if not _DECIMAL.fullmatch(folded):
        return None
    value = float(folded)
    if not (math.isfinite(value) and value > 0):
        return None
    return int(value) if value.is_integer() else value


def _multiplier(text: str) -> Any:
    """The bonus multiplier (`1.5`, `x1.5`, `1.5倍`); None when blank; _BAD when not a number of at least 0."""
    folded = _folded(text).lower().strip("x×倍 ")
    if not folded:
        return None
    return float(folded) if _DECIMAL.fullmatch(folded) else _BAD


def _yes_no(text: str) -> Any:
    """True or False (yes/no, 是/否); None when blank; _BAD for anything else."""
    folded = _folded(text).lower()
    if not folded:
        return None
    if folded in _YES:
        return True
    if folded in _NO:
        return False
    return _BAD


def _kept(old: str | dict | None, typed: str, locale: str) -> str | dict | None:
    """The stored words when their text in `locale` is what was typed (every language kept), else the text."""
    if old is not None and _shown(old, locale) == typed:
        return old
    return typed or None


# --- helpers -----------------------------------------------------------------------------------


def _source(plan: PerformancePlan | dict) -> dict:
    """The parts of a plan the form shows, rewards keyed by int, from a stored row or a plan dict."""
    get = plan.get if isinstance(plan, dict) else lambda key: getattr(plan, key)
    return {
        "cycle": get("cycle"),
        "criteria": list(get("criteria")),
        "rating_scale": list(get("rating_scale")),
        "rewards": {int(rating): dict(reward) for rating, reward in (get("rewards") or {}).items()},
        "improvement_threshold": get("improvement_threshold"),
        "escalate_after_days": get("escalate_after_days"),
    }


def _loader_errors(exc: plans.PlanLoadError) -> Errors:
    fields = {"rating_scale": "scale"}
    errors: Errors = {}
    for error in exc.errors:
        part = re.split(r"[.\[]", error.path.removeprefix("plan."), maxsplit=1)[0]
        field = fields.get(part, part) if part in (*FIELDS, "rating_scale") else "criteria"
        errors.setdefault(field, (LINE_FORMAT, None))
    return errors


def _plan(session: Session, plan_id: Any) -> PerformancePlan:
    valid = isinstance(plan_id, int) and not isinstance(plan_id, bool) and 0 < plan_id <= _ID_MAX
    plan = session.get(PerformancePlan, plan_id) if valid else None
    if plan is None:
        raise PlanEditError(NOT_FOUND)
    return plan


def _require_hr(person: Person) -> None:
    if not is_hr(person):
        raise PlanEditError(NOT_FOUND)


def _locale(locale: str | None) -> str:
    return normalize_locale(locale) or "en"
