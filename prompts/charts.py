"""Chart images for the HR digest and calibration (pure: data in, PNG out).

Drawn with matplotlib's object API (a Figure and its own Agg canvas), never pyplot: charts are drawn from several
threads at once, and pyplot's figure registry and rcParams are shared by all of them. For the same reason the
fonts are given to each text, not through rcParams. matplotlib is imported only inside the functions that draw:
it takes most of a second to import, and `checkin-bot --help` or a listener that never draws should not pay it.
"""

from __future__ import annotations

import io
import textwrap
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from prompts.render import week_start

if TYPE_CHECKING:
    from matplotlib.figure import Figure

# Fonts with Chinese glyphs, tried in order; Chinese team names, titles and labels need one. The image installs
# Debian's fonts-noto-cjk (Noto Sans CJK SC); fonts-wqy-microhei works too. Without any, Chinese shows as boxes.
CJK_FONTS = ("Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "WenQuanYi Micro Hei", "WenQuanYi Zen Hei")
CJK_FILE_HINTS = ("notosanscjk", "notosanssc", "sourcehansans", "wqy")  # file names of the fonts above
LATIN_FONT = "DejaVu Sans"  # matplotlib's own: arrows and symbols a CJK font may lack
MAX_LINES = 8
MAX_BARS = 12
LABEL_MAX = 30  # characters of a team or rating name shown; the rest is an ellipsis
_FONTS_LOCK = threading.Lock()


@dataclass(frozen=True)
class Series:
    name: str
    participation: Sequence[float | None]  # 0..1 per week, None where hidden (too few people)
    confidence: Sequence[float | None]  # 1..5 per week
    emphasis: bool = False  # the organisation's line, drawn bold


def _cjk_installed(font_manager) -> list[str]:
    installed = {font.name for font in font_manager.fontManager.ttflist}
    return [name for name in CJK_FONTS if name in installed]


@cache
def font_family() -> tuple[str, ...]:
    """Return the font families every chart text is drawn with: a CJK font first when one is installed.

    matplotlib caches its list of the system's fonts the first time it runs; a font installed after that (the
    test script installs fonts-noto-cjk when missing) is not in it, so its files are added here once.
    """
    from matplotlib import font_manager

    with _FONTS_LOCK:  # two first charts drawn at once add the files once
        names = _cjk_installed(font_manager)
        if not names:
            for path in font_manager.findSystemFonts():
                if any(hint in Path(path).name.lower().replace("-", "") for hint in CJK_FILE_HINTS):
                    try:
                        font_manager.fontManager.addfont(path)
                    except (OSError, RuntimeError, ValueError):  # a broken font file: try the next one
                        continue
            names = _cjk_installed(font_manager)
    return (*names, LATIN_FONT)


def _short(text: str, limit: int = LABEL_MAX) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _figure(width: float, height: float) -> Figure:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width, height), dpi=100, layout="constrained")
    FigureCanvasAgg(figure)
    return figure


def _plain_axes(axes) -> None:
    axes.spines[["top", "right"]].set_visible(False)


def _fonts_everywhere(figure: Figure) -> None:
    """Give every text of the figure (titles, labels, ticks, legend) the chart fonts."""
    from matplotlib.text import Text

    family = list(font_family())
    for text in figure.findobj(Text):
        text.set_fontfamily(family)


def _colours(count: int):
    """Return a colour map with a distinct colour for each of `count` teams (ten, or twenty when more)."""
    from matplotlib import colormaps

    return colormaps["tab10" if count <= 10 else "tab20"]


