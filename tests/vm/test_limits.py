#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""
The [limits] tests (root, pure cgroup v2): memory, memory_high, swap, pids,
cpus and IO, each measured against the kernel's own counters. They need
every controller, which this project's build hosts (hybrid cgroups) lack:
scripts/vmtest.sh boots Debian's kernel under qemu and runs them there. Every
profile here says "enforce = strict", so a limit that cannot be applied
refuses the launch instead of passing unnoticed.
"""

import os
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from nbwtest import (PYTHON, Skip, check, main, pid_alive, read_line, test,  # noqa: E402
                     wait_for)

STRICT = "[exec]\nallow = %s\n[limits]\nenforce = strict\n" % PYTHON

# allocate (and touch) MiB in 16 MiB steps, reporting each step
HOG = """
import sys
held = []
for i in range(int(sys.argv[1]) // 16):
    held.append(b"x" * (16 << 20))
    print("allocated", (i + 1) * 16, flush=True)
print("done", flush=True)
"""


def needs_controllers(env):
    with open(os.path.join(env.cg_mount, "cgroup.controllers")) as f:
        have = set(f.read().split())
    missing = {"memory", "cpu", "pids", "io"} - have
    if missing:
        raise Skip("this host's cgroup2 hierarchy lacks %s (hybrid cgroups): the VM tier "
                   "(scripts/vmtest.sh) runs these tests" % " ".join(sorted(missing)))


def keyed(path, key):
    with open(path) as f:
        for line in f:
            k, _, v = line.partition(" ")
            if k == key:
                return int(v)
    raise KeyError("%s has no %s" % (path, key))


def events_with(r, action):
    return [e for e in r.events if e["event"]["action"] == action]


def limits_profile(env, limits, extra=""):
    return env.profile(STRICT + limits + extra)


@test
def memory_bomb_oom_killed(env):
    needs_controllers(env)
    # a bystander sandbox, running throughout
    bystander = env.new_id()
    p = env.popen([env.probe, "signals"], profile=limits_profile(env, "memory = 64M\n"),
                  sid=bystander)
    try:
        check(read_line(p.stdout, 20) == "ready", "bystander did not start")
        prof = limits_profile(env, "memory = 256M\nswap = 0\n")
        t = time.monotonic()
        r = env.run([PYTHON, "-c", HOG, "2048"], profile=prof, timeout=120)
        took = time.monotonic() - t
        check(r.code == 137, "memory bomb not killed", r)
        lines = r.err.strip().splitlines()
        check(len(lines) == 1 and "memory limit of 256M reached" in lines[0],
              "no one-line message naming the limit", r.err)
        reached = [int(l.split()[1]) for l in r.out.splitlines() if l.startswith("allocated")]
        check(reached and 128 <= reached[-1] < 256 and "done" not in r.out,
              "killed at the wrong size", r.out)
        killed = events_with(r, "sandbox-killed")
        check(len(killed) == 1 and killed[0]["nbwarden"]["rule"] == "limits.memory" and
              killed[0]["nbwarden"]["reason"] == "memory" and
              killed[0]["nbwarden"]["limit"] == "256M", "no memory kill event", r.events)
        check(r.events[-1]["event"]["action"] == "sandbox-exit", "exit is not the last event")
        # the bystander lives on, its own cgroup never saw an OOM
        check(p.poll() is None and pid_alive(p.pid), "the bystander sandbox died")
        check(keyed(os.path.join(env.leaf(bystander), "memory.events"), "oom_kill") == 0,
              "OOM kill in the bystander's cgroup")
        # and the host's init and this test are untouched (we are still here)
        check(pid_alive(1), "init died")
        print("     killed after %d MiB in %.1fs" % (reached[-1], took))
    finally:
        p.send_signal(signal.SIGTERM)
        p.communicate(timeout=20)


@test
def memory_high_throttles_without_killing(env):
    needs_controllers(env)
    t = time.monotonic()
    free = env.run([PYTHON, "-c", HOG, "80"], profile=limits_profile(env, ""), timeout=120)
    free_took = time.monotonic() - t
    check(free.code == 0 and "done" in free.out, "unlimited allocation failed", free)
    prof = limits_profile(env, "memory_high = 64M\n")
    t = time.monotonic()
    r = env.run([PYTHON, "-c", HOG, "80"], profile=prof, timeout=120)
    took = time.monotonic() - t
    check(r.code == 0 and "done" in r.out, "throttled allocation did not complete", r)
    check(not events_with(r, "sandbox-killed"), "killed for memory_high", r.events)
    hits = events_with(r, "sandbox-exit")[0]["nbwarden"].get("limit_hits", {})
    check(hits.get("memory_high", 0) > 0, "memory.high never reached", hits)
    print("     80 MiB: %.1fs unlimited, %.1fs over a 64M memory_high (%d throttling events)" %
          (free_took, took, hits["memory_high"]))
    check(took >= 2 * free_took, "not slowed down: %.1fs against %.1fs" % (took, free_took))


@test
def swap_zero_honoured(env):
    needs_controllers(env)
    dev = os.environ.get("NBW_VM_SWAP_DEV")
    if not dev:
        raise Skip("needs a spare disk to swap on: the VM tier (scripts/vmtest.sh) provides one")
    subprocess.run(["mkswap", "-q", dev], check=True, timeout=30)
    subprocess.run(["swapon", dev], check=True, timeout=30)
    try:
        # with swap the kernel pushes the excess out and the program completes
        r = env.run([PYTHON, "-c", HOG, "160"],
                    profile=limits_profile(env, "memory = 96M\n"), timeout=120)
        check(r.code == 0 and "done" in r.out, "160 MiB under memory = 96M with swap failed",
              r)
        # swap = 0: the same program must be OOM-killed
        r = env.run([PYTHON, "-c", HOG, "160"],
                    profile=limits_profile(env, "memory = 96M\nswap = 0\n"), timeout=120)
        check(r.code == 137 and "memory limit of 96M" in r.err, "swap = 0 not honoured", r)
    finally:
        subprocess.run(["swapoff", dev], timeout=120)


@test
def fork_bomb_contained(env):
    needs_controllers(env)
    bomb = """
import os, time
end = time.monotonic() + 60
while time.monotonic() < end:
    try:
        os.fork()
    except OSError:
        pass
"""
    sid = env.new_id()
    prof = limits_profile(env, "pids = 64\nwall_time = 8s\n")
    p = env.popen([PYTHON, "-c", bomb], profile=prof, sid=sid)
    leaf = env.leaf(sid)
    try:
        check(wait_for(lambda: os.path.exists(os.path.join(leaf, "pids.events")) and
                       keyed(os.path.join(leaf, "pids.events"), "max") > 0, 20),
              "the bomb never reached pids.max")
        # the guest stays responsive: commands start and finish promptly
        worst, peak = 0.0, 0
        for _ in range(5):
            t = time.monotonic()
            subprocess.run(["/bin/true"], check=True, timeout=10)
            worst = max(worst, time.monotonic() - t)
            with open(os.path.join(leaf, "pids.current")) as f:
                peak = max(peak, int(f.read()))
        check(worst < 1.0, "a command took %.2fs during the fork bomb" % worst)
        check(peak <= 64, "pids.current %d above pids = 64" % peak)
        out, err = p.communicate(timeout=60)
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
    check(p.returncode == 137 and "wall-clock limit of 8s" in err, "bomb not ended", err)
    with open(p.events_path) as f:
        last = f.read().strip().splitlines()[-1]
    check('"action":"sandbox-exit"' in last.replace(" ", "") and '"pids"' in last,
          "no pids hits in the exit event", last)
    check(wait_for(lambda: not os.path.exists(leaf), 10), "the bomb's cgroup was not removed")
    print("     %d processes at most; /bin/true took at most %.3fs" % (peak, worst))


def cpu_share(env, limits):
    """Spin in a sandbox; return the CPUs it used over 5 s, from the leaf's cpu.stat."""
    sid = env.new_id()
    p = env.popen([env.probe, "spin", "12"], profile=limits_profile(env, limits), sid=sid)
    stat = os.path.join(env.leaf(sid), "cpu.stat")
    try:
        check(wait_for(lambda: os.path.exists(stat) and keyed(stat, "usage_usec") > 200000, 20),
              "the spinner did not start")
        time.sleep(1)  # past the first periods
        u0, t0 = keyed(stat, "usage_usec"), time.monotonic()
        time.sleep(5)
        u1, t1 = keyed(stat, "usage_usec"), time.monotonic()
        # without a cpus limit the leaf has no cpu controller and no throttling figures
        throttled = keyed(stat, "throttled_usec") if limits else 0
    finally:
        p.send_signal(signal.SIGTERM)
        p.communicate(timeout=20)
    return (u1 - u0) / 1e6 / (t1 - t0), throttled


@test
def cpus_half(env):
    needs_controllers(env)
    free, _ = cpu_share(env, "")
    half, throttled = cpu_share(env, "cpus = 0.5\n")
    print("     spinning: %.3f CPUs unlimited, %.3f CPUs under cpus = 0.5" % (free, half))
    check(free > 0.8, "an unlimited spinner only got %.3f CPUs: cannot tell" % free)
    check(0.45 <= half <= 0.55, "cpus = 0.5 gave %.3f CPUs" % half)
    check(throttled > 0, "cpu.stat shows no throttling")


WRITER = """
import mmap, os, sys, time
fd = os.open(sys.argv[1], os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_DIRECT, 0o644)
buf = mmap.mmap(-1, 1 << 20)
buf.write(b"x" * (1 << 20))
t0 = time.monotonic()
n = 0
mark = 1
while time.monotonic() - t0 < float(sys.argv[2]):
    os.write(fd, buf)
    n += 1
    if time.monotonic() - t0 >= mark:
        print("t=%.4f bytes=%d" % (time.monotonic() - t0, n << 20), flush=True)
        mark += 1
os.close(fd)
os.unlink(sys.argv[1])
"""


def write_rate(env, limits, secs):
    """MiB/s written with O_DIRECT from second 1 to the end (past the initial burst)."""
    d = os.path.join(env.root, "io")
    os.makedirs(d, exist_ok=True)
    os.chown(d, env.uid, env.gid)
    prof = limits_profile(env, limits, "[filesystem]\nwritable = %s\n" % d)
    r = env.run([PYTHON, "-c", WRITER, os.path.join(d, "w"), str(secs)], profile=prof,
                timeout=secs + 60)
    check(r.code == 0, "writer failed", r)
    marks = [dict(kv.split("=") for kv in l.split()) for l in r.out.splitlines()]
    check(len(marks) >= 2, "writer reported too little", r.out)
    a, b = marks[0], marks[-1]
    return (int(b["bytes"]) - int(a["bytes"])) / 2**20 / (float(b["t"]) - float(a["t"]))


@test
def io_write_throttled(env):
    needs_controllers(env)
    st = os.stat(env.root)
    sysdev = "/sys/dev/block/%d:%d" % (os.major(st.st_dev), os.minor(st.st_dev))
    if not os.path.exists(sysdev):
        raise Skip("the test files are not on a block device (the VM tier puts them on one)")
    # the device holding them (a partition would be replaced by its disk: fine too)
    dev = "/dev/" + os.path.basename(os.path.realpath(sysdev))
    free = write_rate(env, "", 3)
    limited = write_rate(env, "io_write = 10M\nio_device = %s\n" % dev, 6)
    print("     O_DIRECT writes: %.1f MiB/s unlimited, %.2f MiB/s under io_write = 10M" %
          (free, limited))
    check(free >= 20, "the disk only writes %.1f MiB/s: cannot tell a 10M limit" % free)
    check(8 <= limited <= 12, "io_write = 10M gave %.2f MiB/s" % limited)


if __name__ == "__main__":
    sys.exit(main("vm/limits"))
