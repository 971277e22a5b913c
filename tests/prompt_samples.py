"""A sample context for every message template, so a missing variable or translation fails a test."""

from datetime import date

SAMPLES: dict[str, dict] = {
    "checkin_help": {},
    "goal_help": {},
    "something_went_wrong": {},
    "unknown_person": {"hr_names": ["Grace Hopper", "王芳"]},
    "unknown_subcommand": {"command": "/goal", "text": "frobnicate <&>"},
    "goal_line": {"title": "Raise <throughput>", "level_label": "Team goal", "bar": "▓▓▓░░░░░░░", "percent": 30,
                  "status_label": "on track", "due": "30 Jun 2027", "approval_label": "waiting", "measure": True,
                  "metric": "docs/week", "start": "100", "target": "130", "current": "109", "unit": " docs"},
    "goal_saved": {"title": "T", "proposed": True, "manager": "Ada", "parent": "P"},
    "goal_approval_request": {"owner": "Alan", "parent": "Ship it"},
    "goal_decided": {"approved": False, "decider": "Ada", "title": "T", "comment": "More <detail>", "parent": ""},
    "goal_decision_recorded": {"approved": True, "owner": "Alan", "title": "T", "comment": ""},
    "goal_list_header": {"own": False, "name": "李雷", "count": 50, "shown": 45},
    "goal_list_not_allowed": {},
    "goal_list_who": {},
    "goal_confirm": {"title": "Improve", "warnings": ["no_number", "not_aligned"], "errors": ["bad date"]},
    "goal_history": {"title": "T", "changes": [
        {"at": "1 Dec 2026 09:00", "actor": "Ada", "field": "target_value", "field_label": "Target", "old": "10",
         "new": "12", "reason": "why"},
        {"at": "1 Dec 2026 09:00", "actor": "Ada", "field": "created", "field_label": "", "old": "", "new": "",
         "reason": ""}]},
    "home_intro": {"name": "Ada"},
    "home_page_info": {"first": 1, "last": 20, "total": 120, "counts": [("on track", 100), ("at risk", 20)]},
    "home_nothing": {"what": "goals"},
    "blocker_alert": {"name": "李雷", "week": "2026-W48", "confidence": 2, "blockers": "Waiting on <legal>",
                      "help_needed": "A nudge"},
    "checkin_away": {"until": "1 Dec 2026"},
    "checkin_history": {"own": True, "name": "Alan", "entries": [
        {"week": "2026-W48", "late": True, "confidence": 4, "highlights": "shipped", "blockers": "none",
         "help_needed": "", "goals": [{"title": "Pilots", "value": "4", "status": "on track"}]}]},
    "checkin_reminder": {"name": "Alan", "week": "2026-W48", "follow_up": True},
    "checkin_snoozed": {"at": "27 Nov 2026 17:00"},
    "checkin_thanks": {"name": "Alan", "week": "2026-W48", "created": True, "late": False, "streak": 3,
                       "goals": [{"title": "Pilots", "percent": 40, "status": "on track"}], "told_manager": True,
                       "manager": "Ada"},
    "home_checkins": {"latest": {"week": "2026-W48", "late": False, "confidence": 4}, "streak": 2,
                      "this_week_done": False},
    "manager_reply": {"manager": "Ada", "text": "I'll call legal"},
}

LABEL_SAMPLES: dict[str, dict] = {
    "error_title_too_long": {"limit": 150},
    "date": {"d": date(2027, 6, 30)},
    "checkin_this_week": {"week": "2026-W48"},
    "checkin_last_week": {"week": "2026-W47"},
    "checkin_goal_value": {"title": "Pilots"},
    "reply_text": {"name": "Alan"},
}
