"""bench/report/svg_chart.py: a small grouped-bar-chart writer (plain SVG, no dependencies).

grouped_bars(title, groups, series, y_label, ref=None) returns an SVG document: one cluster
of bars per group (e.g. a scenario "C=50 S=64"), one bar per series (a server) in a fixed
colour, each value in its bar's tooltip, an optional dashed reference line (e.g. 1.0 for
"equal to the raw liburing server"). Missing values (None) leave a gap.
"""

from html import escape

PALETTE = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2",
           "#7f7f7f", "#bcbd22", "#17becf"]


def _nice_top(v):
    """A round axis maximum at or above v."""
    if v <= 0:
        return 1.0
    mag = 10 ** len(str(int(v))) / 10 if v >= 1 else 1.0
    while mag > v:
        mag /= 10
    for step in (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10):
        if step * mag >= v:
            return step * mag
    return 10 * mag


def _fmt(v):
    if v >= 100:
        return f"{v:.0f}"
    if v >= 10:
        return f"{v:.1f}"
    return f"{v:.2f}"


def grouped_bars(title, groups, series, y_label, ref=None):
    names = list(series)
    bar_w, gap, pad_l, pad_r, pad_t, pad_b = 14, 18, 60, 150, 40, 50
    group_w = max(1, len(names)) * bar_w + gap
    width = pad_l + len(groups) * group_w + pad_r
    height = 320
    plot_h = height - pad_t - pad_b
    values = [v for s in series.values() for v in s if v is not None]
    top = _nice_top(max(values + ([ref] if ref else []) + [0]) * 1.1)

    def y(v):
        return pad_t + plot_h - plot_h * v / top

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           f'font-family="sans-serif" font-size="11">',
           f'<rect width="{width}" height="{height}" fill="white"/>',
           f'<text x="{width / 2}" y="20" text-anchor="middle" font-size="14">{escape(title)}</text>',
           f'<text x="14" y="{pad_t + plot_h / 2}" transform="rotate(-90 14 {pad_t + plot_h / 2})" '
           f'text-anchor="middle">{escape(y_label)}</text>']
    for i in range(6):  # grid and y axis labels
        v = top * i / 5
        out.append(f'<line x1="{pad_l}" x2="{width - pad_r}" y1="{y(v):.1f}" y2="{y(v):.1f}" '
                   f'stroke="#ddd"/>')
        out.append(f'<text x="{pad_l - 4}" y="{y(v) + 4:.1f}" text-anchor="end">{_fmt(v)}</text>')
    for gi, g in enumerate(groups):
        x0 = pad_l + gi * group_w + gap / 2
        for si, name in enumerate(names):
            vals = series[name]
            v = vals[gi] if gi < len(vals) else None
            if v is None:
                continue
            x = x0 + si * bar_w
            out.append(f'<rect x="{x:.1f}" y="{y(v):.1f}" width="{bar_w - 2}" '
                       f'height="{pad_t + plot_h - y(v):.1f}" fill="{PALETTE[si % len(PALETTE)]}">'
                       f'<title>{escape(name)} {escape(g)}: {_fmt(v)}</title></rect>')
        out.append(f'<text x="{x0 + len(names) * bar_w / 2:.1f}" y="{pad_t + plot_h + 16}" '
                   f'text-anchor="middle">{escape(g)}</text>')
    if ref is not None:
        out.append(f'<line x1="{pad_l}" x2="{width - pad_r}" y1="{y(ref):.1f}" y2="{y(ref):.1f}" '
                   f'stroke="black" stroke-dasharray="4 3"/>')
    for si, name in enumerate(names):  # legend
        ly = pad_t + 4 + si * 16
        out.append(f'<rect x="{width - pad_r + 12}" y="{ly}" width="10" height="10" '
                   f'fill="{PALETTE[si % len(PALETTE)]}"/>')
        out.append(f'<text x="{width - pad_r + 27}" y="{ly + 9}">{escape(name)}</text>')
    out.append('</svg>')
    return "\n".join(out) + "\n"
