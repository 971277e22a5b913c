"""Block Kit, Slack mrkdwn and Adaptive Cards as HTML, the way the chat clients show them (pure functions)."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

TEMPLATES = Path(__file__).parent / "templates"
BLOCK_KIT_BUILDER = "https://app.slack.com/block-kit-builder/#"

# The shortcodes people and the bot's words use; any other shows as typed, as Slack shows an unknown one.
EMOJI = {
    "wave": "👋", "white_check_mark": "✅", "heavy_check_mark": "✔️", "warning": "⚠️", "x": "❌", "tada": "🎉",
    "memo": "📝", "calendar": "📅", "spiral_calendar_pad": "🗓️", "star": "⭐", "star2": "🌟", "clap": "👏",
    "raised_hands": "🙌", "pray": "🙏", "bulb": "💡", "heart": "❤️", "thumbsup": "👍", "+1": "👍",
    "thumbsdown": "👎", "-1": "👎", "rocket": "🚀", "fire": "🔥", "hourglass": "⌛", "hourglass_flowing_sand": "⏳",
    "bell": "🔔", "dart": "🎯", "speech_balloon": "💬", "chart_with_upwards_trend": "📈",
    "chart_with_downwards_trend": "📉", "bar_chart": "📊", "trophy": "🏆", "muscle": "💪", "eyes": "👀",
    "point_right": "👉", "smile": "😄", "slightly_smiling_face": "🙂", "thinking_face": "🤔", "sparkles": "✨",
    "construction": "🚧", "rotating_light": "🚨", "red_circle": "🔴", "large_green_circle": "🟢",
    "large_yellow_circle": "🟡", "lock": "🔒", "mag": "🔍", "clipboard": "📋", "handshake": "🤝",
    "busts_in_silhouette": "👥", "bust_in_silhouette": "👤", "arrow_right": "➡️", "new": "🆕", "zzz": "💤",
    "below": "⬇️",
}

_TOKEN = re.compile(r"<([^<>\n]+)>")
_CODE_BLOCK = re.compile(r"```\n?(.*?)\n?```", re.DOTALL)
_CODE = re.compile(r"`([^`\n]+)`")
_BOLD = re.compile(r"(?<![A-Za-z0-9*])\*(?=\S)([^*\n]+?)(?<=\S)\*(?![A-Za-z0-9*])")
_ITALIC = re.compile(r"(?<![A-Za-z0-9_])_(?=\S)([^_\n]+?)(?<=\S)_(?![A-Za-z0-9_])")
_STRIKE = re.compile(r"(?<![A-Za-z0-9~])~(?=\S)([^~\n]+?)(?<=\S)~(?![A-Za-z0-9~])")
_EMOJI = re.compile(r":([a-z0-9_+-]+):")
_BULLET = re.compile(r"^(\s*)(?:•|◦|▪|-|\*)\s+(.*)$")
_HOLE = re.compile(r"\x00(\d+)\x00")
_SAFE_URL = re.compile(r"^(https?://|mailto:)", re.IGNORECASE)


def slack_unescape(text: str) -> str:
    """Decode the three escapes Slack's mrkdwn uses, and only those."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def emoji(text: str) -> str:
    return _EMOJI.sub(lambda m: EMOJI.get(m[1], m[0]), text)


