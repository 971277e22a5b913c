"""A sample context for every message template, so a missing variable or translation fails a test."""

SAMPLES: dict[str, dict] = {
    "checkin_help": {},
    "goal_help": {},
    "something_went_wrong": {},
    "unknown_person": {"hr_names": ["Grace Hopper", "王芳"]},
    "unknown_subcommand": {"command": "/goal", "text": "frobnicate <&>"},
}
