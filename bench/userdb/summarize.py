#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Medians of bench/userdb/run.sh's raw lines ("MODE ROUND SERVER WHAT
key=value...") per mode, server and measurement, and the hearth/systemd
ratios the targets are stated in."""

import statistics
import sys
from collections import defaultdict

vals = defaultdict(lambda: defaultdict(list))
for line in open(sys.argv[1]):
    f = line.split()
    if len(f) < 5 or line.startswith("#"):
        continue
    mode, _, server, what = f[:4]
    kv = dict(x.split("=", 1) for x in f[4:] if "=" in x)
    key = (mode, server, what + (" c=" + kv["clients"] if "clients" in kv else ""))
    for k, v in kv.items():
        if k not in ("clients", "ops", "records", "repeat", "runs"):
            vals[key][k].append(float(v))

med = {k: {m: statistics.median(v) for m, v in d.items()} for k, d in vals.items()}
for k in sorted(med):
    print("%-8s %-7s %-22s %s" % (k[0], k[1], k[2],
          " ".join("%s=%g" % (m, round(v, 2)) for m, v in med[k].items())))


def get(mode, server, what, m):
    return med.get((mode, server, what), {}).get(m)


print()
for mode in sorted({k[0] for k in med}):
    for c in ("1", "2"):
        h, s = get(mode, "hearth", "lookup c=" + c, "ops_per_s"), get(mode, "systemd", "lookup c=" + c, "ops_per_s")
        if h and s:
            print("%s: lookup %s client(s): hearth/systemd throughput %.2fx (target >= 5x)" % (mode, c, h / s))
    h, fl = get(mode, "hearth", "lookup c=1", "p50_us"), get(mode, "floor", "pingpong c=1", "p50_us")
    if h and fl:
        print("%s: hearth p50 / ping-pong floor p50 %.2fx (target <= 1.5x)" % (mode, h / fl))
    h, s = get(mode, "hearth", "enumerate", "median_ms"), get(mode, "systemd", "enumerate", "median_ms")
    if h and s:
        print("%s: enumeration systemd/hearth time %.1fx (target >= 10x)" % (mode, s / h))
