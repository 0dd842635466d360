#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""
The benchmark tier (root): a Jupyter kernel's start-to-ready time
(KernelManager.start_kernel() and the client's wait_for_ready()) under
nbwarden with the analyst profile, against the same ipykernel started
directly, alternating in one run of scripts/bench-kernel.sh. The figure is the
ratio of the two medians, never an absolute time alone.
"""

import os
import re
import signal
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from nbwtest import BUILD, SRC, check, main, test  # noqa: E402

# CI bound: the goal itself (sandboxed <= 1.2x unsandboxed). Measured here
# 0.91-1.09 over 12 runs (10-13 rounds each, ~1.1-1.5 s per kernel): the
# sandbox adds ~30 ms to a start that is mostly ipykernel's own imports, and a
# kernel's time varies by +-250 ms with the 200 ms steps of wait_for_ready's
# polling, which the medians of 10 rounds do not quite smooth out. The goal
# holds with room for that noise, so the bound does not need to be looser.
KERNEL_RATIO_BOUND = 1.2
ROUNDS = 12
# 12 rounds take ~45 s; under the harness's 120 s per test, with room for the
# script's own cleanup after a timeout
TIMEOUT = 100


def run(cmd, timeout):
    # on a timeout, SIGTERM to the script's process group: the script's trap
    # then stops the kernels it started and removes their cgroups
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                         start_new_session=True)
    try:
        out, _ = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGTERM)
        try:
            out, _ = p.communicate(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)
            out, _ = p.communicate()
        out += "\n(timed out after %d s)" % timeout
    print("\n".join("     " + l for l in out.splitlines()))
    return p.returncode, out


@test
def kernel_start_to_ready_sandboxed_vs_bare(env):
    rc, out = run([os.path.join(SRC, "scripts", "bench-kernel.sh"), BUILD, str(ROUNDS)], TIMEOUT)
    check(rc == 0, "bench-kernel.sh failed (a kernel that did not start, or left behind?)", rc)
    m = re.search(r"^RESULT kernel start-to-ready ratio: ([0-9.]+) \(sandboxed ([0-9.]+) ms, "
                  r"bare ([0-9.]+) ms\)", out, re.M)
    check(m, "no RESULT line")
    ratio = float(m.group(1))
    check(ratio <= KERNEL_RATIO_BOUND, "a sandboxed kernel is ready in %.3fx the time of a bare "
          "one (%s ms against %s ms)" % (ratio, m.group(2), m.group(3)))


if __name__ == "__main__":
    sys.exit(main("bench: kernel"))
