"""Charts people can read: Chinese text with every glyph, no 0% before the bot was used, hidden teams out of the
legend, calibration labels apart, drawn from several threads, and matplotlib never imported by the CLI."""

import io
import itertools
import math
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import pytest
from matplotlib import font_manager, ft2font
from matplotlib.text import Text
from matplotlib.transforms import Bbox

from prompts import charts, digest_blocks
from storage.analytics import Digest, GroupFigures, WeekPoint

WEEKS = [f"2026-W{n}" for n in range(34, 42)]
BEFORE = [0.0, 0.0, 0.0]  # three weeks before anyone used the bot: counted as 0 check-ins of the roster


def trend(*series):
    return charts.trend_figure(list(series), weeks=WEEKS, title="周进展提交情况（截至10月5日那一周）",
                               participation_label="参与率 %", confidence_label="平均信心（1-5）")


def crowded_calibration():
    teams = [f"华东区域销售与客户成功{n}组" for n in range(1, 13)]
    scale = list(range(1, 11))
    distribution = {team: {rating: (index + rating) % 5 for rating in scale} for index, team in enumerate(teams)}
    names = {rating: f"远超预期的卓越表现（第{rating}级）" for rating in scale}
    return charts.distribution_figure(distribution, scale=scale, title="各团队评分分布 – 2026 下半年研发中心年度评估",
                                      people_label="人数", rating_names=names)


def shown_texts(figure):
    figure.canvas.draw()
    return [text for text in figure.findobj(Text) if text.get_visible() and text.get_text().strip()]


def charmap_of(path):
    return ft2font.FT2Font(path).get_charmap()


@pytest.mark.filterwarnings("error")  # matplotlib warns "Glyph ... missing from font(s)": that fails the test
@pytest.mark.parametrize("draw", ["trend", "calibration"])
def test_it_draws_chinese_team_names_titles_and_labels_with_every_glyph(draw):
    figure = trend(charts.Series("全组织", [*BEFORE, 0.5, 0.6, 0.7, 0.8, 0.9], [None] * 3 + [3, 3.5, 4, 4, 4], True),
                   charts.Series("华东销售部", [*BEFORE, 0.4, 0.6, 0.7, 0.8, 0.9], [None] * 3 + [3, 3, 4, 4, 4])) \
        if draw == "trend" else crowded_calibration()
    figure.savefig(io.BytesIO(), format="png")
    texts = shown_texts(figure)
    chinese = [text for text in texts if any("\u4e00" <= char <= "\u9fff" for char in text.get_text())]
    assert len(chinese) >= 4  # the title, the axis labels and the legend's team names at least
    for text in chinese:
        path = font_manager.findfont(text.get_fontproperties(), fallback_to_default=False)
        missing = {char for char in text.get_text() if not char.isspace() and ord(char) not in charmap_of(path)}
        assert not missing, f"{path} lacks {sorted(missing)} of {text.get_text()!r}: install fonts-noto-cjk"


def test_a_cjk_font_comes_first_so_chinese_never_falls_back_to_boxes():
    assert charts.font_family()[0] in charts.CJK_FONTS, "no CJK font found: install Debian's fonts-noto-cjk"


def test_weeks_before_anyone_used_the_bot_are_gaps_not_zero():
    figure = trend(charts.Series("全组织", [*BEFORE, 0.5, 0.6, 0.7, 0.8, 0.9], [None] * 3 + [3, 3, 4, 4, 4], True))
    participation = figure.axes[0].get_lines()[0].get_ydata()
    assert all(math.isnan(value) for value in participation[:3])
    assert list(participation[3:]) == pytest.approx([50, 60, 70, 80, 90])


