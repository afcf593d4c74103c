"""Inline SVG charts of the returns dashboard, computed here so the templates only place them: a line chart of
weeks, bars, and a choropleth's classes. A suppressed cell ("<5") is drawn as a gap or an empty bar, never as a
number it is not."""

from landreg.calendar import number_text, shamsi_date

COLOURS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf", "#7f7f7f"]
# Five classes, light to dark, for the provinces' map (ColorBrewer "Blues", colour-blind safe).
CLASS_COLOURS = ["#eff3ff", "#bdd7e7", "#6baed6", "#3182bd", "#08519c"]
NO_DATA = "#f2f2f2"


def _value(n) -> int | None:
    return n if isinstance(n, int) else None


def number(n) -> str:
    return number_text(n, places=0) if isinstance(n, int) else str(n)


def nice_step(top: int, ticks: int = 4) -> int:
    """A whole step of 1, 2 or 5 times a power of ten, giving about `ticks` steps up to `top`."""
    rough = max(top / ticks, 1)
    power = 10 ** (len(str(int(rough))) - 1)
    return next(m * power for m in (1, 2, 5, 10) if m * power >= rough)


def line_chart(weeks: list, series: list[dict], *, width: int = 640, height: int = 220) -> dict:
    """Polylines of each series over the weeks, in a width × height box with room for the axes' labels."""
    left, right, top, bottom = 48, 8, 8, 28
    values = [v for s in series for v in map(_value, s["counts"]) if v is not None]
    tick = nice_step(max(values, default=0))
    top_value = tick * max(1, -(-max(values, default=0) // tick))  # the largest value, rounded up to a tick
    step = (width - left - right) / max(len(weeks) - 1, 1)

    def x(i):
        return left + i * step

    def y(v):
        return top + (height - top - bottom) * (1 - v / top_value)

    lines = []
    for i, s in enumerate(series):
        segments, current = [], []
        for w, n in enumerate(s["counts"]):
            v = _value(n)
            if v is None:  # suppressed: a gap
                if current:
                    segments.append(current)
                current = []
                continue
            current.append(f"{x(w):.1f},{y(v):.1f}")
        if current:
            segments.append(current)
        lines.append(
            {
                "label": s["label"],
                "colour": COLOURS[i % len(COLOURS)],
                "segments": [" ".join(points) for points in segments],
                "dots": [
                    {"x": f"{x(w):.1f}", "y": f"{y(_value(n)):.1f}", "title": f"{shamsi_date(weeks[w])}: {number(n)}"}
                    for w, n in enumerate(s["counts"])
                    if _value(n) is not None
                ],
                "total": number(sum(v for v in map(_value, s["counts"]) if v is not None)),
            }
        )
    ticks = [{"y": f"{y(v):.1f}", "label": number(v)} for v in range(0, top_value + 1, tick)]
    every = max(1, len(weeks) // 6)
    week_labels = [{"x": f"{x(i):.1f}", "label": shamsi_date(day)} for i, day in enumerate(weeks) if i % every == 0]
    return {
        "width": width,
        "height": height,
        "lines": lines,
        "ticks": ticks,
        "weeks": week_labels,
        "axis_x": left,
        "axis_y": height - bottom,
        "right": width - right,
        "label_y": height - 8,
    }


def bars(rows: list[dict]) -> list[dict]:
    """rows of {"label", "n"} → with a bar width in percent of the largest, and the number as written."""
    top = max((_value(r["n"]) or 0 for r in rows), default=0) or 1
    return [{**r, "width": f"{100 * (_value(r['n']) or 0) / top:.1f}", "text": number(r["n"])} for r in rows]


def classes(values: dict) -> tuple[dict, list[dict]]:
    """Each key's colour by five equal-count classes of its value, and the legend; a suppressed or zero value has
    the colour of no data."""
    known = sorted(v for v in values.values() if _value(v))
    if not known:
        return {k: NO_DATA for k in values}, []
    bounds = [known[min(len(known) - 1, (len(known) * (i + 1)) // 5)] for i in range(5)]
    bounds = sorted(set(bounds))
    colours = CLASS_COLOURS[-len(bounds) :]

    def colour(v):
        v = _value(v)
        if not v:
            return NO_DATA
        return next(c for bound, c in zip(bounds, colours, strict=True) if v <= bound)

    legend, low = [], known[0]
    for bound, c in zip(bounds, colours, strict=True):
        legend.append({"colour": c, "label": f"{number(low)}–{number(bound)}" if low != bound else number(bound)})
        low = bound + 1
    return {k: colour(v) for k, v in values.items()}, legend
