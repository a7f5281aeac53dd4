"""Twelve-month bar charts drawn as SVG on the server: no JavaScript, printable."""

from reports import disclosure

# About a phone's width in CSS pixels, so that 12-unit labels read at 12 px or more on a 390 px phone.
WIDTH, HEIGHT = 360, 200
LEFT, RIGHT, TOP, BOTTOM = 34, 6, 24, 32


def bar_chart(title: str, labels: list[str], values: list, short_labels: list[str] | None = None) -> dict:
    """Geometry for `reports/_bar_chart.html`. A hidden value ("x") is an empty bar; "≥ 73" is drawn as 73."""
    numbers = [disclosure.number(value) for value in values]
    top = max(numbers + [1])
    plot_width, plot_height = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_width / len(values)
    bars = []
    for index, (label, value, number) in enumerate(zip(short_labels or labels, values, numbers, strict=False)):
        height = plot_height * number / top
        x = LEFT + index * slot
        bars.append(
            {
                "x": round(x + slot * 0.15, 1),
                "width": round(slot * 0.7, 1),
                "y": round(TOP + plot_height - height, 1),
                "height": round(height, 1),
                "label": label,
                "value": value,
                "centre": round(x + slot / 2, 1),
                "value_y": round(TOP + plot_height - height - 4, 1),
            }
        )
    description = ", ".join(f"{label}: {value}" for label, value in zip(labels, values, strict=False))
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
        "top": top,
        "top_y": TOP,
    }
