"""Twelve-month bar charts drawn as SVG on the server: no JavaScript, printable."""

from reports import disclosure
from reports.formatting import coverage_text, figure_text

# About a phone's width in CSS pixels, so that 12-unit labels read at 12 px or more on a 390 px phone.
WIDTH, HEIGHT = 360, 200
LEFT, RIGHT, TOP, BOTTOM = 34, 6, 24, 32


PARTIAL_MARK = "*"  # under the label of a month only some municipalities have approved


def bar_chart(
    title: str,
    labels: list[str],
    values: list,
    short_labels: list[str] | None = None,
    covered: list[int] | None = None,
    total: int | None = None,
) -> dict:
    """Geometry for `reports/_bar_chart.html`. A hidden value ("x") is an empty bar; "≥ 73" is drawn as 73.

    With `covered` (per bar, how many of the `total` municipalities the national figure sums), a bar that
    covers fewer than all is partial: hatched and outlined, PARTIAL_MARK in its label (on a line of its own,
    as "mar*" would run into "apr*" on a phone), and its
    coverage said in the chart's description, which is the chart's accessible name with its title.
    """
    partial = [total is not None and count < total for count in covered or [total] * len(values)]
    numbers = [disclosure.number(value) for value in values]
    top = max(numbers + [1])
    plot_width, plot_height = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_width / len(values)
    bars = []
    for index, (label, value, number, is_partial) in enumerate(
        zip(short_labels or labels, values, numbers, partial, strict=False)
    ):
        height = plot_height * number / top
        x = LEFT + index * slot
        bars.append(
            {
                "x": round(x + slot * 0.15, 1),
                "width": round(slot * 0.7, 1),
                "y": round(TOP + plot_height - height, 1),
                "height": round(height, 1),
                "label": label,
                "mark": PARTIAL_MARK if is_partial else "",
                "value": value,
                "text": figure_text(value),
                "partial": is_partial,
                "centre": round(x + slot / 2, 1),
                "value_y": round(TOP + plot_height - height - 4, 1),
            }
        )
    description = ", ".join(
        f"{label}: {figure_text(value)}" + (f" ({coverage_text(count, total)})" if is_partial else "")
        for label, value, count, is_partial in zip(labels, values, covered or partial, partial, strict=False)
    )
    return {
        "title": title,
        "description": description,
        "bars": bars,
        "width": WIDTH,
        "height": HEIGHT,
        "axis_y": TOP + plot_height,
        "left": LEFT,
        "right": WIDTH - RIGHT,
        "label_y": HEIGHT - BOTTOM + 16,
        "mark_dy": 13,  # the mark under the label, its baseline 3 px from the bottom: a * sits high, clear of "j"
        "top": top,
        "top_y": TOP,
        "partial": any(partial),
    }
