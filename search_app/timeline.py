"""A timeline of matching releases by month, drawn as server-side SVG (no script, no library).

Each bar is a link to that month's results for the mouse, with a <title> tooltip. The chart is
one picture to assistive technology and no stop for the Tab key (43 bars were 43 stops): the same
numbers and links are `rows`, which the page shows as a table, and a sentence names the peak.
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
LABEL_GAP = 48  # at least this far between year labels (four digits at the largest label size)


@dataclass(frozen=True)
class MonthRow:
    """One month with releases, as a table row: 'Mar 2024', 3, and the url of that month alone."""

    month: str
    label: str
    count: int
    href: str


@dataclass(frozen=True)
class Timeline:
    """The chart, the sentence that sums it up, and its months as table rows."""

    svg: Markup
    summary: str
    rows: tuple[MonthRow, ...] = ()


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
    rows = []
    parts = [
        # Hidden from assistive technology: the caption says what it shows, the table holds its links.
        f'<svg class="timeline-chart" viewBox="0 0 {WIDTH} {HEIGHT}" aria-hidden="true" focusable="false">',
        f'<line class="axis" x1="0" y1="{plot}" x2="{WIDTH}" y2="{plot}"/>',
    ]
    labelled = -LABEL_GAP
    for i, month in enumerate(months):
        n = counts.get(month, 0)
        x = i * slot + (slot - bar) / 2
        # Years where they start, never overlapping each other or running off the right edge.
        if (month.endswith("-01") or i == 0) and i * slot - labelled >= LABEL_GAP and i * slot <= WIDTH - 36:
            labelled = i * slot
            parts.append(f'<text class="year" x="{labelled:.1f}" y="{HEIGHT - 4}">{month[:4]}</text>')
        if n:
            h = max(2.0, plot * n / peak)
            label = f"{month_label(month)}: {n} release{'' if n == 1 else 's'}"
            href = link(month)
            rows.append(MonthRow(month, month_label(month), n, href))
            parts.append(
                f'<a href="{escape(href)}" tabindex="-1">'
                f'<rect class="bar{" peak" if n == peak else ""}" x="{x:.1f}" y="{plot - h:.1f}" '
                f'width="{bar:.1f}" height="{h:.1f}"><title>{escape(label)}</title></rect></a>'
            )
    parts.append("</svg>")
    return Timeline(Markup("".join(parts)), summary_of(counts), tuple(rows))


def summary_of(counts: Mapping[str, int]) -> str:
    """One sentence: the span and the busiest month."""
    peak_month = max(sorted(counts), key=lambda m: counts[m])
    total = sum(counts.values())
    span = f"{month_label(min(counts))} to {month_label(max(counts))}"
    return (f"{total} dated release{'' if total == 1 else 's'} from {span}; "
            f"most in {month_label(peak_month)} ({counts[peak_month]}).")
