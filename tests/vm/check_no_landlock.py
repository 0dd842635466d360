#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""
A kernel without Landlock (booted by the qemu tier with an lsm= list that
leaves it out): nbwarden must refuse every launch, exit 125, say why in one
line, log sandbox-refused, and leave nothing behind. Not a test_*.py file:
the vm tier on a normal kernel does not run it; run-all.sh's qemu tier boots
the second kernel for it.
"""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from nbwtest import Skip, check, main, test  # noqa: E402


@test
def launch_refused_without_landlock(env):
    with open("/sys/kernel/security/lsm") as f:
        lsms = f.read().strip().split(",")
    if "landlock" in lsms:
        raise Skip("Landlock is active (%s): boot with scripts/vmtest.sh -l to leave it out" %
                   ",".join(lsms))
    sid = env.new_id()
    marker = os.path.join(env.root, "ran")
    r = env.run(["/usr/bin/touch", marker], sid=sid)
    check(r.code == 125, "launch not refused", r)
    lines = r.err.strip().splitlines()
    check(len(lines) == 1 and "Landlock is not available" in lines[0] and
          "refusing to launch" in lines[0], "no one-line reason", r.err)
    check(not os.path.exists(marker), "the command ran")
    check(not os.path.exists(env.leaf(sid)), "a cgroup leaf was left behind")
    refused = [e for e in r.events if e["event"]["action"] == "sandbox-refused"]
    check(len(refused) == 1 and "Landlock" in refused[0]["message"], "no refusal event",
          r.events)


if __name__ == "__main__":
    sys.exit(main("vm/no-landlock"))