def _png(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def _monday(week: str) -> str:
    """Label a week by its Monday as month/day ("10/5"), read the same way in English and Chinese."""
    monday = week_start(week)
    return week[-3:] if monday is None else f"{monday.month}/{monday.day}"


def _has_values(values: Sequence[float | None]) -> bool:
    return any(value is not None for value in values)


def first_week_in_use(series: Sequence[Series]) -> int | None:
    """Return the index of the first week anyone checked in, or None when no one has yet."""
    weeks = max((len(line.participation) for line in series), default=0)
    for index in range(weeks):
        for line in series:
            shown = line.participation[index] if index < len(line.participation) else None
            if shown:  # a share above 0: someone checked in (None is hidden, 0 is no one)
                return index
    return None


def trend_figure(series: Sequence[Series], *, weeks: Sequence[str], title: str, participation_label: str,
                 confidence_label: str) -> Figure:
    """Draw participation (%) and average confidence per week, one line per group that may be shown.

    Weeks before anyone used the bot are gaps, not 0%: the lines start at the first week with a check-in.
    A group whose figures are all hidden (too few people) has no line and stays out of the legend.
    """
    start = first_week_in_use(series)
    if start is None:
        start = len(weeks)

    def kept(values: Sequence[float | None]) -> list[float | None]:
        return [None if index < start else value for index, value in enumerate(values)]

    lines = [(line, kept(line.participation), kept(line.confidence)) for line in series]
    lines = [(line, part, conf) for line, part, conf in lines if _has_values(part) or _has_values(conf)][:MAX_LINES]
    figure = _figure(8, 6)
    top, bottom = figure.subplots(2, 1, sharex=True)
    positions = list(range(len(weeks)))
    for line, participation, confidence in lines:
        style = {"linewidth": 3 if line.emphasis else 1.5, "marker": "o", "markersize": 3}
        top.plot(positions, [float("nan") if v is None else v * 100 for v in participation], label=_short(line.name),
                 **style)
        bottom.plot(positions, [float("nan") if v is None else v for v in confidence], label=_short(line.name),
                    **style)
    for axes in (top, bottom):
        _plain_axes(axes)
        axes.set_xlim(-0.5, max(len(weeks) - 0.5, 0.5))
    top.set_ylabel(participation_label)
    top.set_ylim(0, 105)
    bottom.set_ylabel(confidence_label)
    bottom.set_ylim(1, 5.2)
    bottom.set_xticks(positions, [_monday(week) for week in weeks])
    top.set_title(textwrap.fill(title, 70))
    if lines:  # below the charts, where it covers no line
        figure.legend(*top.get_legend_handles_labels(), loc="outside lower center", fontsize=8, ncol=4, frameon=False)
    _fonts_everywhere(figure)
    return figure


def trend_chart(series: Sequence[Series], *, weeks: Sequence[str], title: str, participation_label: str,
                confidence_label: str) -> bytes:
    """The trend as a PNG (see trend_figure)."""
    return _png(trend_figure(series, weeks=weeks, title=title, participation_label=participation_label,
                             confidence_label=confidence_label))


def distribution_figure(distribution: dict[str, dict[int, int]], *, scale: Sequence[int], title: str,
                        people_label: str, rating_names: dict[int, str]) -> Figure:
    """Grouped horizontal bars: for each rating on the scale, how many people of each team got it.

    Horizontal, so each rating's name sits on its own line at the left whatever its length and however many
    ratings the scale has: the figure grows in height with the ratings and teams, and the legend sits outside
    the bars on the right. Labels never run into each other.
    """
    teams = sorted(distribution)[:MAX_BARS]
    ratings = list(scale)
    band = max(0.45, 0.09 * max(len(teams), 1) + 0.1)  # inches per rating
    figure = _figure(9, 1.6 + band * max(len(ratings), 1))
    axes = figure.subplots()
    _plain_axes(axes)
    height = 0.8 / max(len(teams), 1)
    colours = _colours(len(teams))
    for index, team in enumerate(teams):
        offsets = [position - (index - (len(teams) - 1) / 2) * height for position in range(len(ratings))]
        axes.barh(offsets, [distribution[team].get(rating, 0) for rating in ratings], height=height,
                  label=_short(team), color=colours(index % colours.N))
    axes.set_yticks(list(range(len(ratings))),
                    [_short(f"{rating} · {rating_names[rating]}" if rating_names.get(rating) else str(rating))
                     for rating in ratings])
    axes.set_xlabel(people_label)
    axes.xaxis.get_major_locator().set_params(integer=True)
    axes.set_title(textwrap.fill(title, 70))
    if teams:
        figure.legend(loc="outside right upper", fontsize=8, frameon=False)
    _fonts_everywhere(figure)
    return figure


def distribution_chart(distribution: dict[str, dict[int, int]], *, scale: Sequence[int], title: str,
                       people_label: str, rating_names: dict[int, str]) -> bytes:
    """The calibration chart as a PNG (see distribution_figure)."""
    return _png(distribution_figure(distribution, scale=scale, title=title, people_label=people_label,
                                    rating_names=rating_names))
