"""Block Kit, mrkdwn and Adaptive Cards as the playground draws them: pure functions, no browser."""

from html.parser import HTMLParser
from urllib.parse import unquote

import pytest

from bot.playground.render import Surface, block_kit_builder_url, mrkdwn, render_blocks, render_card

NAMES = {"U0EM000001": "Alan Turing", "U0EM000004": "李雷"}


def text(label: str, kind: str = "plain_text") -> dict:
    return {"type": kind, "text": label}


def option(value: str, label: str) -> dict:
    return {"text": text(label), "value": value}


class Elements(HTMLParser):
    """The start tags of a piece of HTML, with their attributes, to look things up without a browser."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.feed(str(html))

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def find(self, tag: str, **attrs) -> list[dict]:
        return [found for name, found in self.tags if name == tag
                and all(found.get(key.rstrip("_").replace("_", "-")) == value for key, value in attrs.items())]


def message(*blocks: dict, **surface) -> str:
    return str(render_blocks(list(blocks), Surface("message", ts="1700000000.000100", names=NAMES, **surface)))


def modal(*blocks: dict, **surface) -> str:
    return str(render_blocks(list(blocks), Surface("modal", view_id="V1", names=NAMES,
                                                   people=[("U0EM000001", "Alan Turing"), ("U0EM000004", "李雷")],
                                                   **surface)))


# ---- mrkdwn -------------------------------------------------------------------------------------

@pytest.mark.parametrize(("source", "html"), [
    ("*bold*", "<b>bold</b>"),
    ("_italic_", "<i>italic</i>"),
    ("~gone~", "<s>gone</s>"),
    ("type `/goal help`", "type <code>/goal help</code>"),
    ("*你在 Q4 review 的结果*：5", "<b>你在 Q4 review 的结果</b>：5"),
    ("snake_case_name stays", "snake_case_name stays"),
    ("2 * 3 * 4", "2 * 3 * 4"),
])
def test_it_renders_the_inline_styles_of_mrkdwn(source, html):
    assert str(mrkdwn(source)) == html


def test_it_renders_links_with_and_without_text_and_refuses_script_urls():
    assert str(mrkdwn("<https://example.com/a?b=1&amp;c=2|the doc>")) == (
        '<a href="https://example.com/a?b=1&amp;c=2" target="_blank" rel="noopener noreferrer">the doc</a>')
    assert 'href="https://example.com"' in str(mrkdwn("<https://example.com>"))
    assert "href" not in str(mrkdwn("<javascript:alert(1)|click>"))


def test_it_shows_mentions_as_names_and_unknown_ones_by_their_label_or_id():
    assert str(mrkdwn("thanks <@U0EM000004>", NAMES)) == (
        'thanks <span class="mention" data-user="U0EM000004">@李雷</span>')
    assert "@katherine" in str(mrkdwn("<@U0XXXX|katherine>", NAMES))
    assert "@U0NOBODY" in str(mrkdwn("<@U0NOBODY>", NAMES))
    assert "#general" in str(mrkdwn("<#C0GENERAL|general>"))
    assert "@here" in str(mrkdwn("<!here>"))


def test_it_decodes_slacks_three_escapes_and_escapes_html_once():
    assert str(mrkdwn("a &lt;3 &amp; &#39;")) == "a &lt;3 &amp; &amp;#39;"
    assert "<b>" not in str(mrkdwn("<b>raw</b> *still bold*").replace("<b>still bold</b>", ""))


def test_it_renders_quotes_and_bullet_lines_as_blocks():
    html = str(mrkdwn("*Blockers*\n&gt; legal needs two weeks\n&gt; still waiting\n• one\n• two\nafter"))
    assert "<blockquote>legal needs two weeks<br>still waiting</blockquote>" in html
    assert "<ul><li>one</li><li>two</li></ul>" in html
    assert html.startswith("<b>Blockers</b><br>") and html.endswith("after")


def test_it_shows_known_emoji_shortcodes_and_leaves_unknown_ones_as_typed():
    assert str(mrkdwn(":tada: :white_check_mark: :warning: :not_an_emoji:")) == "🎉 ✅ ⚠️ :not_an_emoji:"


def test_it_leaves_code_untouched_by_other_rules():
    assert str(mrkdwn("`*not bold* :tada: <@U0EM000004>`", NAMES)) == (
        "<code>*not bold* :tada: &lt;@U0EM000004&gt;</code>")
    assert str(mrkdwn("```\nline *1*\n```")) == "<pre>line *1*</pre>"


# ---- blocks -------------------------------------------------------------------------------------

def test_it_renders_a_header_a_divider_and_context():
    html = message({"type": "header", "text": text("Weekly check-in")}, {"type": "divider"},
                   {"type": "context", "elements": [text("_due Friday_", "mrkdwn"), text("plain :tada:"),
                                                    {"type": "image", "image_url": "https://x/i.png",
                                                     "alt_text": "icon"}]})
    assert '<div class="bk-header">Weekly check-in</div>' in html
    assert '<hr class="bk-divider">' in html
    assert "<i>due Friday</i>" in html and "plain 🎉" in html
    assert Elements(html).find("img", alt="icon")


def test_it_renders_a_section_with_text_fields_and_a_button_accessory():
    html = message({"type": "section", "block_id": "goal-3", "text": text("*Goal*", "mrkdwn"),
                    "fields": [text("*Target*\n130", "mrkdwn"), text("Due 30 June")],
                    "accessory": {"type": "button", "action_id": "goal_open", "value": "3", "style": "primary",
                                  "text": text("Open")}})
    assert "<b>Goal</b>" in html and '<div class="bk-field"><b>Target</b><br>130</div>' in html
    [button] = Elements(html).find("button", data_act="button")
    assert button == {"type": "button", "class": "bk-button primary", "data-act": "button",
                      "data-action": "goal_open", "data-block": "goal-3", "data-value": "3"}


def test_it_renders_an_image_block_and_an_image_accessory():
    html = message({"type": "image", "image_url": "https://x/chart.png", "alt_text": "chart",
                    "title": text("Participation")},
                   {"type": "section", "text": text("hi"), "accessory": {"type": "image", "image_url": "https://x/a.png",
                                                                        "alt_text": "avatar"}})
    elements = Elements(html)
    assert elements.find("img", src="https://x/chart.png", alt="chart") and "Participation" in html
    assert elements.find("img", alt="avatar")


def test_it_renders_an_actions_block_with_buttons_a_link_button_an_overflow_a_select_and_a_datepicker():
    html = message({"type": "actions", "block_id": "remind-2027-W10", "elements": [
        {"type": "button", "action_id": "checkin_open", "value": "2027-W10", "text": text("Check in now")},
        {"type": "button", "action_id": "docs", "url": "https://example.com/help", "text": text("Help")},
        {"type": "overflow", "action_id": "goal_menu", "options": [option("progress:1", "Update progress"),
                                                                   option("history:1", "History")]},
        {"type": "static_select", "action_id": "pick", "placeholder": text("Pick one"),
         "option_groups": [{"label": text("Mine"), "options": [option("a", "A")]}]},
        {"type": "datepicker", "action_id": "due", "initial_date": "2027-03-12"},
    ]})
    elements = Elements(html)
    assert elements.find("button", data_action="checkin_open", data_value="2027-W10", data_block="remind-2027-W10")
    assert elements.find("a", href="https://example.com/help")
    assert elements.find("select", class_="bk-overflow", data_act="select", data_action="goal_menu")
    assert elements.find("select", class_="bk-select", data_act="select", data_action="pick")
    assert [o["value"] for o in elements.find("option")] == ["", "progress:1", "history:1", "", "a"]
    assert elements.find("input", type="date", data_act="date", data_action="due", value="2027-03-12")


def test_it_renders_a_multiline_text_input_with_its_label_hint_and_optional_mark():
    html = modal({"type": "input", "block_id": "highlights", "optional": True, "label": text("Highlights"),
                  "hint": text("What went well?"),
                  "element": {"type": "plain_text_input", "action_id": "highlights", "multiline": True,
                              "max_length": 3000, "initial_value": "Shipped"}})
    elements = Elements(html)
    assert elements.find("div", data_block_id="highlights", data_kind="plain_text_input")
    assert elements.find("textarea", name="highlights", maxlength="3000")
    assert ">Shipped</textarea>" in html and "(optional)" in html and "What went well?" in html


def test_it_renders_single_line_and_number_inputs():
    html = modal({"type": "input", "block_id": "title", "label": text("Title"),
                  "element": {"type": "plain_text_input", "action_id": "title", "placeholder": text("A SMART goal")}},
                 {"type": "input", "block_id": "target", "label": text("Target"),
                  "element": {"type": "number_input", "action_id": "target", "is_decimal_allowed": True,
                              "min_value": "0", "initial_value": "130"}})
    elements = Elements(html)
    assert elements.find("input", name="title", type="text", placeholder="A SMART goal")
    assert elements.find("input", name="target", type="number", step="any", min="0", value="130")


def test_it_renders_select_radio_checkbox_date_and_user_inputs_with_their_initial_choices():
    html = modal(
        {"type": "input", "block_id": "level", "label": text("Level"),
         "element": {"type": "static_select", "action_id": "level", "initial_option": option("team", "Team"),
                     "options": [option("company", "Company"), option("team", "Team")]}},
        {"type": "input", "block_id": "confidence", "label": text("Confidence"),
         "element": {"type": "radio_buttons", "action_id": "confidence",
                     "options": [option("1", "1 · very unsure"), option("2", "2 · unsure")]}},
        {"type": "input", "block_id": "acknowledged", "label": text("Read"), "optional": True,
         "element": {"type": "checkboxes", "action_id": "acknowledged", "initial_options": [option("yes", "Yes")],
                     "options": [option("yes", "Yes")]}},
        {"type": "input", "block_id": "due_date", "label": text("Due"),
         "element": {"type": "datepicker", "action_id": "due_date", "initial_date": "2027-06-30"}},
        {"type": "input", "block_id": "peers", "label": text("Peers"),
         "element": {"type": "multi_users_select", "action_id": "peers"}},
    )
    elements = Elements(html)
    assert elements.find("option", value="team", selected=None)
    assert [r["value"] for r in elements.find("input", type="radio", name="confidence")] == ["1", "2"]
    assert elements.find("input", type="checkbox", name="acknowledged", value="yes", checked=None)
    assert elements.find("input", type="date", name="due_date", value="2027-06-30")
    assert elements.find("select", name="peers", multiple=None)
    assert "李雷" in html


def test_it_shows_what_the_person_typed_and_the_bots_inline_error_under_the_field():
    html = modal({"type": "input", "block_id": "confidence", "label": text("Confidence"),
                  "element": {"type": "radio_buttons", "action_id": "confidence",
                              "options": [option("1", "1"), option("2", "2")]}},
                 {"type": "input", "block_id": "highlights", "label": text("Highlights"),
                  "element": {"type": "plain_text_input", "action_id": "highlights", "multiline": True}},
                 values={"highlights": "两个大客户已续约"}, errors={"confidence": "请选择你的信心程度（1 到 5）。"})
    assert '<div class="bk-error" role="alert">请选择你的信心程度（1 到 5）。</div>' in html
    assert Elements(html).find("div", class_="bk-input has-error", data_block_id="confidence")
    assert ">两个大客户已续约</textarea>" in html


def test_it_offers_an_external_selects_options_as_the_bot_answered_them():
    html = modal({"type": "input", "block_id": "parent_id", "optional": True, "label": text("Supports"),
                  "element": {"type": "external_select", "action_id": "goal_parent_options"}},
                 options={"goal_parent_options": [option("7", "Grow ARR")]})
    assert Elements(html).find("option", value="7") and "Grow ARR" in html


def test_it_never_lets_text_from_a_payload_become_markup():
    html = message({"type": "section", "text": text("<img src=x onerror=alert(1)>")},
                   {"type": "actions", "elements": [{"type": "button", "action_id": "a\" onclick=\"x",
                                                     "text": text("<b>")}]})
    assert "<img" not in html and "<b>" not in html
    assert not Elements(html).find("button", onclick="x")


def test_it_links_a_message_to_block_kit_builder_without_fetching_anything():
    blocks = [{"type": "section", "text": text("*李雷* & co", "mrkdwn")}]
    url = block_kit_builder_url(blocks)
    assert url.startswith("https://app.slack.com/block-kit-builder/#%7B%22blocks%22")
    assert unquote(url.split("#", 1)[1]) == '{"blocks": [{"type": "section", "text": {"type": "mrkdwn", ' \
                                            '"text": "*李雷* & co"}}]}'


# ---- Adaptive Cards -----------------------------------------------------------------------------

CARD = {"type": "AdaptiveCard", "version": "1.5", "body": [
    {"type": "TextBlock", "text": "**Weekly check-in** for [the team](https://example.com)\n- one\n- two",
     "wrap": True, "weight": "Bolder"},
    {"type": "FactSet", "facts": [{"title": "Confidence", "value": "4/5"}]},
    {"type": "ColumnSet", "columns": [{"type": "Column", "items": [{"type": "TextBlock", "text": "left"}]},
                                      {"type": "Column", "items": [{"type": "TextBlock", "text": "right"}]}]},
    {"type": "Image", "url": "https://example.com/chart.png", "altText": "chart"},
    {"type": "Input.Text", "id": "highlights", "label": "Highlights", "isMultiline": True, "value": "Shipped"},
    {"type": "Input.ChoiceSet", "id": "confidence", "label": "Confidence", "style": "expanded", "value": "4",
     "choices": [{"title": "3", "value": "3"}, {"title": "4", "value": "4"}]},
    {"type": "Input.Date", "id": "due", "value": "2027-03-12"},
    {"type": "Input.Toggle", "id": "ok", "title": "Read", "valueOn": "yes", "valueOff": "no", "value": "yes"},
    {"type": "ActionSet", "actions": [{"type": "Action.Submit", "title": "Check in now",
                                       "data": {"msteams": {"type": "task/fetch"}, "action": "checkin_open"}}]},
], "actions": [{"type": "Action.OpenUrl", "title": "Docs", "url": "https://example.com/docs"}]}


def test_it_renders_an_adaptive_cards_texts_facts_columns_and_image():
    html = str(render_card(CARD, where="chat", index=4))
    assert "<b>Weekly check-in</b>" in html and '<a href="https://example.com"' in html
    assert "<ul><li>one</li><li>two</li></ul>" in html
    assert "<dt>Confidence</dt><dd>4/5</dd>" in html
    assert html.count('class="ac-column"') == 2
    assert Elements(html).find("img", src="https://example.com/chart.png", alt="chart")
    assert Elements(html).find("div", class_="ac-card", data_where="chat", data_index="4")


def test_it_renders_a_cards_inputs_and_its_submit_and_link_buttons():
    elements = Elements(render_card(CARD, where="dialog"))
    assert elements.find("textarea", id="ac-highlights")
    assert elements.find("input", type="radio", name="ac-confidence", value="4", checked=None)
    assert elements.find("input", type="date", id="ac-due", value="2027-03-12")
    assert elements.find("input", type="checkbox", id="ac-ok", checked=None, data_on="yes", data_off="no")
    [submit] = elements.find("button", data_act="teams-submit")
    assert submit["data-data"] == '{"action": "checkin_open", "msteams": {"type": "task/fetch"}}'
    assert elements.find("a", href="https://example.com/docs")
