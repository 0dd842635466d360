#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""
The benchmark tier (root): the eBPF layer's figures, measured side by side in
one run, held to bounds that catch a regression on a noisy shared machine.
The project's goals are printed next to them; "make bench" runs the longer
version. The audit log's figure is its write rate under fsync = batch; the
daemon's are its launch latency against embedded mode, its memory with 500
sandboxes and its latency at 500 against 1. Each figure is a ratio to a baseline taken in the same run, or an
event count the kernel keeps, never an absolute time alone.
"""

import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from nbwtest import BUILD, SRC, check, main, test  # noqa: E402

# CI bounds: looser than the goals (1.10, 200,000/s) by what the shared
# machines' noise needs, tight enough that a per-entry cost in the connect
# hooks or a per-event wake-up in the event path fails them.
CONNECT_RATIO_BOUND = 1.25
THROUGHPUT_BOUND = 200000
AUDIT_BOUND = 100000  # the goal itself: measured ~170,000/s here
# daemon mode: RSS is the goal itself (it does not depend on the machine's
# load). The latency goals are 1.3 (daemon/embedded) and 1.2 (at 500 running
# against 1); measured here 1.19-1.24 and 1.48, the second goal missed: 500
# running sandboxes slow embedded launches too (1.32x), so these bounds catch
# a regression (the at-500 figure was 3.8 before idle supervisors ticked once
# a second) rather than hold the goal.
DAEMON_RSS_MIB = 64
DAEMON_RATIO_BOUND = 1.6
DAEMON_AT_N_BOUND = 2.2


def run(cmd, timeout):
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                       timeout=timeout)
    print("\n".join("     " + l for l in r.stdout.splitlines()))
    return r


@test
def connect_overhead_with_10000_entries(env):
    r = run([os.path.join(BUILD, "tests", "bench", "bench-connect"), "2000"], 110)
    check(r.returncode == 0, "bench-connect failed", r.returncode)
    m = re.search(r"^RESULT connect ratio at 10000 entries: tcp ([0-9.]+), udp ([0-9.]+)",
                  r.stdout, re.M)
    check(m, "no RESULT line")
    tcp, udp = float(m.group(1)), float(m.group(2))
    check(tcp <= CONNECT_RATIO_BOUND, "TCP connect() with hooks is %.3fx the plain one" % tcp)
    check(udp <= CONNECT_RATIO_BOUND + 0.1, "UDP connect() with hooks is %.3fx" % udp)
    # the 10,000-entry plan is built at every launch: it must stay cheap
    plan = re.search(r"^10000\s+([0-9.]+) ms", r.stdout, re.M)
    check(plan and float(plan.group(1)) < 200, "planning 10,000 entries took %s ms" %
          (plan.group(1) if plan else "?"))


@test
def event_throughput_without_loss(env):
    r = run([os.path.join(SRC, "scripts", "bench-bpf.sh"), BUILD, "0", "200000", "3"], 110)
    check(r.returncode == 0, "bench-bpf.sh failed (an event unaccounted for?)", r.returncode)
    m = re.search(r"^RESULT event throughput: median ([0-9]+) events/s over 3 runs, "
                  r"unaccounted none", r.stdout, re.M)
    check(m, "no RESULT line, or events unaccounted for")
    rate = int(m.group(1))
    check(rate >= THROUGHPUT_BOUND, "%d events/s through to the log" % rate)


@test
def audit_log_write_rate(env):
    r = run([os.path.join(SRC, "scripts", "bench-audit.sh"), BUILD, "200000", "3"], 110)
    check(r.returncode == 0, "bench-audit.sh failed (a log that does not verify?)", r.returncode)
    m = re.search(r"^RESULT audit log, fsync=batch: ([0-9]+) records/s grouped, ([0-9]+) one "
                  r"by one", r.stdout, re.M)
    check(m, "no RESULT line")
    grouped = int(m.group(1))
    check(grouped >= AUDIT_BOUND, "%d records/s with batched fsync" % grouped)


@test
def daemon_latency_memory_and_scaling(env):
    r = run([os.path.join(SRC, "scripts", "bench-daemon.sh"), BUILD, "500", "20"], 600)
    check(r.returncode == 0, "bench-daemon.sh failed", r.returncode)
    ratio = re.search(r"^daemon/embedded ratio \(medians\): ([0-9.]+)", r.stdout, re.M)
    rss = re.search(r"^daemon RSS with 500 sandboxes running: ([0-9.]+) MiB", r.stdout, re.M)
    scale = re.search(r"^at-500/at-1 ratio \(medians\): ([0-9.]+)", r.stdout, re.M)
    check(ratio and rss and scale, "missing figures")
    check(float(rss.group(1)) < DAEMON_RSS_MIB, "daemon RSS %s MiB" % rss.group(1))
    check(float(ratio.group(1)) <= DAEMON_RATIO_BOUND, "daemon/embedded %s" % ratio.group(1))
    check(float(scale.group(1)) <= DAEMON_AT_N_BOUND, "at-500/at-1 %s" % scale.group(1))


if __name__ == "__main__":
    sys.exit(main("bench"))