def test_a_team_at_zero_once_the_bot_is_in_use_is_drawn_at_zero():
    figure = trend(charts.Series("全组织", [*BEFORE, 0.5, 0.6, 0.7, 0.8, 0.9], [None] * 8, True),
                   charts.Series("法务部", [*BEFORE, 0.0, 0.0, 0.3, 0.3, 0.3], [None] * 8))
    legal = figure.axes[0].get_lines()[1].get_ydata()
    assert all(math.isnan(value) for value in legal[:3])
    assert list(legal[3:]) == pytest.approx([0, 0, 30, 30, 30])


def test_teams_hidden_by_the_privacy_rule_stay_out_of_the_legend():
    figure = trend(charts.Series("全组织", [*BEFORE, 0.5, 0.6, 0.7, 0.8, 0.9], [None] * 3 + [3, 3, 4, 4, 4], True),
                   charts.Series("两人小组", [None] * 8, [None] * 8),
                   charts.Series("华东销售部", [*BEFORE, 0.4, 0.6, 0.7, 0.8, 0.9], [None] * 8))
    [legend] = figure.legends
    assert [text.get_text() for text in legend.get_texts()] == ["全组织", "华东销售部"]
    assert len(figure.axes[0].get_lines()) == 2


def test_a_chart_before_anyone_checked_in_has_no_lines_and_no_legend():
    figure = trend(charts.Series("全组织", [0.0] * 8, [None] * 8, True))
    assert figure.axes[0].get_lines() == [] and figure.legends == []


def test_calibration_labels_do_not_overlap_in_a_crowded_chart():
    figure = crowded_calibration()
    renderer = figure.canvas.get_renderer()
    boxes = [(text.get_text(), text.get_window_extent(renderer)) for text in shown_texts(figure)]
    assert len(boxes) > 10 + 12  # ten ratings and twelve teams, besides the title and the axis
    for (one, a), (other, b) in itertools.combinations(boxes, 2):
        both = Bbox.intersection(a, b)
        assert both is None or both.width <= 0 or both.height <= 0, f"{one!r} overlaps {other!r}"
    inside = figure.bbox
    assert all(inside.x0 <= box.x0 and box.x1 <= inside.x1 + 1 for _, box in boxes), "a label runs off the image"


def test_it_draws_charts_from_several_threads_at_once():
    def draw(n):
        series = charts.Series(f"团队{n}", [*BEFORE, 0.5, 0.6, 0.7, 0.8, 0.9], [None] * 3 + [3, 3, 4, 4, 4])
        return charts.trend_chart([series], weeks=WEEKS, title=f"图 {n}", participation_label="参与率 %",
                                  confidence_label="信心")

    with ThreadPoolExecutor(4) as pool:
        images = list(pool.map(draw, range(8)))
    assert all(image.startswith(b"\x89PNG") for image in images)
    assert len(set(images)) == 8


def test_the_command_line_does_not_import_matplotlib():
    code = "import sys, bot.cli; print(sorted(m for m in sys.modules if m.split('.')[0] == 'matplotlib'))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def figures(name, participation, confidence=None):
    points = [WeekPoint(week, share, None if confidence is None else confidence)
              for week, share in zip(WEEKS, participation, strict=True)]
    return GroupFigures(name=name, people=5, checked_in=4, participation=points[-1].participation,
                        avg_confidence=None, trend=points, open_blockers=0, goals_at_risk=0, goals_off_track=0,
                        stale_goals=0, missing=[], missing_count=0, overdue_one_on_ones=[],
                        overdue_one_on_ones_count=0, overdue_reviews=0, open_improvement_plans=0)


@pytest.mark.filterwarnings("error")
def test_the_digests_chart_in_chinese_has_no_missing_glyph():
    digest = Digest(week=WEEKS[-1], organisation=figures("", [*BEFORE, 0.5, 0.6, 0.7, 0.8, 0.9], 3.5),
                    teams=[figures("华东销售部", [*BEFORE, 0.4, 0.6, 0.7, 0.8, 0.9]), figures("两人小组", [None] * 8)])
    image = digest_blocks.digest_chart(digest, locale="zh-CN")
    assert image.startswith(b"\x89PNG")