def mrkdwn(text: str, names: Mapping[str, str] | None = None) -> Markup:
    """Render Slack mrkdwn as HTML: bold, italics, strikes, code, links, mentions, quotes, bullets and emoji."""
    names = names or {}
    holes: list[str] = []

    def hole(markup: str) -> str:
        holes.append(markup)
        return f"\x00{len(holes) - 1}\x00"

    text = _CODE_BLOCK.sub(lambda m: hole(f"<pre>{html.escape(slack_unescape(m[1]))}</pre>"), text)
    text = _CODE.sub(lambda m: hole(f"<code>{html.escape(slack_unescape(m[1]))}</code>"), text)
    text = _TOKEN.sub(lambda m: hole(_token(m[1], names)), text)
    lines_out: list[str] = []
    quote: list[str] = []
    bullets: list[str] = []

    def flush() -> None:
        if quote:
            lines_out.append("<blockquote>" + "<br>".join(quote) + "</blockquote>")
            quote.clear()
        if bullets:
            lines_out.append("<ul>" + "".join(f"<li>{item}</li>" for item in bullets) + "</ul>")
            bullets.clear()

    for raw in text.split("\n"):
        if raw.startswith(("&gt;", ">")):
            if bullets:
                flush()
            quote.append(_inline(raw.removeprefix("&gt;").removeprefix(">").removeprefix(" ")))
            continue
        bullet = _BULLET.match(raw)
        if bullet:
            if quote:
                flush()
            bullets.append(_inline(bullet[2]))
            continue
        flush()
        lines_out.append(_inline(raw) + "<br>")
    flush()
    rendered = "".join(lines_out).removesuffix("<br>")
    for _ in range(2):  # a link's text may hold a mention's hole; two passes fill both
        rendered = _HOLE.sub(lambda m: holes[int(m[1])], rendered)
    return Markup(rendered)


def _inline(text: str) -> str:
    """Escape one line for HTML and apply the inline styles; holes (\\x00N\\x00) pass through untouched."""
    text = html.escape(slack_unescape(text), quote=False)
    text = _BOLD.sub(r"<b>\1</b>", text)
    text = _ITALIC.sub(r"<i>\1</i>", text)
    text = _STRIKE.sub(r"<s>\1</s>", text)
    return emoji(text)


def _token(inner: str, names: Mapping[str, str]) -> str:
    """One <...> token: a mention, a channel, a special mention, a date or a link."""
    target, _, label = inner.partition("|")
    if target.startswith("@"):
        user_id = target[1:]
        name = names.get(user_id) or label or user_id
        return f'<span class="mention" data-user="{html.escape(user_id)}">@{html.escape(name)}</span>'
    if target.startswith("#"):
        return f'<span class="mention">#{html.escape(label or target[1:])}</span>'
    if target.startswith("!"):
        if target.startswith("!date"):
            return html.escape(slack_unescape(label))
        return f'<span class="mention">@{html.escape(label or target[1:].split("^")[0])}</span>'
    url = slack_unescape(target)
    shown = html.escape(slack_unescape(label or target), quote=False)
    if not _SAFE_URL.match(url):
        return shown
    return f'<a href="{html.escape(url)}" target="_blank" rel="noopener noreferrer">{emoji(shown)}</a>'


def plain(text_object: Any, names: Mapping[str, str] | None = None) -> Markup:
    """A Block Kit text object as HTML: mrkdwn rendered, plain_text escaped (emoji shortcodes shown)."""
    if isinstance(text_object, dict):
        if text_object.get("type") == "mrkdwn":
            return mrkdwn(text_object.get("text", ""), names)
        return Markup(emoji(html.escape(text_object.get("text", ""))))
    return Markup(html.escape(str(text_object or "")))


_MD_BOLD = re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*")
_MD_ITALIC = re.compile(r"(?<![A-Za-z0-9_])_(?=\S)([^_\n]+?)(?<=\S)_(?![A-Za-z0-9_])")
_MD_LINK = re.compile(r"\[([^\]\n]+)\]\(([^)\s]+)\)")


def teams_markdown(text: str) -> Markup:
    """The Markdown subset a TextBlock renders: **bold**, _italics_, [links](url), `- ` lists and line breaks."""
    out: list[str] = []
    items: list[str] = []
    for raw in text.split("\n"):
        line = html.escape(raw, quote=False)
        line = _MD_LINK.sub(lambda m: (f'<a href="{html.escape(m[2])}" target="_blank" rel="noopener noreferrer">'
                                       f"{m[1]}</a>") if _SAFE_URL.match(m[2]) else m[1], line)
        line = _MD_BOLD.sub(r"<b>\1</b>", line)
        line = _MD_ITALIC.sub(r"<i>\1</i>", line)
        bullet = re.match(r"^\s*[-*]\s+(.*)$", line)
        if bullet:
            items.append(bullet[1])
            continue
        if items:
            out.append("<ul>" + "".join(f"<li>{item}</li>" for item in items) + "</ul>")
            items = []
        out.append(line + "<br>")
    if items:
        out.append("<ul>" + "".join(f"<li>{item}</li>" for item in items) + "</ul>")
    return Markup("".join(out).removesuffix("<br>"))


