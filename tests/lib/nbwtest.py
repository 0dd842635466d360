# SPDX-License-Identifier: GPL-2.0-or-later
"""
Tiny test harness for nbwarden's root test tiers (integration, escape).

Stdlib only (Debian's /usr/bin/python3). Each test is a function decorated
with @test; the runner executes them in order, each bounded in time, and
prints one line per test and a closing "N passed, N failed, N skipped" line.
A test that cannot run raises Skip with the reason.

Every sandbox a test starts gets its own --id and runs below a cgroup parent
that belongs to this run only ("nbwarden-test-<pid>"); the run removes it.
Scratch files live in /var/cache/nbwarden-tests/run-<pid> (visible inside
sandboxes, unlike /tmp, /home or /var/tmp), removed at the end.
"""

import json
import os
import pwd
import re
import shutil
import signal
import subprocess
import sys
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.dirname(os.path.dirname(HERE))
O = os.environ.get("O", "build")
BUILD = O if os.path.isabs(O) else os.path.join(SRC, O)
NBW = os.path.join(BUILD, "nbwarden")
PROBE_SRC = os.path.join(BUILD, "tests", "integration", "probe")
ATTACK_SRC = os.path.join(BUILD, "tests", "escape", "attack")
PYTHON = "/usr/bin/python3.11"
LDSO = "/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2"
TEST_USER = "nbwtest"
GUARD_ROOT = "/sys/fs/bpf/nbwarden"
CI = os.environ.get("CI") == "true"


class Skip(Exception):
    pass


_tests = []


def test(fn):
    _tests.append(fn)
    return fn


def cgroup2_mount():
    with open("/proc/self/mountinfo") as f:
        for line in f:
            left, _, right = line.partition(" - ")
            if right.split()[0] == "cgroup2":
                return left.split()[4].replace("\\040", " ")
    raise RuntimeError("no cgroup2 mount")


class Result:
    def __init__(self, code, out, err, events):
        self.code, self.out, self.err, self.events = code, out, err, events

    def kv(self):
        """Parse key=value lines from stdout (later keys win)."""
        d = {}
        for line in self.out.splitlines():
            k, sep, v = line.partition("=")
            if sep:
                d[k.strip()] = v.strip()
        return d

    def events_of(self, action):
        return [e for e in self.events if e.get("event", {}).get("action") == action]

    def __repr__(self):
        return "Result(code=%r, out=%r, err=%r, events=%d)" % (
            self.code, self.out[-800:], self.err[-1500:], len(self.events))


class Env:
    def __init__(self):
        if os.geteuid() != 0:
            raise Skip("needs root")
        self.pid = os.getpid()
        self.root = "/var/cache/nbwarden-tests/run-%d" % self.pid
        self.bin = os.path.join(self.root, "bin")
        os.makedirs(self.bin, mode=0o755, exist_ok=True)
        os.chmod("/var/cache/nbwarden-tests", 0o755)
        os.chmod(self.root, 0o755)
        for src in (PROBE_SRC, ATTACK_SRC):
            if os.path.exists(src):
                shutil.copy(src, self.bin)
                os.chmod(os.path.join(self.bin, os.path.basename(src)), 0o755)
        self.probe = os.path.join(self.bin, "probe")
        self.attack = os.path.join(self.bin, "attack")
        self.cg_mount = cgroup2_mount()
        self.cg_parent = "nbwarden-test-%d" % self.pid
        self.counter = 0
        try:
            pw = pwd.getpwnam(TEST_USER)
        except KeyError:
            raise Skip("test user %s missing: run scripts/setup-test-env.sh" % TEST_USER)
        self.uid, self.gid, self.home = pw.pw_uid, pw.pw_gid, pw.pw_dir
        # every launch writes this run's own audit log, never the host's
        self.audit_dir = os.path.join(self.root, "audit")
        os.makedirs(self.audit_dir, mode=0o750, exist_ok=True)
        self.audit_log = os.path.join(self.audit_dir, "audit.jsonl")
        self.config = self.write_config("nbwarden", "[audit]\npath = %s\n" % self.audit_log)
        self.write_profile("t-base", """
[profile]
include = base
user = %s
[exec]
allow = %s
[violations]
; the suites repeat commands that policy kills; tests/e2e tests the relaunch strikes
relaunch_strikes = max
""" % (TEST_USER, self.bin))

    # -- profiles ---------------------------------------------------------
    def write_profile(self, name, text, mode=0o644):
        path = os.path.join(self.root, name + ".conf")
        with open(path, "w") as f:
            f.write(text.lstrip())
        os.chmod(path, mode)
        return path

    def write_config(self, name, text):
        """An nbwarden.conf (root-owned, 0644, as nbwarden requires)."""
        path = os.path.join(self.root, name + ".nbwarden.conf")
        with open(path, "w") as f:
            f.write(text.lstrip())
        os.chmod(path, 0o644)
        return path

    def profile(self, extra, name=None):
        """A profile that includes the test base plus extra sections."""
        self.counter += 1
        name = name or "p%d" % self.counter
        return self.write_profile(name, "[profile]\ninclude = t-base\n" + extra)

    # -- running ----------------------------------------------------------
    def new_id(self):
        self.counter += 1
        return "t%d-%d" % (self.pid, self.counter)

    def leaf(self, sid):
        return os.path.join(self.cg_mount, self.cg_parent, sid)

    def cmd(self, argv, profile=None, sid=None, extra=(), events=None, config=None):
        c = [NBW, "run", "--cgroup-parent", self.cg_parent, "--id", sid or self.new_id(),
             "--config", config or self.config]
        if profile:
            c += ["--profile", profile]
        else:
            c += ["--profile", os.path.join(self.root, "t-base.conf")]
        if events:
            c += ["--events", events]
        return c + list(extra) + ["--"] + list(argv)

    def run(self, argv, profile=None, extra=(), timeout=30, input=None, sid=None, env=None):
        self.counter += 1
        events = os.path.join(self.root, "events-%d.jsonl" % self.counter)
        c = self.cmd(argv, profile=profile, sid=sid, extra=extra, events=events)
        p = subprocess.run(c, input=input, capture_output=True, text=True, timeout=timeout,
                           env=env if env is not None else os.environ.copy())
        return Result(p.returncode, p.stdout, p.stderr, read_events(events))

    def popen(self, argv, profile=None, extra=(), sid=None, **kw):
        self.counter += 1
        events = os.path.join(self.root, "events-%d.jsonl" % self.counter)
        c = self.cmd(argv, profile=profile, sid=sid, extra=extra, events=events)
        p = subprocess.Popen(c, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw)
        p.events_path = events
        return p

    def parent_cgroup_id(self):
        parent = os.path.join(self.cg_mount, self.cg_parent)
        return os.stat(parent).st_ino if os.path.isdir(parent) else None

    def guard_dir(self):
        """The pin directory of the eBPF layer that serves this run's cgroup parent."""
        cgid = self.parent_cgroup_id()
        for tag in sorted(os.listdir(GUARD_ROOT)) if os.path.isdir(GUARD_ROOT) else []:
            if cgid and os.path.isdir(os.path.join(GUARD_ROOT, tag, "links", str(cgid))):
                return os.path.join(GUARD_ROOT, tag)
        return None

    def cleanup(self):
        parent = os.path.join(self.cg_mount, self.cg_parent)
        # detach the eBPF hooks from our parent cgroup: unpinning the links does it
        cgid = self.parent_cgroup_id()
        if cgid and os.path.isdir(GUARD_ROOT):
            for tag in os.listdir(GUARD_ROOT):
                links = os.path.join(GUARD_ROOT, tag, "links", str(cgid))
                if os.path.isdir(links):
                    for f in os.listdir(links):
                        os.unlink(os.path.join(links, f))
                    os.rmdir(links)
        if os.path.isdir(parent):
            for d in os.listdir(parent):
                full = os.path.join(parent, d)
                if os.path.isdir(full):
                    kill_cgroup(full)
                    try:
                        os.rmdir(full)
                    except OSError:
                        pass
            try:
                os.rmdir(parent)
            except OSError as e:
                print("warning: cannot remove %s: %s" % (parent, e))
        shutil.rmtree(self.root, ignore_errors=True)


