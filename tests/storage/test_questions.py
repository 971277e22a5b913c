"""Custom check-in question lists: the parser's refusals by line, the weeks a question is asked, answers by type."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from prompts.question_blocks import error_lines
from storage import questions
from storage.questions import Question, QuestionListError, parse
from tests.builders import load_org, person

MOOD = "mood | 1-5 | 1 | How was your week, 1 to 5? | 这周整体感觉如何（1-5）？"


def errors_of(text: str) -> list[tuple[int, str]]:
    with pytest.raises(QuestionListError) as refused:
        parse(text)
    return [(error.line, error.code) for error in refused.value.errors]


def test_it_parses_a_list_skipping_comments_and_blank_lines():
    text = f"# our questions\n\n{MOOD}\nshipped | yes/no | 2 | Did you ship? | 这周有上线吗？\n"
    assert parse(text) == [
        Question("mood", "1-5", 1, "How was your week, 1 to 5?", "这周整体感觉如何（1-5）？"),
        Question("shipped", "yes/no", 2, "Did you ship?", "这周有上线吗？"),
    ]


def test_an_empty_list_parses_to_no_questions():
    assert parse("# nothing yet\n\n") == []


def test_it_refuses_a_question_with_no_text_naming_the_line():
    assert errors_of(f"{MOOD}\nnote | text | 1 |  | 备注") == [(2, "no_text")]
    assert errors_of("note | text | 1 | A note? | ") == [(1, "no_text")]


def test_it_refuses_duplicate_ids_on_the_second_line():
    assert errors_of(f"{MOOD}\n# again\n{MOOD}") == [(3, "id_duplicate")]


def test_it_refuses_an_unknown_answer_type_with_the_types_there_are():
    with pytest.raises(QuestionListError) as refused:
        parse(f"{MOOD}\n\nstars | stars | 1 | Stars? | 星级？")
    assert error_lines(refused.value.errors, "en") == "line 3: unknown answer type 'stars' (text, 1-5, yes/no)"
    assert error_lines(refused.value.errors, "zh-CN") == "第 3 行：未知的回答类型「stars」（可用：text, 1-5, yes/no）"


def test_it_refuses_more_than_ten_questions_on_the_eleventh():
    lines = [f"q{n} | text | 1 | Question {n}? | 问题 {n}？" for n in range(11)]
    assert errors_of("# header\n" + "\n".join(lines)) == [(12, "too_many")]


def test_it_reports_every_problem_at_once():
    text = "Bad Id | text | 1 | A? | 甲？\nok | 1-5 | 9 | B? | 乙？\nshort | text | 1\n" + "x | text | 1 | " + \
        "y" * 151 + " | 丙"
    assert errors_of(text) == [(1, "id_invalid"), (2, "every_invalid"), (3, "fields"), (4, "text_too_long")]


def test_full_width_bars_and_digits_from_a_chinese_input_method_are_read():
    assert parse("mood｜1-5｜２｜How was it?｜怎么样？")[0].every == 2


@pytest.fixture
def org(sessions):
    load_org(sessions, now=datetime(2026, 11, 23, 9, tzinfo=UTC))


def test_a_question_every_two_weeks_is_asked_from_the_week_saved_and_every_second_week(org, sessions):
    with sessions() as session:
        team = questions.scope_named(session, team="Platform")
        questions.save(session, team, f"{MOOD}\nretro | text | 2 | What would you change? | 你想改变什么？",
                       actor=None, now=datetime(2026, 11, 24, 9, tzinfo=UTC))
        session.commit()
        alan = person(session, "UEMP1")
        asked = {week: [q.id for q in questions.asked_of(session, alan, week)]
                 for week in ("2026-W48", "2026-W49", "2026-W50", "2027-W01", "2027-W02")}
    # 2026 has 53 ISO weeks: the count goes on across the new year, so 2027-W01 is six weeks on, and asked.
    assert asked == {"2026-W48": ["mood", "retro"], "2026-W49": ["mood"], "2026-W50": ["mood", "retro"],
                     "2027-W01": ["mood", "retro"], "2027-W02": ["mood"]}


def test_answers_outside_their_type_are_field_errors():
    asked = parse(f"{MOOD}\nshipped | yes/no | 1 | Shipped? | 上线了吗？\nnote | text | 1 | Note? | 备注？")
    values, errors = questions.clean_answers(asked, {"mood": "7", "shipped": "maybe", "note": " fine "})
    assert errors == {"q:mood": "answer_scale_invalid", "q:shipped": "answer_yes_no_invalid"}
    assert values == {"note": "fine"}
    assert questions.clean_answers(asked, {"mood": "４", "shipped": "YES"}) == ({"mood": "4", "shipped": "yes"}, {})
