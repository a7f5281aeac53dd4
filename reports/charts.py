"""Twelve-month bar charts drawn as SVG on the server: no JavaScript, printable."""

from reports import disclosure

WIDTH, HEIGHT = 600, 220
LEFT, RIGHT, TOP, BOTTOM = 40, 10, 24, 36


def bar_chart(title: str, labels: list[str], values: list) -> dict:
    """Geometry for `reports/_bar_chart.html`. A hidden value ("x") is an empty bar; "≥ 73" is drawn as 73."""
    numbers = [disclosure.number(value) for value in values]
    top = max(numbers + [1])
    plot_width, plot_height = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_width / len(values)
    bars = []
    for index, (label, value, number) in enumerate(zip(labels, values, numbers, strict=False)):
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
