"""The Microsoft Teams app package: manifest.json, two icons and the zh-CN strings, in one zip to upload.

`build_manifest` and `build_localization` are pure (ids and host in, dict out); the icons are drawn here
with the standard library, so the package is the same bytes on every machine; `write_package` writes the
zip that an admin uploads to Teams. `manifests/teams/` holds the same files with `${TEAMS_CLIENT_ID}`,
`${HOST}` and `${VERSION}` in place of the values: `python -m bot.teams_package` rewrites them and a test
keeps them in step with this module.
"""

from __future__ import annotations

import json
import math
import os
import re
import struct
import sys
import tempfile
import zipfile
import zlib
from collections.abc import Sequence
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from urllib.parse import urlsplit

MANIFEST_VERSION = "1.22"
SCHEMA_URL = f"https://developer.microsoft.com/json-schemas/teams/v{MANIFEST_VERSION}/MicrosoftTeams.schema.json"
LOCALIZATION_SCHEMA_URL = (
    f"https://developer.microsoft.com/json-schemas/teams/v{MANIFEST_VERSION}/MicrosoftTeams.Localization.schema.json"
)
ACCENT_COLOR = "#1F3A5F"  # the Slack app's background colour
COLOR_ICON, OUTLINE_ICON, ZH_CN_FILE = "color.png", "outline.png", "zh-cn.json"
PACKAGE_FILES = ("manifest.json", COLOR_ICON, OUTLINE_ICON, ZH_CN_FILE)
COLOR_ICON_SIZE, OUTLINE_ICON_SIZE = 192, 32
DEFAULT_PACKAGE = "checkin-bot-teams.zip"
TEMPLATE_DIR = Path(__file__).resolve().parents[1] / "manifests" / "teams"
TEMPLATE_FILE = "manifest.template.json"

# The commands Teams suggests in the 1:1 chat, in the order people meet them. The titles are what Teams sends
# to the bot when someone picks a command, so they stay these words in every language (Teams sends the
# *localized* title); only the descriptions are translated.
COMMANDS: tuple[tuple[str, str, str], ...] = (
    ("goal", "Propose a SMART goal: a number to reach, a due date and the team goal it supports",
     "提出一个 SMART 目标：要达到的数字、截止日期以及它支持的团队目标"),
    ("goal list", "Your goals and their progress", "查看你的目标及进度"),
    ("checkin", "This week's check-in: progress on each goal, confidence, blockers and help needed",
     "提交本周的周进展：每个目标的进展、信心、阻碍以及需要的帮助"),
    ("checkin history", "Your last check-ins", "查看你最近的周进展"),
    ("checkin questions", "Your team's own check-in questions, one a line (HR, and managers for their team)",
     "设置团队或绩效方案自己的周进展问题，每行一个（HR，以及经理为自己的团队）"),
    ("kudos", "Thank a colleague in public, kept on their record: kudos @person what they did",
     "公开感谢一位同事，并记录在 TA 的档案中：kudos @某人 做了什么"),
    ("home", "Your home, as in Slack: goals, latest check-in, what waits for you; cycles and plans for HR",
     "你的主页，与 Slack 相同：目标、最近的周进展、等待你处理的事项；HR 还能看到评估周期和绩效方案"),
    ("help", "What the bot does and every command", "本机器人能做什么，以及所有命令"),
)

# The message extension's action commands: (id, title, description, Chinese title, Chinese description, contexts).
# Teams sends the id, never the title, so both are translated. Titles at most 32 characters, descriptions 128.
SHORTCUT_COMMANDS: tuple[tuple[str, str, str, str, str, tuple[str, ...]], ...] = (
    ("kudos_for_message", "Give kudos for this message",
     "Thank the author of this message in public; the kudos stay on their record",
     "表扬这条消息的作者", "公开感谢这条消息的作者，表扬会记录在 TA 的档案中", ("message",)),
    ("checkin", "Check in", "This week's check-in: progress on each goal, confidence, blockers and help needed",
     "提交周进展", "提交本周的周进展：每个目标的进展、信心、阻碍以及需要的帮助", ("compose", "commandBox")),
)

