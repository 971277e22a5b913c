"""Render a message template or a short label in a person's locale."""

from __future__ import annotations

import re
from datetime import date, datetime
from functools import cache, partial
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined

TEMPLATES = Path(__file__).parent / "templates"
LOCALES = ("en", "zh-CN")
LABELS = "labels.j2"


def mrkdwn_escape(value: object) -> str:
    """Escape what Slack mrkdwn decodes (only &, < and >), so user text shows exactly as typed."""
    return str(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
ISO_WEEK = re.compile(r"(\d{4})-W(\d{2})")


def _day_of(value: object) -> date | None:
    """Return a date from a date, a datetime (already in the reader's zone) or ISO text; None for anything else."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value.strip()).date()
        except ValueError:
            return None
    return None


def format_date(value: object, locale: str) -> str:
    """Show a date as its reader writes it: "May 29, 2027" in English, "2027年5月29日" in Chinese.

    Text that is not a date (already formatted, or empty) is returned as it is, so a template may pass every
    date through the filter whatever its caller handed in.
    """
    day = _day_of(value)
    if day is None:
        return "" if value is None else str(value)
    if locale == "zh-CN":
        return f"{day.year}年{day.month}月{day.day}日"
    return f"{MONTHS[day.month - 1]} {day.day}, {day.year}"


def week_start(week: str) -> date | None:
    """Return the Monday of an ISO week such as 2026-W41, or None when the text is not one."""
    match = ISO_WEEK.fullmatch(str(week).strip())
    if not match:
        return None
    try:
        return date.fromisocalendar(int(match[1]), int(match[2]), 1)
    except ValueError:
        return None


def format_week_start(value: object, locale: str) -> str:
    """Show the Monday a week starts on, without the year: "Oct 5" or "10月5日"."""
    monday = week_start(str(value))
    if monday is None:
        return str(value)
    return f"{monday.month}月{monday.day}日" if locale == "zh-CN" else f"{MONTHS[monday.month - 1]} {monday.day}"


def format_week(value: object, locale: str) -> str:
    """Show an ISO week as people say it: "week of Oct 5" or "10月5日那一周" (ids and citations keep 2026-W41)."""
    if week_start(str(value)) is None:
        return str(value)
    shown = format_week_start(value, locale)
    return f"{shown}那一周" if locale == "zh-CN" else f"week of {shown}"


@cache
def _environment(locale: str) -> Environment:
    if locale not in LOCALES:
        raise ValueError(f"unsupported locale {locale!r}")
    env = Environment(
        loader=FileSystemLoader(TEMPLATES / locale),
        undefined=StrictUndefined,
        autoescape=False,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
        # Templates ship with the code and do not change while it runs: no stat() of the file on every render.
        auto_reload=False,
    )
    env.filters["e"] = mrkdwn_escape
    env.filters["date"] = partial(format_date, locale=locale)
    env.filters["week"] = partial(format_week, locale=locale)
    env.filters["week_start"] = partial(format_week_start, locale=locale)
    return env


def render(template: str, locale: str, /, **context: object) -> str:
    """Render templates/<locale>/<name>.md.j2; user-supplied text must pass through `| e`."""
    return _environment(locale).get_template(f"{template}.md.j2").render(**context).strip()


def label(key: str, locale: str, /, **context: object) -> str:
    """Return one short label (a button, a title, a field name) from labels.j2."""
    macro = getattr(_environment(locale).get_template(LABELS).module, key)
    return str(macro(**context)).strip()


def compile_templates() -> None:
    """Compile every template and the labels of every locale now (a server does it before its first answer)."""
    for locale in LOCALES:
        environment = _environment(locale)
        for name in template_names(locale):
            environment.get_template(f"{name}.md.j2")
        environment.get_template(LABELS).module  # noqa: B018 - the macros module is built on first use


def template_names(locale: str) -> list[str]:
    """List the message templates of a locale (without the .md.j2 suffix)."""
    return sorted(p.name.removesuffix(".md.j2") for p in (TEMPLATES / locale).glob("*.md.j2"))


def label_names(locale: str) -> list[str]:
    """List the label macros of a locale."""
    module = _environment(locale).get_template(LABELS).module
    return sorted(name for name in dir(module) if not name.startswith("_"))
