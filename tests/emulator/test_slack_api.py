"""The Slack emulator, driven through the real slack_sdk WebClient."""

from __future__ import annotations

import urllib.request
from collections.abc import Iterator

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.webhook import WebhookClient

from bot.emulator import SlackEmulator

TOKEN = "xoxb-test"
MODAL = {"type": "modal", "title": {"type": "plain_text", "text": "Weekly goals"}, "blocks": []}
HOME = {"type": "home", "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "Hi"}}]}


@pytest.fixture
def emu() -> Iterator[SlackEmulator]:
    with SlackEmulator(token=TOKEN, users_page_size=2) as emulator:
        emulator.add_user("U1", name="ada", real_name="Ada Lovelace", email="ada@example.com", tz="Europe/Berlin")
        emulator.add_user("U2", name="grace", locale="fr-FR")
        emulator.add_user("U3", name="gone", deleted=True)
        emulator.add_user("U4", name="otherbot", is_bot=True)
        emulator.add_user("U5", name="alan")
        yield emulator


@pytest.fixture
def web(emu: SlackEmulator) -> WebClient:
    return WebClient(base_url=emu.api_url, token=TOKEN)


def section(text: str) -> dict:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def test_auth_test_describes_the_bot(web):
    response = web.auth_test()

    assert response["user_id"] == "UBOT0001"
    assert response["team_id"] == "T0001"
    assert response["bot_id"]


def test_a_wrong_token_is_refused_with_invalid_auth(emu):
    with pytest.raises(SlackApiError) as refused:
        WebClient(base_url=emu.api_url, token="xoxb-wrong").auth_test()

    assert refused.value.response.status_code == 200
    assert refused.value.response["error"] == "invalid_auth"


def test_an_unknown_method_is_refused(web):
    with pytest.raises(SlackApiError) as refused:
        web.api_call("chat.scheduleMessage", params={"channel": "C1", "text": "x"})

    assert refused.value.response["error"] == "unknown_method"


def test_users_info_gives_the_timezone_offset_and_the_locale_only_when_asked(web):
    without = web.users_info(user="U1")["user"]
    with_locale = web.users_info(user="U2", include_locale=True)["user"]

    assert without["tz"] == "Europe/Berlin"
    assert without["tz_offset"] in (3600, 7200)
    assert without["profile"]["email"] == "ada@example.com"
    assert "locale" not in without
    assert with_locale["locale"] == "fr-FR"


def test_users_info_refuses_an_unknown_user(web):
    with pytest.raises(SlackApiError) as refused:
        web.users_info(user="UNOPE")

    assert refused.value.response["error"] == "user_not_found"


def test_it_paginates_users_list(web, emu):
    # SlackResponse iteration reuses one object per page, so read each page as it comes.
    pages = [[(member["id"], member["locale"]) for member in page["members"]] for page in web.users_list(limit=50)]

    assert [[user_id for user_id, _ in page] for page in pages] == [["U1", "U2"], ["U3", "U4"], ["U5"]]
    calls = emu.calls_to("users.list")
    assert [bool(call.params.get("cursor")) for call in calls] == [False, True, True]
    assert calls[-1].response["response_metadata"]["next_cursor"] == ""


def test_users_list_honours_a_limit_below_the_page_size(web):
    first = web.users_list(limit=1)
    second = web.users_list(limit=1, cursor=first["response_metadata"]["next_cursor"])

    assert [member["id"] for member in first["members"] + second["members"]] == ["U1", "U2"]


def test_users_lookup_by_email_finds_a_user_or_says_users_not_found(web):
    assert web.users_lookupByEmail(email="ADA@example.com")["user"]["id"] == "U1"
    with pytest.raises(SlackApiError) as refused:
        web.users_lookupByEmail(email="nobody@example.com")

    assert refused.value.response["error"] == "users_not_found"


def test_conversations_open_gives_a_deterministic_dm_channel(web):
    assert web.conversations_open(users="U1")["channel"]["id"] == "DU1"
    with pytest.raises(SlackApiError) as refused:
        web.conversations_open(users="UNOPE")

    assert refused.value.response["error"] == "user_not_found"


def test_post_message_is_recorded_with_decoded_blocks(web, emu):
    response = web.chat_postMessage(channel="DU1", text="Your goals", blocks=[section("*Goals*")])

    call = emu.calls_to("chat.postMessage")[-1]
    assert call.params["blocks"] == [section("*Goals*")]
    assert call.params["text"] == "Your goals"
    assert call.status == 200
    assert call.response["ts"] == response["ts"]
    assert emu.messages[-1]["channel"] == "DU1"


def test_message_timestamps_are_unique_and_increasing(web):
    stamps = [web.chat_postMessage(channel="C1", text=str(n))["ts"] for n in range(3)]

    assert stamps == sorted(stamps, key=float)
    assert len(set(stamps)) == 3


def test_posting_to_a_user_id_lands_in_their_dm(web):
    assert web.chat_postMessage(channel="U1", text="hi")["channel"] == "DU1"


def test_a_message_needs_a_channel_and_some_content(web):
    with pytest.raises(SlackApiError) as no_channel:
        web.chat_postMessage(channel="", text="hi")
    with pytest.raises(SlackApiError) as no_text:
        web.api_call("chat.postMessage", params={"channel": "C1"})

    assert no_channel.value.response["error"] == "channel_not_found"
    assert no_text.value.response["error"] == "no_text"


def test_fifty_one_blocks_are_refused_as_invalid_blocks(web):
    with pytest.raises(SlackApiError) as refused:
        web.chat_postMessage(channel="C1", text="x", blocks=[section("x")] * 51)

    assert refused.value.response["error"] == "invalid_blocks"
    assert refused.value.response["response_metadata"]["messages"]


@pytest.mark.parametrize(
    "block",
    [
        section("x" * 3001),
        {"type": "header", "text": {"type": "plain_text", "text": "x" * 151}},
        {"type": "section", "fields": [{"type": "mrkdwn", "text": "x" * 2001}]},
        {"type": "section", "fields": [{"type": "mrkdwn", "text": "x"}] * 11},
    ],
    ids=["section text", "header text", "field text", "field count"],
)
def test_over_long_block_text_is_refused(web, block):
    with pytest.raises(SlackApiError) as refused:
        web.chat_postMessage(channel="C1", text="x", blocks=[block])

    assert refused.value.response["error"] == "invalid_blocks"


def test_text_over_forty_thousand_characters_is_too_long(web):
    with pytest.raises(SlackApiError) as refused:
        web.chat_postMessage(channel="C1", text="x" * 40_001)

    assert refused.value.response["error"] == "msg_too_long"


def test_post_ephemeral_answers_a_message_ts(web):
    assert web.chat_postEphemeral(channel="C1", user="U1", text="only you")["message_ts"]


def test_chat_update_edits_a_posted_message_and_refuses_unknown_ones(web, emu):
    posted = web.chat_postMessage(channel="C1", text="before", blocks=[section("before")])

    updated = web.chat_update(channel="C1", ts=posted["ts"], text="after")
    with pytest.raises(SlackApiError) as refused:
        web.chat_update(channel="C1", ts="1.000000", text="x")

    assert updated["message"]["text"] == "after"
    assert updated["message"]["blocks"] == [section("before")]
    assert emu.messages[-1]["text"] == "after"
    assert refused.value.response["error"] == "message_not_found"


def test_an_injected_429_carries_retry_after_and_is_recorded(web, emu):
    emu.fail_next("chat.postMessage", status=429, retry_after=3)

    with pytest.raises(SlackApiError) as limited:
        web.chat_postMessage(channel="C1", text="x")
    web.chat_postMessage(channel="C1", text="x")

    assert limited.value.response.status_code == 429
    assert limited.value.response.headers["Retry-After"] == "3"
    assert limited.value.response["error"] == "ratelimited"
    assert [call.status for call in emu.calls_to("chat.postMessage")] == [429, 200]


def test_injected_500s_are_answered_the_given_number_of_times(web, emu):
    emu.fail_next("chat.postMessage", status=500, times=2)

    statuses = []
    for _ in range(3):
        try:
            statuses.append(web.chat_postMessage(channel="C1", text="x").status_code)
        except SlackApiError as error:
            statuses.append(error.response.status_code)
            assert error.response["error"] == "fatal_error"

    assert statuses == [500, 500, 200]
    assert [call.status for call in emu.calls_to("chat.postMessage")] == statuses


def test_a_call_performed_then_failed_is_stored_though_the_client_gets_500(web, emu):
    emu.fail_after_performing("chat.postMessage", status=500, times=2)

    statuses = []
    for text in ("one", "two", "three"):
        try:
            statuses.append(web.chat_postMessage(channel="C1", text=text).status_code)
        except SlackApiError as error:
            statuses.append(error.response.status_code)
            assert error.response["error"] == "fatal_error"

    assert statuses == [500, 500, 200]
    assert [message["text"] for message in emu.messages] == ["one", "two", "three"]
    history = web.conversations_history(channel="C1")["messages"]
    assert [message["text"] for message in history] == ["three", "two", "one"]


def test_a_late_answer_comes_after_the_call_was_performed_and_holds_up_no_other_call(emu):
    impatient = WebClient(base_url=emu.api_url, token=TOKEN, timeout=1, retry_handlers=[])
    emu.answer_late("chat.postMessage", seconds=3)

    with pytest.raises(TimeoutError):
        impatient.chat_postMessage(channel="C1", text="late")
    # Still within the 3 s the late answer takes: the emulator answers others meanwhile.
    assert impatient.auth_test()["ok"]

    assert [message["text"] for message in emu.messages] == ["late"]
    assert [call.status for call in emu.calls_to("chat.postMessage")] == [200]


def test_a_patient_client_gets_the_late_answer(web, emu):
    emu.answer_late("chat.postMessage", seconds=0.2)

    assert web.chat_postMessage(channel="C1", text="eventually")["ok"]
    assert [message["text"] for message in emu.messages] == ["eventually"]


def test_a_rate_limit_answers_429_with_retry_after_beyond_the_calls_a_second_and_performs_nothing(web, emu):
    server_time = [100.0]
    emu.rate_limit("chat.postMessage", per_second=2, now=lambda: server_time[0])

    web.chat_postMessage(channel="C1", text="one")
    web.chat_postMessage(channel="C1", text="two")
    with pytest.raises(SlackApiError) as limited:
        web.chat_postMessage(channel="C1", text="three")
    server_time[0] += 0.4
    with pytest.raises(SlackApiError):
        web.chat_postMessage(channel="C1", text="three")
    assert web.auth_test()["ok"]  # other methods have their own limits
    server_time[0] += 0.6
    web.chat_postMessage(channel="C1", text="three")

    assert limited.value.response.status_code == 429
    assert limited.value.response["error"] == "ratelimited"
    assert limited.value.response.headers["Retry-After"] == "1"
    assert [message["text"] for message in emu.messages] == ["one", "two", "three"]
    assert [call.status for call in emu.calls_to("chat.postMessage")] == [200, 200, 429, 429, 200]


def test_fault_switches_refuse_settings_that_make_no_sense(emu):
    with pytest.raises(ValueError):
        emu.fail_after_performing("chat.postMessage", status=404)
    with pytest.raises(ValueError):
        emu.answer_late("chat.postMessage", seconds=0)
    with pytest.raises(ValueError):
        emu.rate_limit("chat.postMessage", per_second=0)


def test_views_open_returns_the_view_with_an_id_and_empty_state(web, emu):
    view = web.views_open(trigger_id="123.456.abc", view=MODAL)["view"]

    assert view["id"].startswith("V")
    assert view["state"] == {"values": {}}
    assert view["title"] == MODAL["title"]
    assert emu.views[view["id"]] == view


def test_views_open_needs_a_trigger_id(web):
    with pytest.raises(SlackApiError) as refused:
        web.views_open(trigger_id=" ", view=MODAL)

    assert refused.value.response["error"] == "invalid_trigger_id"


def test_a_modal_title_over_24_characters_is_refused_with_a_reason(web):
    too_long = {**MODAL, "title": {"type": "plain_text", "text": "x" * 25}}

    with pytest.raises(SlackApiError) as refused:
        web.views_open(trigger_id="t", view=too_long)

    assert refused.value.response["error"] == "invalid_arguments"
    assert "/view/title/text" in refused.value.response["response_metadata"]["messages"][0]


def test_views_update_replaces_a_view_by_id(web, emu):
    opened = web.views_open(trigger_id="t", view=MODAL)["view"]
    changed = {**MODAL, "blocks": [section("saved")]}

    updated = web.views_update(view_id=opened["id"], view=changed)["view"]
    with pytest.raises(SlackApiError) as refused:
        web.views_update(view_id="VNOPE", view=changed)

    assert updated["id"] == opened["id"]
    assert emu.views[opened["id"]]["blocks"] == [section("saved")]
    assert refused.value.response["error"] == "not_found"


def test_views_publish_stores_the_home_tab_per_user_under_one_id(web, emu):
    first = web.views_publish(user_id="U1", view=HOME)["view"]
    second = web.views_publish(user_id="U1", view={**HOME, "blocks": [section("Bye")]})["view"]

    assert second["id"] == first["id"]
    assert emu.home_views["U1"]["blocks"] == [section("Bye")]
    assert emu.views[first["id"]] == emu.home_views["U1"]


def test_a_home_tab_over_100_blocks_is_refused(web):
    with pytest.raises(SlackApiError) as refused:
        web.views_publish(user_id="U1", view={**HOME, "blocks": [section("x")] * 101})

    assert refused.value.response["error"] == "invalid_arguments"


def test_files_upload_v2_delivers_the_bytes(web, emu, tmp_path):
    report = tmp_path / "report.csv"
    report.write_bytes(b"name,goals\nada,3\n")

    from_content = web.files_upload_v2(
        channel="DU1", content=b"\x00binary\xff", filename="a.bin", title="A", initial_comment="here"
    )
    from_file = web.files_upload_v2(channel="C1", file=str(report), filename="report.csv")

    uploaded = emu.uploaded_files[from_content["file"]["id"]]
    assert uploaded.content == b"\x00binary\xff"
    assert (uploaded.filename, uploaded.title, uploaded.channel_id) == ("a.bin", "A", "DU1")
    assert uploaded.initial_comment == "here"
    assert uploaded.completed
    assert emu.uploaded_files[from_file["file"]["id"]].content == b"name,goals\nada,3\n"


def test_an_upload_url_also_accepts_a_multipart_file_part(web, emu):
    target = web.files_getUploadURLExternal(filename="notes.txt", length=5)
    body = (
        b'--XX\r\nContent-Disposition: form-data; name="file"; filename="notes.txt"\r\n'
        b"Content-Type: text/plain\r\n\r\nhello\r\n--XX--\r\n"
    )
    request = urllib.request.Request(
        target["upload_url"], data=body, headers={"Content-Type": "multipart/form-data; boundary=XX"}
    )

    with urllib.request.urlopen(request) as response:
        answer = response.read()

    assert answer == b"OK - 5"
    assert emu.uploaded_files[target["file_id"]].content == b"hello"


def test_completing_an_unknown_file_is_refused(web):
    with pytest.raises(SlackApiError) as refused:
        web.files_completeUploadExternal(files=[{"id": "FNOPE", "title": "x"}])

    assert refused.value.response["error"] == "file_not_found"


def test_posts_to_a_response_url_are_recorded(emu):
    url = emu.new_response_url()

    answer = WebhookClient(url).send(text="Saved", response_type="ephemeral")

    call = emu.calls_to("response_url")[-1]
    assert (answer.status_code, answer.body) == (200, "ok")
    assert call.params == {"text": "Saved", "response_type": "ephemeral", "url": url}


def test_reset_calls_forgets_what_was_recorded(web, emu):
    web.auth_test()

    emu.reset_calls()

    assert emu.calls == []
