"""Chart images for digests: participation and confidence over the last weeks (pure: data in, PNG out)."""

from __future__ import annotations

import io
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

import matplotlib

matplotlib.use("Agg")  # no display on servers

from matplotlib import font_manager  # noqa: E402
from matplotlib import pyplot as plt  # noqa: E402

# Fonts with Chinese glyphs, tried in order; team names in Chinese need one (Debian: fonts-noto-cjk or
# fonts-wqy-microhei). Without any, the chart still renders, with the default font.
CJK_FONTS = ("Noto Sans CJK SC", "Noto Sans SC", "WenQuanYi Micro Hei", "WenQuanYi Zen Hei", "Source Han Sans SC")
MAX_LINES = 8


@dataclass(frozen=True)
class Series:
    name: str
    participation: Sequence[float | None]  # 0..1 per week, None where hidden (too few people)
    confidence: Sequence[float | None]  # 1..5 per week
    emphasis: bool = False  # the organisation's line, drawn bold


@cache
def _font_family() -> list[str]:
    installed = {font.name for font in font_manager.fontManager.ttflist}
    return [name for name in CJK_FONTS if name in installed] + ["DejaVu Sans"]


def trend_chart(series: Sequence[Series], *, weeks: Sequence[str], title: str, participation_label: str,
                confidence_label: str) -> bytes:
    """Draw participation (%) and average confidence per week, one line per group, as a PNG."""
    with warnings.catch_warnings(), plt.rc_context({"font.family": _font_family(), "axes.spines.top": False,
                                                    "axes.spines.right": False}):
        warnings.filterwarnings("ignore", message="Glyph .* missing from font")  # no CJK font: boxes, not noise
        figure, (top, bottom) = plt.subplots(2, 1, figsize=(8, 6), dpi=100, sharex=True)
        try:
            positions = range(len(weeks))
            for line in series[:MAX_LINES]:
                style = {"linewidth": 3 if line.emphasis else 1.5, "marker": "o", "markersize": 3}
                top.plot(positions, [None if v is None else v * 100 for v in line.participation], label=line.name,
                         **style)
                bottom.plot(positions, list(line.confidence), label=line.name, **style)
            top.set_ylabel(participation_label)
            top.set_ylim(0, 105)
            bottom.set_ylabel(confidence_label)
            bottom.set_ylim(1, 5.2)
            bottom.set_xticks(list(positions), [week[-3:] for week in weeks])
            top.set_title(title)
            top.legend(loc="lower left", fontsize=8, ncol=2, frameon=False)
            figure.tight_layout()
            buffer = io.BytesIO()
            figure.savefig(buffer, format="png")
            return buffer.getvalue()
        finally:
            plt.close(figure)


MAX_BARS = 12


def distribution_chart(distribution: dict[str, dict[int, int]], *, scale: Sequence[int], title: str,
                       people_label: str, rating_names: dict[int, str]) -> bytes:
    """Grouped bars: for each rating on the scale, how many people of each team got it (calibration)."""
    with warnings.catch_warnings(), plt.rc_context({"font.family": _font_family(), "axes.spines.top": False,
                                                    "axes.spines.right": False}):
        warnings.filterwarnings("ignore", message="Glyph .* missing from font")
        figure, axes = plt.subplots(figsize=(8, 4.5), dpi=100)
        try:
            teams = sorted(distribution)[:MAX_BARS]
            width = 0.8 / max(len(teams), 1)
            for index, team in enumerate(teams):
                offsets = [value + (index - (len(teams) - 1) / 2) * width for value in range(len(scale))]
                axes.bar(offsets, [distribution[team].get(rating, 0) for rating in scale], width=width, label=team)
            axes.set_xticks(list(range(len(scale))), [f"{r}\n{rating_names.get(r, '')}"[:30] for r in scale])
            axes.set_ylabel(people_label)
            axes.yaxis.get_major_locator().set_params(integer=True)
            axes.set_title(title)
            axes.legend(fontsize=8, frameon=False)
            figure.tight_layout()
            buffer = io.BytesIO()
            figure.savefig(buffer, format="png")
            return buffer.getvalue()
        finally:
            plt.close(figure)
