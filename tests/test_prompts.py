"""Every template and label renders in every locale, with the same names in each."""

import importlib
import re
from datetime import date, datetime
from pathlib import Path

import pytest

from prompts import LOCALES, render, template_names
from prompts.blocks import SECTION_TEXT_MAX, markdown_message, sections
from prompts.render import format_date, format_week, label, label_names, mrkdwn_escape
from tests.prompt_samples import LABEL_SAMPLES, SAMPLES


def test_every_locale_has_the_same_templates():
    assert template_names("zh-CN") == template_names("en")


def test_every_template_has_a_sample_context():
    assert sorted(SAMPLES) == template_names("en")


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("name", template_names("en"))
def test_every_template_renders_in_every_locale(name, locale):
    assert render(name, locale, **SAMPLES[name]).strip()


def test_every_locale_has_the_same_labels():
    assert label_names("zh-CN") == label_names("en")


@pytest.mark.parametrize("locale", LOCALES)
def test_every_label_renders(locale):
    for name in label_names(locale):
        assert label(name, locale, **LABEL_SAMPLES.get(name, {}))


def test_chinese_help_is_in_chinese():
    assert "目标" in render("goal_help", "zh-CN")
    assert "SMART" in render("goal_help", "en")


def test_it_escapes_only_what_slack_decodes():
    assert mrkdwn_escape("a<b> & \"c\" 'd' 😀") == "a&lt;b&gt; &amp; \"c\" 'd' 😀"


def test_user_text_is_escaped_in_templates():
    assert "&lt;@U1&gt;" in render("unknown_subcommand", "en", command="/goal", text="<@U1>")


def test_long_text_is_split_into_sections_within_slacks_limit():
    text = "\n".join(f"line {i} " + "x" * 90 for i in range(200))
    blocks = sections(text)
    assert len(blocks) > 1
    assert all(len(b["text"]["text"]) <= SECTION_TEXT_MAX for b in blocks)
    assert "\n".join(b["text"]["text"] for b in blocks) == text


def test_a_single_overlong_line_is_cut_not_lost():
    blocks = sections("y" * 7000)
    assert [len(b["text"]["text"]) for b in blocks] == [3000, 3000, 1000]


def test_every_message_carries_a_text_fallback():
    message = markdown_message("*hi*")
    assert message["text"] == "*hi*" and message["blocks"]


WARNINGS = {"no_number", "not_aligned"}  # the SMART coach's hints, worded in goal_confirm
NOT_ERRORS = {  # states and kinds that share the constant style
    "peers": {"peers", "proposed", "requested", "submitted", "declined"},
    "calibration": {"response"},
    "improvement": {"open", "met", "not_met"},
    "cycles": {"requested", "submitted", "declined"},
    "plan_edits": set(),
}


@pytest.mark.parametrize("module", ["goals", "checkins", "coaching", "kudos", "reviews", "peers", "calibration",
                                    "improvement", "cycles", "plan_edits"])
def test_every_error_code_storage_can_return_has_words_in_every_locale(module):
    source = (Path(__file__).parents[1] / "storage" / f"{module}.py").read_text()
    codes = set(re.findall(r'^[A-Z_]+ = "([a-z_]+)"\s*$', source, re.MULTILINE)) - WARNINGS
    codes |= set(getattr(importlib.import_module(f"storage.{module}"), "ERROR_CODES", ()))
    codes -= NOT_ERRORS.get(module, set())
    for locale in LOCALES:
        missing = {code for code in codes if f"error_{code}" not in label_names(locale)}
        assert not missing, f"{locale} has no words for {sorted(missing)}"


@pytest.mark.parametrize(("locale", "shown"), [("en", "May 29, 2027"), ("zh-CN", "2027年5月29日")])
def test_dates_read_as_the_readers_locale_writes_them(locale, shown):
    assert label("date", locale, d=date(2027, 5, 29)) == shown
    assert format_date("2027-05-29", locale) == shown
    assert format_date(datetime(2027, 5, 29, 23, 30), locale) == shown


def test_text_that_is_not_a_date_passes_the_filter_unchanged():
    assert format_date("next Friday", "en") == "next Friday" and format_date(None, "zh-CN") == ""


@pytest.mark.parametrize(("locale", "shown"), [("en", "week of Oct 5"), ("zh-CN", "10月5日那一周")])
def test_a_week_shown_to_a_person_reads_as_the_week_of_its_monday(locale, shown):
    assert format_week("2026-W41", locale) == shown
    assert format_week("not a week", locale) == "not a week"


def test_messages_show_natural_weeks_and_local_dates():
    assert "your check-in for the week of Nov 23 is in" in render(
        "checkin_thanks", "en", name="Alan", week="2026-W48", created=True, late=False, streak=1, goals=[],
        told_manager=False, manager="Ada")
    assert "11月23日那一周的周进展已提交" in render(
        "checkin_thanks", "zh-CN", name="李雷", week="2026-W48", created=True, late=False, streak=1, goals=[],
        told_manager=False, manager="王芳")
    assert "将于 2026年12月4日 截止" in render("review_request", "zh-CN", name="李雷", cycle="2026-H2",
                                          due=date(2026, 12, 4), criteria=[], reminder=True)
    assert "due Dec 4, 2026" in render("review_request", "en", name="Alan", cycle="2026-H2", due="2026-12-04",
                                       criteria=[], reminder=True)


def test_chinese_words_never_call_a_weekly_update_clocking_in():
    templates = Path(__file__).parents[1] / "prompts" / "templates" / "zh-CN"
    for path in templates.glob("*.j2"):
        assert "签到" not in path.read_text(), f"{path.name}: a weekly update is 周进展, 签到 is clocking in"
