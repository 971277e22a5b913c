"""The getting-started guide: one short message per role, in the person's language."""

from __future__ import annotations

from typing import Any

from prompts.blocks import markdown_message
from prompts.render import label, render
from prompts.review_blocks import localized

CYCLES_SHOWN = 3


def _slot(slot: Any, locale: str) -> str:
    return label("slot", locale, weekday=slot.weekday, at=f"{slot.at:%H:%M}")


def welcome_message(guide: Any, *, name: str, reminder: Any, nudge: Any, digest: Any, locale: str) -> dict:
    """`guide` is storage.welcome.Guide; the slots are the configured weekly send times (WeeklySlot)."""
    plan = guide.plan
    cycles = [{"name": c.name, "self_due": label("date", locale, d=c.self_due),
               "peer_due": label("date", locale, d=c.peer_due), "manager_due": label("date", locale, d=c.manager_due)}
              for c in guide.open_cycles[:CYCLES_SHOWN]]
    text = render(f"welcome_{guide.role}", locale, name=name, plan=localized(plan.get("name"), locale) or "—",
                  cycle=label("plan_cycle", locale, cycle=plan["cycle"]), reports=guide.reports, cycles=cycles,
                  criteria=[localized(c["name"], locale) for c in plan["criteria"]],
                  reminder=_slot(reminder, locale), nudge=_slot(nudge, locale), digest=_slot(digest, locale))
    return markdown_message(text)
