"""Render a message template or a short label in a person's locale."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined

TEMPLATES = Path(__file__).parent / "templates"
LOCALES = ("en", "zh-CN")
LABELS = "labels.j2"


def mrkdwn_escape(value: object) -> str:
    """Escape what Slack mrkdwn decodes (only &, < and >), so user text shows exactly as typed."""
    return str(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


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
    return env


def render(template: str, locale: str, /, **context: object) -> str:
    """Render templates/<locale>/<name>.md.j2; user-supplied text must pass through `| e`."""
    return _environment(locale).get_template(f"{template}.md.j2").render(**context).strip()


def label(key: str, locale: str, /, **context: object) -> str:
    """Return one short label (a button, a title, a field name) from labels.j2."""
    macro = getattr(_environment(locale).get_template(LABELS).module, key)
    return str(macro(**context)).strip()


def template_names(locale: str) -> list[str]:
    """List the message templates of a locale (without the .md.j2 suffix)."""
    return sorted(p.name.removesuffix(".md.j2") for p in (TEMPLATES / locale).glob("*.md.j2"))


def label_names(locale: str) -> list[str]:
    """List the label macros of a locale."""
    module = _environment(locale).get_template(LABELS).module
    return sorted(name for name in dir(module) if not name.startswith("_"))
