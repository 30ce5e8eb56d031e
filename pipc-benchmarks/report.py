#!/usr/bin/env python3
"""Turns a JMH JSON result file into the README's performance table and an SVG chart.

Usage: python3 pipc-benchmarks/report.py results.json docs/benchmarks.svg > table.md

Each benchmark class pits pipc against a JDK baseline doing the same work in the same run;
the table shows both and their ratio, the chart shows the ratio (pipc / baseline, higher is
better for pipc) for one-way throughput and for round-trip speed.
"""
import json
import sys

TRANSPORTS = [  # (class, transport, baseline)
    ("InProcessBenchmark", "in-process", "ArrayBlockingQueue"),
    ("FifoBenchmark", "named pipe", "FileChannel on a FIFO"),
    ("UnixBenchmark", "Unix socket", "SocketChannel"),
    ("TcpBenchmark", "TCP (loopback)", "SocketChannel"),
]
SIZES = [("64", "64 B"), ("65536", "64 KiB")]


def load(path):
    scores = {}
    for result in json.load(open(path)):
        cls, method = result["benchmark"].rsplit(".", 2)[-2:]
        size = result.get("params", {}).get("size")
        metric = result["primaryMetric"]
        scores[(cls, method, size)] = (metric["score"], metric["scoreError"], metric["scoreUnit"])
    return scores


def pick(scores, cls, prefix, pipc, size):
    for (c, method, s), value in scores.items():
        if c == cls and s == size and method.startswith(prefix):
            is_pipc = method.lower().endswith("pipe") or method.lower().endswith("pipc")
            if is_pipc == pipc:
                return value
    return None


def rows(scores):
    for cls, transport, baseline in TRANSPORTS:
        for size, label in SIZES:
            one_pipc = pick(scores, cls, "oneWay", True, size)
            one_base = pick(scores, cls, "oneWay", False, size)
            rt_pipc = pick(scores, cls, "roundTrip", True, size)
            rt_base = pick(scores, cls, "roundTrip", False, size)
            if None in (one_pipc, one_base, rt_pipc, rt_base):
                continue
            yield transport, baseline, label, one_pipc, one_base, rt_pipc, rt_base


def table(scores):
    out = ["| transport | message | one-way, pipc | one-way, baseline | × | round trip, pipc | round trip, baseline | × |",
           "|---|---|---:|---:|---:|---:|---:|---:|"]
    for transport, baseline, label, op, ob, rp, rb in rows(scores):
        out.append("| %s (vs %s) | %s | %s msg/s | %s msg/s | %.2f | %.1f µs | %.1f µs | %.2f |" % (
            transport, baseline, label, format(round(op[0]), ","), format(round(ob[0]), ","), op[0] / ob[0],
            rp[0], rb[0], rb[0] / rp[0]))
    return "\n".join(out)


def chart(scores, path):
    data = [(f"{t} {l}", op[0] / ob[0], rb[0] / rp[0]) for t, _, l, op, ob, rp, rb in rows(scores)]
    width, bar, gap, left, top = 760, 12, 10, 190, 40
    height = top + len(data) * (2 * bar + gap) + 40
    peak = max(max(a, b) for _, a, b in data)
    scale = (width - left - 60) / max(peak, 1.0)
    svg = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="sans-serif" font-size="12">',
           f'<text x="{left}" y="18" font-size="14">pipc ÷ JDK baseline, same run (higher is better for pipc)</text>',
           f'<rect x="{left}" y="24" width="10" height="10" fill="#2b6cb0"/><text x="{left + 14}" y="33">one-way throughput</text>',
           f'<rect x="{left + 150}" y="24" width="10" height="10" fill="#dd6b20"/><text x="{left + 164}" y="33">round-trip speed</text>']
    y = top
    for label, one, rt in data:
        svg.append(f'<text x="{left - 8}" y="{y + bar + 4}" text-anchor="end">{label}</text>')
        for value, colour, dy in ((one, "#2b6cb0", 0), (rt, "#dd6b20", bar)):
            svg.append(f'<rect x="{left}" y="{y + dy}" width="{value * scale:.1f}" height="{bar - 1}" fill="{colour}"/>')
            svg.append(f'<text x="{left + value * scale + 4:.1f}" y="{y + dy + bar - 2}">{value:.2f}×</text>')
        y += 2 * bar + gap
    x1 = left + scale
    svg.append(f'<line x1="{x1:.1f}" y1="{top - 4}" x2="{x1:.1f}" y2="{y}" stroke="#555" stroke-dasharray="4 3"/>')
    svg.append(f'<text x="{x1:.1f}" y="{y + 14}" text-anchor="middle">1× (as fast as the baseline)</text>')
    svg.append("</svg>")
    with open(path, "w") as f:
        f.write("\n".join(svg) + "\n")


if __name__ == "__main__":
    results = load(sys.argv[1])
    print(table(results))
    if len(sys.argv) > 2:
        chart(results, sys.argv[2])