TEXTS = {
    "en": {
        "name.short": "Check-in",
        "name.full": "Check-in: weekly goals, check-ins and 1:1 coaching",
        "description.short": "Weekly goals, check-ins and 1:1 coaching, right in Teams.",
        "description.full": (
            "Check-in makes performance management a weekly habit: SMART goals aligned to your team's, a "
            "two-minute weekly check-in, a Monday 1:1 agenda for managers with feedback that reaches the "
            "employee, review cycles, and HR digests. English and Simplified Chinese. Type help to see every "
            "command."
        ),
    },
    "zh-cn": {
        "name.short": "Check-in 周进展",
        "name.full": "Check-in：每周目标、周进展与一对一辅导",
        "description.short": "每周目标、周进展和一对一辅导，就在 Teams 中。",
        "description.full": (
            "Check-in 让绩效管理成为每周的习惯：与团队目标对齐的 SMART 目标、两分钟的周进展、经理周一的"
            "一对一议程（反馈直达员工）、评估周期以及 HR 摘要。支持英文和简体中文。输入 help 查看所有命令。"
        ),
    },
}

_GUID = re.compile(r"^[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
_HOST_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")


class PackageError(ValueError):
    """A value the package cannot be built from; the message says which and why, in one line."""


def check_client_id(value: str) -> str:
    """Return the app (client) id if it is a GUID, as Teams requires of both the app id and the bot id."""
    value = value.strip()
    if not _GUID.match(value):
        raise PackageError(f"TEAMS_CLIENT_ID {value!r} is not a GUID like 00000000-0000-0000-0000-000000000000: "
                           "use the app registration's Application (client) ID")
    return value


def public_host(value: str) -> str:
    """Return the host name in `bot.example.com` or `https://bot.example.com/api/messages`, lower case."""
    text = value.strip()
    parts = urlsplit(text if "://" in text else f"https://{text}")
    reason = None
    if parts.scheme != "https":
        reason = "Teams only calls bots over HTTPS"
    else:
        try:
            host = (parts.hostname or "").rstrip(".")
            parts.port  # noqa: B018 -- raises on a malformed port
        except ValueError:
            host = ""
        labels = host.split(".")
        if len(host) > 253 or not all(_HOST_LABEL.match(label) for label in labels):
            reason = "it is not a host name like bot.example.com"
    if reason:
        raise PackageError(f"--host {value!r}: {reason}")
    return host


def app_version() -> str:
    """The app's version in the manifest: the project's, as MAJOR.MINOR.PATCH (Teams wants plain semver)."""
    try:
        installed = metadata.version("checkin-bot")
    except metadata.PackageNotFoundError:
        installed = "0.0.0"
    numbers = [int(n) for n in re.findall(r"\d+", installed)[:3]]
    return ".".join(str(n) for n in numbers + [0] * (3 - len(numbers)))


def build_manifest(*, client_id: str, host: str, version: str) -> dict:
    """The app manifest for one bot registration, reached on `https://{host}/api/messages`.

    The app id is the bot's own app (client) id, as Microsoft asks of an app with one bot ("use the same ID
    if you add a bot"); `webApplicationInfo` names the same Entra ID app. The bot is personal only: every
    command is about the person writing, every scheduled message goes to their 1:1 chat, and nothing the bot
    says about goals, check-ins or reviews belongs in a team channel or a group chat. The message extension
    (the same bot) adds two actions: "Give kudos for this message" on any message and "Check in" from the compose
    box; each opens the bot's dialog (fetchTask), and what they answer goes to the person's own 1:1 chat.
    """
    commands = [{"title": title, "description": english} for title, english, _ in COMMANDS]
    site = f"https://{host}/"
    english = TEXTS["en"]
    return {
        "$schema": SCHEMA_URL,
        "manifestVersion": MANIFEST_VERSION,
        "version": version,
        "id": client_id,
        "developer": {"name": "checkin-bot", "websiteUrl": site, "privacyUrl": site, "termsOfUseUrl": site},
        "name": {"short": english["name.short"], "full": english["name.full"]},
        "description": {"short": english["description.short"], "full": english["description.full"]},
        "icons": {"color": COLOR_ICON, "outline": OUTLINE_ICON},
        "accentColor": ACCENT_COLOR,
        "localizationInfo": {
            "defaultLanguageTag": "en",
            "additionalLanguages": [{"languageTag": "zh-cn", "file": ZH_CN_FILE}],
        },
        "bots": [{
            "botId": client_id,
            "scopes": ["personal"],
            "isNotificationOnly": False,
            "supportsFiles": False,
            "supportsCalling": False,
            "supportsVideo": False,
            "commandLists": [{"scopes": ["personal"], "commands": commands}],
        }],
        "composeExtensions": [{
            "botId": client_id,
            "commands": [{"id": command_id, "type": "action", "title": title, "description": english_description,
                          "context": list(contexts), "fetchTask": True}
                         for command_id, title, english_description, _, _, contexts in SHORTCUT_COMMANDS],
        }],
        "defaultInstallScope": "personal",
        "validDomains": [host],
        "webApplicationInfo": {"id": client_id},
    }


def build_localization(language: str = "zh-cn") -> dict:
    """A localization file: the app's name and description, and each command's description (titles stay)."""
    strings = {"$schema": LOCALIZATION_SCHEMA_URL, **TEXTS[language]}
    for index, (_, _, chinese) in enumerate(COMMANDS):
        strings[f"bots[0].commandLists[0].commands[{index}].description"] = chinese
    for index, (_, _, _, title, description, _) in enumerate(SHORTCUT_COMMANDS):
        strings[f"composeExtensions[0].commands[{index}].title"] = title
        strings[f"composeExtensions[0].commands[{index}].description"] = description
    return strings


def package_files(*, client_id: str, host: str, version: str) -> dict[str, bytes]:
    """Every file of the package, by its name at the root of the zip."""
    return {
        "manifest.json": _json_bytes(build_manifest(client_id=client_id, host=host, version=version)),
        COLOR_ICON: color_icon(),
        OUTLINE_ICON: outline_icon(),
        ZH_CN_FILE: _json_bytes(build_localization("zh-cn")),
    }


def write_package(path: Path, *, client_id: str, host: str, version: str | None = None) -> Path:
    """Check the client id and host, then write the zip at `path` (replacing it whole, never half-written)."""
    files = package_files(client_id=check_client_id(client_id), host=public_host(host),
                          version=version or app_version())
    path = Path(path)
    directory = path.parent if str(path.parent) else Path(".")
    try:
        handle, temporary = tempfile.mkstemp(prefix=".teams-package-", suffix=".zip", dir=directory)
    except OSError as exc:
        raise PackageError(f"cannot write {path}: {exc.strerror}") from exc
    try:
        with os.fdopen(handle, "wb") as raw, zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED) as archive:
            for name in PACKAGE_FILES:  # at the root, in a fixed order, with a fixed date: the same bytes each time
                info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
                info.compress_type = zipfile.ZIP_DEFLATED
                info.external_attr = 0o644 << 16
                archive.writestr(info, files[name])
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except OSError as exc:
        Path(temporary).unlink(missing_ok=True)
        raise PackageError(f"cannot write {path}: {exc.strerror}") from exc
    return path


