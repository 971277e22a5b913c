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
}

LABEL_SAMPLES: dict[str, dict] = {"error_title_too_long": {"limit": 150}, "date": {"d": date(2027, 6, 30)}}