def kill_cgroup(path):
    try:
        with open(os.path.join(path, "cgroup.kill"), "w") as f:
            f.write("1")
    except OSError:
        pass
    wait_for(lambda: not populated(path), 5)


def populated(path):
    try:
        with open(os.path.join(path, "cgroup.events")) as f:
            return "populated 1" in f.read()
    except FileNotFoundError:
        return False


def read_events(path):
    out = []
    try:
        with open(path) as f:
            for line in f:
                out.append(json.loads(line))
    except FileNotFoundError:
        pass
    return out


def wait_for(pred, timeout, step=0.02):
    """Poll pred() until true or timeout seconds pass (bounded loop)."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if pred():
            return True
        time.sleep(step)
    return pred()


def read_line(stream, timeout):
    """Read one line from a pipe with a deadline, byte by byte from the fd so that
    nothing is left in Python's buffers for a later communicate()."""
    import select
    fd = stream.fileno()
    end = time.monotonic() + timeout
    buf = b""
    while time.monotonic() < end:
        r, _, _ = select.select([fd], [], [], max(0.0, end - time.monotonic()))
        if not r:
            break
        ch = os.read(fd, 1)
        if not ch:
            break
        if ch == b"\n":
            return buf.decode()
        buf += ch
    raise AssertionError("no line within %ss (got %r)" % (timeout, buf))


def pid_alive(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (FileNotFoundError, ProcessLookupError):
        # gone before the open, or between the open and the read (ESRCH)
        return False


def pids_with_comm(name):
    found = []
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open("/proc/%s/comm" % d) as f:
                    if f.read().strip() == name:
                        found.append(int(d))
            except OSError:
                pass
    return found


def check(cond, msg, *ctx):
    if not cond:
        raise AssertionError(msg + ("\n  " + "\n  ".join(repr(c) for c in ctx) if ctx else ""))


def main(suite, teardown=None):
    """Run every registered test; print a closing line; exit non-zero on failure.
    teardown(), if given, runs after the tests and before the run's files go."""
    per_test_timeout = 120
    passed = failed = skipped = 0
    try:
        env = Env()
    except Skip as e:
        print("skip %s: %s" % (suite, e))
        print("0 passed, 0 failed, %d skipped" % len(_tests))
        return 1 if CI else 0
    try:
        for fn in _tests:
            name = fn.__name__
            start = time.monotonic()
            signal.alarm(per_test_timeout)
            try:
                fn(env)
                passed += 1
                print("ok   %s (%.2fs)" % (name, time.monotonic() - start), flush=True)
            except Skip as e:
                skipped += 1
                print("skip %s: %s" % (name, e), flush=True)
            except Exception:
                failed += 1
                print("FAIL %s\n%s" % (name, traceback.format_exc()), flush=True)
            finally:
                signal.alarm(0)
    finally:
        try:
            if teardown:
                teardown()
        finally:
            env.cleanup()
    print("%d passed, %d failed, %d skipped" % (passed, failed, skipped))
    # a Skip means this machine cannot run the check at all, and says why
    return 1 if failed else 0


def _alarm(signum, frame):
    raise TimeoutError("test exceeded its time limit")


signal.signal(signal.SIGALRM, _alarm)