def write_templates(directory: Path = TEMPLATE_DIR) -> list[Path]:
    """Write manifests/teams/: the manifest with placeholders, the icons and the zh-CN strings."""
    files = package_files(client_id="${TEAMS_CLIENT_ID}", host="${HOST}", version="${VERSION}")
    files[TEMPLATE_FILE] = files.pop("manifest.json")
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, content in sorted(files.items()):
        (directory / name).write_bytes(content)
        written.append(directory / name)
    return written


def _json_bytes(value: dict) -> bytes:
    return (json.dumps(value, ensure_ascii=False, indent=2) + "\n").encode("utf-8")  # UTF-8, no BOM


# --- icons: a white check mark in a ring, drawn by supersampling, written as PNG with zlib and struct ---

Point = tuple[float, float]
Shape = tuple[str, tuple]


@lru_cache(maxsize=1)
def color_icon() -> bytes:
    """192x192, the accent colour behind a white ring and check mark filling the central 96x96 safe area."""
    size, centre = COLOR_ICON_SIZE, COLOR_ICON_SIZE / 2
    shapes = _mark(centre, diameter=96)
    background = _rgb(ACCENT_COLOR)
    rows = []
    for coverage_row in _coverage(size, shapes):
        row = bytearray()
        for c in coverage_row:
            row += bytes(round(b + (255 - b) * c) for b in background)
        rows.append(bytes(row))
    return _png(size, size, rows, color_type=2)