def block_kit_builder_url(blocks: list[dict]) -> str:
    """A link that opens these blocks in Slack's Block Kit Builder (a link only: nothing is fetched)."""
    return BLOCK_KIT_BUILDER + quote(json.dumps({"blocks": blocks}, ensure_ascii=False), safe="")


@dataclass
class Surface:
    """Where blocks are shown, so their buttons say where they were clicked.

    `values` and `errors` are a modal's typed values and the bot's inline errors, by block_id; `options` the
    options an external select was given by the bot, by action_id.
    """

    kind: str  # "message", "home" or "modal"
    ts: str = ""
    view_id: str = ""
    names: Mapping[str, str] = field(default_factory=dict)
    people: list[tuple[str, str]] = field(default_factory=list)  # (slack_id, name) for user selects
    values: Mapping[str, Any] = field(default_factory=dict)
    errors: Mapping[str, str] = field(default_factory=dict)
    options: Mapping[str, list[dict]] = field(default_factory=dict)


def environment() -> Environment:
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html", "j2"]),
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters["mrkdwn"] = mrkdwn
    env.filters["plain"] = plain
    env.filters["teams_markdown"] = teams_markdown
    env.filters["emoji"] = emoji
    env.filters["pretty_json"] = lambda value: json.dumps(value, ensure_ascii=False, indent=2, default=str)
    env.filters["builder_url"] = block_kit_builder_url
    env.globals["options_of"] = options_of
    env.globals["chosen"] = chosen
    env.globals["is_list"] = lambda value: isinstance(value, list | tuple)
    return env


_ENV: Environment | None = None


def env() -> Environment:
    global _ENV
    if _ENV is None:
        _ENV = environment()
    return _ENV


def render_blocks(blocks: list[dict], surface: Surface) -> Markup:
    """Render a list of Block Kit blocks on a surface (a message, an App Home or a modal)."""
    module = env().get_template("blocks.html.j2").module
    return Markup(module.blocks(blocks, surface))


def render_card(card: dict, *, where: str = "chat", index: int = -1) -> Markup:
    """Render an Adaptive Card: in the Teams chat (`index`: which posted activity) or in a dialog."""
    module = env().get_template("cards.html.j2").module
    return Markup(module.card(card, where, index))


def options_of(element: dict, surface: Surface | None = None) -> list[dict]:
    """An element's options, option groups flattened; an external select's come from what the bot answered."""
    if element.get("type", "").endswith("external_select") and surface is not None:
        return list(surface.options.get(element.get("action_id", ""), []))
    grouped = [option for group in element.get("option_groups") or [] for option in group.get("options", [])]
    return list(element.get("options") or []) + grouped


def chosen(element: dict, surface: Surface, block_id: str) -> list[str]:
    """The values now chosen in an element: what the person typed or picked, else the element's initial ones."""
    if block_id in surface.values:
        value = surface.values[block_id]
        if value is None:
            return []
        return [str(item) for item in value] if isinstance(value, list | tuple) else [str(value)]
    for key in ("initial_value", "initial_date", "initial_time", "initial_user"):
        if element.get(key) not in (None, ""):
            return [str(element[key])]
    if element.get("initial_option"):
        return [element["initial_option"].get("value", "")]
    for key in ("initial_options", "initial_users"):
        if element.get(key):
            return [item.get("value", "") if isinstance(item, dict) else str(item) for item in element[key]]
    return []
