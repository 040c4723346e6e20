"""A timeline of matching releases by month, drawn as server-side SVG (no script, no library).

Each bar is a link to that month's results and carries a <title>, so keyboard and screen-reader
users get the numbers too; a text line under the chart names the peak.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from html import escape

from markupsafe import Markup

WIDTH = 720
HEIGHT = 120
AXIS = 18  # room for year labels under the bars
MAX_BAR = 28
LABEL_GAP = 40  # at least this far between year labels


@dataclass(frozen=True)
class Timeline:
    """The chart and the sentence that sums it up."""

    svg: Markup
    summary: str


def months_between(first: str, last: str) -> list[str]:
    """Every month (yyyy-mm) from `first` to `last`, inclusive."""
    year, month = int(first[:4]), int(first[5:7])
    months = []
    while f"{year:04d}-{month:02d}" <= last:
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def month_label(month: str) -> str:
    """'2024-03' as 'Mar 2024'."""
    names = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()
    return f"{names[int(month[5:7]) - 1]} {month[:4]}"


def render(counts: Mapping[str, int], link: Callable[[str], str]) -> Timeline | None:
    """Draw `counts` (yyyy-mm -> releases); `link(month)` gives the url that shows that month alone."""
    if not counts:
        return None
    months = months_between(min(counts), max(counts))
    peak = max(counts.values())
    slot = WIDTH / len(months)
    bar = min(MAX_BAR, max(1.0, slot * 0.8))
    plot = HEIGHT - AXIS
    parts = [
        # Not role="img": that would hide the month links inside from assistive technology.
        f'<svg class="timeline-chart" viewBox="0 0 {WIDTH} {HEIGHT}" aria-labelledby="timeline-title" '
        'aria-describedby="timeline-desc">',
        '<title id="timeline-title">Matching releases per month</title>',
        f'<desc id="timeline-desc">{escape(summary_of(counts))}</desc>',
        f'<line class="axis" x1="0" y1="{plot}" x2="{WIDTH}" y2="{plot}"/>',
    ]
    labelled = -LABEL_GAP
    for i, month in enumerate(months):
        n = counts.get(month, 0)
        x = i * slot + (slot - bar) / 2
        # Years where they start, never overlapping each other or running off the right edge.
        if (month.endswith("-01") or i == 0) and i * slot - labelled >= LABEL_GAP and i * slot <= WIDTH - 30:
            labelled = i * slot
            parts.append(f'<text class="year" x="{labelled:.1f}" y="{HEIGHT - 4}">{month[:4]}</text>')
        if n:
            h = max(2.0, plot * n / peak)
            label = f"{month_label(month)}: {n} release{'' if n == 1 else 's'}"
            parts.append(
                f'<a href="{escape(link(month))}" aria-label="{escape(label)}">'
                f'<rect class="bar{" peak" if n == peak else ""}" x="{x:.1f}" y="{plot - h:.1f}" '
                f'width="{bar:.1f}" height="{h:.1f}"><title>{escape(label)}</title></rect></a>'
            )
    parts.append("</svg>")
    return Timeline(Markup("".join(parts)), summary_of(counts))


def summary_of(counts: Mapping[str, int]) -> str:
    """One sentence: the span and the busiest month."""
    peak_month = max(sorted(counts), key=lambda m: counts[m])
    total = sum(counts.values())
    span = f"{month_label(min(counts))} to {month_label(max(counts))}"
    return (f"{total} dated release{'' if total == 1 else 's'} from {span}; "
            f"most in {month_label(peak_month)} ({counts[peak_month]}).")