@lru_cache(maxsize=1)
def outline_icon() -> bytes:
    """32x32, white on a transparent background, as Teams requires of the outline icon."""
    size, centre = OUTLINE_ICON_SIZE, OUTLINE_ICON_SIZE / 2
    shapes = _mark(centre, diameter=28)
    rows = [b"".join(bytes((255, 255, 255, round(255 * c))) for c in coverage_row)
            for coverage_row in _coverage(size, shapes)]
    return _png(size, size, rows, color_type=6)


def _mark(centre: float, *, diameter: float) -> list[Shape]:
    """The ring, `diameter` across at its outer edge, and the check mark inside it, around `centre`."""
    scale = diameter / 112

    def at(x: float, y: float) -> Point:
        return centre + x * scale, centre + y * scale

    ring = ("ring", (at(0, 0), 50 * scale, 6 * scale))
    check = ("polyline", ((at(-24, 2), at(-7, 19), at(25, -15)), 7.5 * scale))
    return [ring, check]


def _coverage(size: int, shapes: Sequence[Shape], samples: int = 4) -> list[list[float]]:
    """For each pixel, the share of its `samples`² sample points inside any shape."""
    offsets = [(i + 0.5) / samples for i in range(samples)]
    total = samples * samples
    grid = []
    for py in range(size):
        row = []
        for px in range(size):
            hits = sum(_inside(px + dx, py + dy, shapes) for dy in offsets for dx in offsets)
            row.append(hits / total)
        grid.append(row)
    return grid


def _inside(x: float, y: float, shapes: Sequence[Shape]) -> bool:
    for kind, spec in shapes:
        if kind == "ring":
            (cx, cy), radius, half_width = spec
            if abs(math.hypot(x - cx, y - cy) - radius) <= half_width:
                return True
        else:
            points, half_width = spec
            if any(_segment_distance(x, y, a, b) <= half_width for a, b in zip(points, points[1:], strict=False)):
                return True
    return False


def _segment_distance(x: float, y: float, a: Point, b: Point) -> float:
    (ax, ay), (bx, by) = a, b
    dx, dy = bx - ax, by - ay
    t = max(0.0, min(1.0, ((x - ax) * dx + (y - ay) * dy) / (dx * dx + dy * dy)))
    return math.hypot(x - (ax + t * dx), y - (ay + t * dy))


def _rgb(colour: str) -> tuple[int, int, int]:
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


def _png(width: int, height: int, rows: Sequence[bytes], *, color_type: int) -> bytes:
    """An 8-bit PNG (colour type 2 = RGB, 6 = RGBA), each row unfiltered."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, color_type, 0, 0, 0)
    pixels = b"".join(b"\x00" + row for row in rows)
    signature = b"\x89PNG\r\n\x1a\n"
    return signature + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(pixels, 9)) + chunk(b"IEND", b"")


if __name__ == "__main__":  # python -m bot.teams_package [DIR]: rewrite manifests/teams/
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else TEMPLATE_DIR
    for written_path in write_templates(target):
        print(written_path)
