"""The Teams app package: the manifest an admin uploads, its icons and strings, and `checkin-bot teams package`."""

from __future__ import annotations

import json
import re
import struct
import zipfile
import zlib
from pathlib import Path

import pytest

from bot import teams_package
from tests.cli_helpers import run_cli

ROOT = Path(__file__).parents[1]
CLIENT_ID = "3f2504e0-4f89-41d3-9a0c-0305e82c3301"
TENANT_ID = "9188040d-6c67-4c5b-b112-36a304b66dad"
HOST = "checkin.example.com"
COMMANDS = ["goal", "goal list", "checkin", "checkin history", "checkin questions", "kudos", "home", "help"]
TEAMS_ENV = {"TEAMS_CLIENT_ID": CLIENT_ID, "TEAMS_CLIENT_SECRET": "s3cret-value", "TEAMS_TENANT_ID": TENANT_ID}


def manifest(**overrides) -> dict:
    values = {"client_id": CLIENT_ID, "host": HOST, "version": "1.2.3", **overrides}
    return teams_package.build_manifest(**values)


def read_png(data: bytes) -> tuple[int, int, int, list[bytes]]:
    """Width, height, colour type and the unfiltered rows of an 8-bit, non-interlaced PNG."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    chunks, offset = {}, 8
    while offset < len(data):
        length, kind = struct.unpack(">I4s", data[offset:offset + 8])
        body = data[offset + 8:offset + 8 + length]
        assert struct.unpack(">I", data[offset + 8 + length:offset + 12 + length])[0] == zlib.crc32(kind + body)
        chunks[kind] = chunks.get(kind, b"") + body
        offset += 12 + length
    width, height, depth, colour_type, _, _, interlace = struct.unpack(">IIBBBBB", chunks[b"IHDR"])
    assert (depth, interlace) == (8, 0)
    channels = {2: 3, 6: 4}[colour_type]
    raw = zlib.decompress(chunks[b"IDAT"])
    stride = 1 + width * channels
    rows = [raw[i * stride:(i + 1) * stride] for i in range(height)]
    assert all(row[0] == 0 for row in rows), "rows are written unfiltered"
    return width, height, colour_type, [row[1:] for row in rows]


run = run_cli


@pytest.fixture
def workdir(tmp_path, monkeypatch) -> Path:
    monkeypatch.chdir(tmp_path)  # a developer's own .env must not leak in, and the default zip lands here
    return tmp_path


def test_the_manifest_lists_exactly_the_commands_of_the_issue_in_the_personal_chat():
    bot = manifest()["bots"][0]
    assert bot["scopes"] == ["personal"]
    (command_list,) = bot["commandLists"]
    assert command_list["scopes"] == ["personal"]
    assert [c["title"] for c in command_list["commands"]] == COMMANDS
    for command in command_list["commands"]:
        assert 0 < len(command["description"]) <= 128 and command["description"].isascii()


def test_the_app_the_bot_and_the_web_application_are_the_one_client_id():
    app = manifest()
    assert app["id"] == app["bots"][0]["botId"] == app["webApplicationInfo"]["id"] == CLIENT_ID
    assert app["validDomains"] == [HOST]
    assert all(url == f"https://{HOST}/" for url in app["developer"].values() if url.startswith("http"))


def test_the_manifest_keeps_the_rules_teams_checks_on_upload():
    app = manifest()
    assert app["$schema"].endswith(f"/v{app['manifestVersion']}/MicrosoftTeams.schema.json")
    assert re.fullmatch(r"\d+\.\d+\.\d+", app["version"])
    assert re.fullmatch(r"#[0-9A-Fa-f]{6}", app["accentColor"])
    assert len(app["name"]["short"]) <= 30 and len(app["name"]["full"]) <= 100
    assert len(app["description"]["short"]) <= 80 and len(app["description"]["full"]) <= 4000
    assert app["name"]["short"] != app["name"]["full"]  # Teams refuses a package where they are the same
    assert app["description"]["short"] != app["description"]["full"]
    assert len(app["developer"]["name"]) <= 32
    assert app["icons"] == {"color": "color.png", "outline": "outline.png"}
    assert app["localizationInfo"] == {"defaultLanguageTag": "en",
                                       "additionalLanguages": [{"languageTag": "zh-cn", "file": "zh-cn.json"}]}
    assert re.fullmatch(r"\d+\.\d+\.\d+", teams_package.app_version())


def test_chinese_strings_describe_every_command_and_keep_the_words_the_bot_understands():
    strings = teams_package.build_localization("zh-cn")
    assert strings["$schema"].endswith(f"/v{teams_package.MANIFEST_VERSION}/MicrosoftTeams.Localization.schema.json")
    for key in ("name.short", "name.full", "description.short", "description.full"):
        assert re.search(r"[\u4e00-\u9fff]", strings[key]), key
    assert len(strings["name.short"]) <= 30 and len(strings["description.short"]) <= 80
    assert strings["name.short"] != strings["name.full"]
    described = {key for key in strings if key.startswith("bots[")}
    assert described == {f"bots[0].commandLists[0].commands[{i}].description" for i in range(len(COMMANDS))}
    assert all(re.search(r"[\u4e00-\u9fff]", strings[key]) and len(strings[key]) <= 128 for key in described)
    # Teams sends a localized title to the bot as the message text, so the bot's command titles are never
    # translated; a message extension's command is sent by its id, so its title is.
    assert not any(key.startswith("bots[") and key.endswith(".title") for key in strings)


def test_the_icons_are_pngs_of_the_sizes_teams_requires():
    width, height, colour_type, rows = read_png(teams_package.color_icon())
    assert (width, height) == (192, 192) and colour_type == 2
    assert rows[0][:3] == bytes.fromhex("1F3A5F")  # a full-colour square with the accent colour behind
    assert b"\xff\xff\xff" in rows[96]  # and a white mark in the middle

    width, height, colour_type, rows = read_png(teams_package.outline_icon())
    assert (width, height) == (32, 32) and colour_type == 6
    pixels = [row[i:i + 4] for row in rows for i in range(0, len(row), 4)]
    assert all(pixel[:3] == b"\xff\xff\xff" for pixel in pixels)  # white only...
    assert pixels[0][3] == 0 and any(pixel[3] == 255 for pixel in pixels)  # ...on a transparent background


def test_the_zip_has_the_four_files_at_its_root_and_the_same_bytes_every_time(tmp_path):
    first = teams_package.write_package(tmp_path / "a.zip", client_id=CLIENT_ID, host=HOST)
    second = teams_package.write_package(tmp_path / "b.zip", client_id=CLIENT_ID, host=HOST)
    assert first.read_bytes() == second.read_bytes()
    with zipfile.ZipFile(first) as archive:
        assert sorted(archive.namelist()) == ["color.png", "manifest.json", "outline.png", "zh-cn.json"]
        packed = json.loads(archive.read("manifest.json"))
        assert packed == manifest(version=teams_package.app_version())
        assert read_png(archive.read(packed["icons"]["color"]))[:2] == (192, 192)
        assert read_png(archive.read(packed["icons"]["outline"]))[:2] == (32, 32)
        for language in packed["localizationInfo"]["additionalLanguages"]:
            assert json.loads(archive.read(language["file"])) == teams_package.build_localization("zh-cn")
    assert sorted(tmp_path.iterdir()) == [first, second]  # no temporary file left behind


def test_the_files_in_manifests_teams_are_what_the_builder_makes():
    folder = ROOT / "manifests" / "teams"
    hint = "run `python -m bot.teams_package` to rewrite manifests/teams/"
    template = json.loads((folder / "manifest.template.json").read_text(encoding="utf-8"))
    assert template == manifest(client_id="${TEAMS_CLIENT_ID}", host="${HOST}", version="${VERSION}"), hint
    assert json.loads((folder / "zh-cn.json").read_text(encoding="utf-8")) == teams_package.build_localization(), hint
    for name, drawn in (("color.png", teams_package.color_icon()), ("outline.png", teams_package.outline_icon())):
        assert read_png((folder / name).read_bytes()) == read_png(drawn), hint  # pixels, whatever zlib's version


def test_teams_package_writes_the_zip_and_says_so_in_one_line(workdir):
    status, out, err = run("teams", "package", "--host", f"https://{HOST}/api/messages", "--out", "app.zip",
                           env=TEAMS_ENV)
    assert (status, err) == (0, "")
    assert len(out.strip().splitlines()) == 1 and "app.zip" in out
    with zipfile.ZipFile(workdir / "app.zip") as archive:
        packed = json.loads(archive.read("manifest.json"))
    assert packed["id"] == packed["bots"][0]["botId"] == CLIENT_ID and packed["validDomains"] == [HOST]
    assert "s3cret-value" not in (workdir / "app.zip").read_bytes().decode("latin-1")  # the secret stays out


def test_teams_package_writes_the_default_name_in_the_working_directory(workdir):
    status, out, _ = run("teams", "package", "--host", HOST, env=TEAMS_ENV)
    assert status == 0 and (workdir / teams_package.DEFAULT_PACKAGE).is_file()


@pytest.mark.parametrize(("env", "argv", "reason"), [
    ({}, ["--host", HOST], "TEAMS_CLIENT_ID is not set"),
    ({**TEAMS_ENV, "TEAMS_CLIENT_ID": "checkin-bot"}, ["--host", HOST], "is not a GUID"),
    (TEAMS_ENV, [], "--host is needed"),
    (TEAMS_ENV, ["--host", "http://checkin.example.com"], "HTTPS"),
    (TEAMS_ENV, ["--host", "checkin example com"], "not a host name"),
    (TEAMS_ENV, ["--host", HOST, "--out", "missing-folder/app.zip"], "cannot write"),
])
def test_teams_package_refuses_with_one_line_and_writes_nothing(workdir, env, argv, reason):
    status, out, err = run("teams", "package", *argv, env=env)
    assert status == 1 and out == ""
    assert len(err.strip().splitlines()) == 1 and reason in err
    assert "s3cret-value" not in err
    assert list(workdir.iterdir()) == []


def test_the_readme_tells_an_admin_how_to_connect_teams_after_slack():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    sections = re.findall(r"^## (.+)$", readme, flags=re.MULTILINE)
    slack = sections.index("Connect a real Slack workspace")
    assert sections[slack + 1] == "Connect a real Microsoft Teams tenant"
    teams = readme.split("## Connect a real Microsoft Teams tenant", 1)[1].split("\n## ", 1)[0]
    for needed in ("checkin-bot teams package", "/api/messages", "TEAMS_CLIENT_ID", "TEAMS_CLIENT_SECRET",
                   "TEAMS_TENANT_ID", "teams_id", "Upload a custom app"):
        assert needed in teams, needed


def test_the_message_extension_offers_the_shortcuts_the_bot_answers_within_teams_limits():
    from handlers.teams.shortcuts import CHECKIN_COMMAND, KUDOS_COMMAND

    app = manifest()
    (extension,) = app["composeExtensions"]
    assert extension["botId"] == app["bots"][0]["botId"] == CLIENT_ID
    commands = {command["id"]: command for command in extension["commands"]}
    assert {key: command["context"] for key, command in commands.items()} == {
        KUDOS_COMMAND: ["message"], CHECKIN_COMMAND: ["compose", "commandBox"]}
    assert [commands[KUDOS_COMMAND]["title"], commands[CHECKIN_COMMAND]["title"]] == [
        "Give kudos for this message", "Check in"]
    for command in commands.values():
        assert command["type"] == "action" and command["fetchTask"] is True  # the bot answers with its dialog
        assert len(command["id"]) <= 64 and 0 < len(command["title"]) <= 32
        assert 0 < len(command["description"]) <= 128 and command["description"].isascii()


def test_chinese_strings_name_the_shortcuts_and_call_a_check_in_a_weekly_progress_update():
    strings = teams_package.build_localization("zh-cn")
    count = len(manifest()["composeExtensions"][0]["commands"])
    for index in range(count):
        title = strings[f"composeExtensions[0].commands[{index}].title"]
        description = strings[f"composeExtensions[0].commands[{index}].description"]
        assert re.search(r"[\u4e00-\u9fff]", title) and len(title) <= 32
        assert re.search(r"[\u4e00-\u9fff]", description) and len(description) <= 128
    assert strings["composeExtensions[0].commands[1].title"] == "提交周进展"
    assert not any("签到" in value for value in strings.values())  # 签到 is clocking in for attendance
