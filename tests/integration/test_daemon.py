#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""
Integration tests for daemon mode (root): a real "nbwarden daemon" and real
unprivileged users that this suite creates and removes (nbwd-alice and
nbwd-bob in group nbwd-analysts, nbwd-admin in nbwd-admins, nbwd-carol in no
role). Clients run as those users (setpriv) and talk to the daemon's socket.

Each test starts its own daemon with its own policy, socket, state and run
directories, audit log and cgroup parent (below this run's), and stops it.
"""

import json
import re
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import nbwdaemon  # noqa: E402
from nbwdaemon import SETPRIV, uid_of  # noqa: E402
from nbwtest import (NBW, SRC, Skip, check, main,  # noqa: E402
                     populated, read_line, test, wait_for)

USERS = {"nbwd-alice": "nbwd-analysts", "nbwd-bob": "nbwd-analysts",
         "nbwd-admin": "nbwd-admins", "nbwd-carol": None}
GROUPS = ("nbwd-analysts", "nbwd-admins")

POLICY = """
[role analysts]
members = @nbwd-analysts
profiles = t-base
{extra}

[role admins]
members = @nbwd-admins
profiles = *
admin = yes
launches_per_minute = 1000
"""


def analysts(extra=""):
    """The test policy: the analysts' keys from extra, the rest defaults of the suite."""
    keys = {"max_concurrent": "3", "queue_timeout": "30s", "launches_per_minute": "100"}
    for line in extra.splitlines():
        k, _, v = line.partition("=")
        keys[k.strip()] = v.strip()
    return POLICY.format(extra="\n".join("%s = %s" % kv for kv in keys.items()))


def create_users():
    for g in GROUPS:
        subprocess.run(["groupadd", "-f", g], check=True)
    for u, g in USERS.items():
        if subprocess.run(["id", u], capture_output=True).returncode != 0:
            subprocess.run(["useradd", "--create-home", "--shell", "/usr/sbin/nologin"] +
                           (["-G", g] if g else []) + [u], check=True)


def remove_users():
    for u in USERS:
        subprocess.run(["userdel", "-r", u], capture_output=True)
    for g in GROUPS:
        subprocess.run(["groupdel", g], capture_output=True)


class Daemon(nbwdaemon.Daemon):
    """The suite's daemon: the analysts' policy with extra keys, unless a whole policy is given."""

    def __init__(self, env, policy_extra="", daemon_extra="", policy=None):
        super().__init__(env, policy if policy is not None else analysts(policy_extra),
                         daemon_extra)

    def running(self, user="nbwd-admin"):
        return super().running(user)


def start_sleepers(d, user, n, secs=60):
    ps = [d.popen(user, [d.env.probe, "sleep", str(secs)]) for _ in range(n)]
    if not wait_for(lambda: len([s for s in d.ps(user) if s["state"] != "queued"]) >= n, 15):
        raise AssertionError("sleepers did not start: %r" % d.ps(user))
    return ps


def end(procs):
    for p in procs:
        if p.poll() is None:
            p.kill()
        p.communicate(timeout=15)


# ---------------------------------------------------------------------------
# launching


@test
def launch_contract_matches_embedded(env):
    cases = [([env.probe, "exit", "3"], None), ([env.probe, "raise", "11"], None),
             ([env.probe, "cat"], "from stdin\n"), ([env.probe, "status"], None),
             ([env.bin + "/nope"], None)]
    with Daemon(env) as d:
        for argv, stdin in cases:
            e = env.run(argv, input=stdin)
            code, out, err = d.run("nbwd-alice", argv, input=stdin)
            check(code == e.code, "exit status differs from embedded mode", argv, code, e)
            if argv[1:2] == ["cat"]:
                check(out == e.out == "from stdin\n", "stdio not passed", out, e.out)
        # the sandbox runs as the caller, never the profile's user
        code, out, err = d.run("nbwd-alice", [env.probe, "status"])
        check(code == 0 and "Uid=%d " % uid_of("nbwd-alice") in out,
              "not run as the caller", out, err)
        # stderr of the command reaches the caller's stderr
        code, out, err = d.run("nbwd-bob", [env.probe, "write", "/proc/self/fd/2"])
        check("stats" not in err, "unexpected output", err)


@test
def signals_forwarded_once_through_daemon(env):
    with Daemon(env) as d:
        p = d.popen("nbwd-alice", [env.probe, "signals"], start_new_session=True)
        try:
            check(read_line(p.stdout, 15) == "ready", "probe did not start")
            for s in (signal.SIGINT, signal.SIGHUP, signal.SIGUSR1):
                p.send_signal(s)
                time.sleep(0.1)
            time.sleep(0.3)
            check(p.poll() is None, "client died on a forwarded signal", p.returncode)
            p.send_signal(signal.SIGTERM)
            out, err = p.communicate(timeout=15)
        finally:
            end([p])
        got = [l.split("=", 1)[1] for l in out.splitlines() if l.startswith("got=")]
        check(sorted(got) == ["HUP", "INT", "TERM", "USR1"], "signals not forwarded once",
              got, err)
        check(p.returncode == 0, "exit status not passed", p.returncode, err)


@test
def client_killed_kills_sandbox(env):
    with Daemon(env) as d:
        p = d.popen("nbwd-alice", [env.probe, "sleep", "60"])
        check(wait_for(lambda: len(d.leaves()) == 1, 10), "sandbox did not start", d.leaves())
        leaf = os.path.join(env.cg_mount, d.cg_parent, d.leaves()[0])
        p.kill()
        p.communicate(timeout=10)
        check(wait_for(lambda: not os.path.isdir(leaf), 10), "sandbox outlived its client")
        kills = d.events("sandbox-killed")
        check(kills and kills[-1]["nbwarden"]["reason"] == "client", "no client kill event",
              kills)


@test
def role_and_profile_denied(env):
    with Daemon(env) as d:
        code, out, err = d.run("nbwd-carol", [env.probe, "exit", "0"])
        check(code == 77 and "in no role" in err, "caller without a role not denied", code, err)
        code, out, err = d.run("nbwd-alice", [env.probe, "exit", "0"], profile="default")
        check(code == 77 and "does not allow profile 'default'" in err,
              "profile outside the role not denied", code, err)
        # no internal paths in what the client is told
        check(d.dir not in err and env.root not in err, "denial reveals paths", err)
        rules = [e["nbwarden"]["rule"] for e in d.events("launch-denied")]
        check(rules == ["policy.role", "policy.profiles"], "denials not logged", rules)
        # the admin role may run any profile
        code, out, err = d.run("nbwd-admin", [env.probe, "exit", "4"])
        check(code == 4, "admin launch failed", code, err)


@test
def fourth_launch_queued_then_started(env):
    with Daemon(env) as d:
        sleepers = start_sleepers(d, "nbwd-alice", 3)
        try:
            q = d.popen("nbwd-alice", [env.probe, "exit", "7"])
            line = read_line(q.stderr, 10)
            check(line == "nbwarden: queued: position 1 (3 of 3 kernels running)",
                  "4th launch not queued", line)
            # another user is not held up by alice's queue
            code, _, err = d.run("nbwd-bob", [env.probe, "exit", "0"])
            check(code == 0, "bob waited for alice's slots", code, err)
            sleepers[0].kill()
            out, err = q.communicate(timeout=15)
            check(q.returncode == 7, "queued launch did not run when a slot freed",
                  q.returncode, err)
            check("started" in err, "no start notice after the queue", err)
        finally:
            end(sleepers)


@test
def queue_timeout(env):
    with Daemon(env, policy_extra="queue_timeout = 1s") as d:
        sleepers = start_sleepers(d, "nbwd-alice", 3)
        try:
            t0 = time.monotonic()
            code, out, err = d.run("nbwd-alice", [env.probe, "exit", "0"])
            waited = time.monotonic() - t0
            check(code == 75 and "queue timeout" in err, "no queue timeout", code, err)
            check(0.9 <= waited < 5, "timeout not honoured", waited)
        finally:
            end(sleepers)
        # a withdrawn request (client gone) leaves the queue
        sleepers = start_sleepers(d, "nbwd-alice", 3)
        try:
            q = d.popen("nbwd-alice", [env.probe, "exit", "0"])
            read_line(q.stderr, 10)
            q.kill()
            q.communicate(timeout=10)
            check(wait_for(lambda: not [s for s in d.ps("nbwd-alice")
                                        if s["state"] == "queued"], 5),
                  "a disconnected client stayed queued", d.ps("nbwd-alice"))
        finally:
            end(sleepers)


@test
def rate_limit(env):
    with Daemon(env, policy_extra="launches_per_minute = 2") as d:
        for _ in range(2):
            code, _, err = d.run("nbwd-alice", [env.probe, "exit", "0"])
            check(code == 0, "launch within the rate refused", code, err)
        code, _, err = d.run("nbwd-alice", [env.probe, "exit", "0"])
        check(code == 75 and "rate limited: 2 launches/min, retry in" in err,
              "rate limit not applied", code, err)
        secs = int(err.split("retry in ")[1].split()[0])
        check(1 <= secs <= 60, "odd retry time", err)
        # per user: bob is not limited by alice's launches
        code, _, err = d.run("nbwd-bob", [env.probe, "exit", "0"])
        check(code == 0, "rate limit not per user", code, err)


# ---------------------------------------------------------------------------
# budgets

def burn(d, user, secs, extra=()):
    """A sandbox that spins for secs; returns (code, stderr)."""
    code, out, err = d.run(user, [d.env.probe, "spin", str(secs)], extra=extra, timeout=60)
    return code, err


def budget_use(d, user):
    code, out, err = d.client("nbwd-admin", ["metrics"])
    check(code == 0, "metrics failed", code, err)
    for line in out.splitlines():
        if line.startswith('nbwarden_budget_cpu_seconds{user="%s"}' % user):
            return float(line.split()[-1])
    return 0.0


@test
def budget_deny(env):
    with Daemon(env, policy_extra="cpu_budget = 1s\non_budget_exhausted = deny") as d:
        code, err = burn(d, "nbwd-alice", 2)
        check(code == 0, "deny must not touch a running sandbox", code, err)
        check(wait_for(lambda: budget_use(d, "nbwd-alice") >= 1.0, 5), "CPU not charged",
              budget_use(d, "nbwd-alice"))
        code, _, err = d.run("nbwd-alice", [env.probe, "exit", "0"])
        check(code == 75 and "budget exhausted: CPU budget of 1s per 24h used up, retry in"
              in err, "exhausted budget did not deny", code, err)
        code, _, err = d.run("nbwd-bob", [env.probe, "exit", "0"])
        check(code == 0, "budget not per user", code, err)
        # the daemon notices within its one-second accounting tick
        check(wait_for(lambda: d.events("budget-exhausted"), 3), "no budget-exhausted event")


@test
def budget_throttle(env):
    with Daemon(env, policy_extra="cpu_budget = 1s\non_budget_exhausted = throttle") as d:
        p = d.popen("nbwd-alice", [env.probe, "spin", "30"])
        try:
            check(wait_for(lambda: d.events("budget-throttle"), 10), "never throttled",
                  d.log_text())
            leaf = os.path.join(env.cg_mount, d.cg_parent, d.leaves()[0])

            def usage():
                with open(os.path.join(leaf, "cpu.stat")) as f:
                    return int(f.read().split()[1])
            u0, t0 = usage(), time.monotonic()
            time.sleep(3)
            rate = (usage() - u0) / 1e6 / (time.monotonic() - t0)
            check(rate < 0.25, "throttled sandbox still used %.0f%% of a CPU" % (rate * 100))
            check(p.poll() is None, "throttle killed the sandbox", p.returncode)
            # new launches still run, throttled too
            code, _, err = d.run("nbwd-alice", [env.probe, "exit", "0"])
            check(code == 0, "throttle refused a launch", code, err)
            ev = d.events("budget-throttle")[0]
            check(ev["nbwarden"]["rule"] == "policy.on_budget_exhausted", "bad event", ev)
        finally:
            end([p])


@test
def budget_kill(env):
    with Daemon(env, policy_extra="cpu_budget = 1s\non_budget_exhausted = kill") as d:
        code, err = burn(d, "nbwd-alice", 20)
        check(code == 137 and "CPU budget is exhausted" in err, "not killed on budget",
              code, err)
        kills = d.events("sandbox-killed")
        check(kills and kills[-1]["nbwarden"]["rule"] == "budget.cpu", "kill not logged", kills)
        code, _, err = d.run("nbwd-alice", [env.probe, "exit", "0"])
        check(code == 75 and "budget exhausted" in err, "kill policy let a launch in", code, err)


@test
def budget_survives_restart(env):
    with Daemon(env, policy_extra="cpu_budget = 1s\non_budget_exhausted = deny") as d:
        code, err = burn(d, "nbwd-alice", 2)
        check(code == 0, "burn failed", code, err)
        check(wait_for(lambda: budget_use(d, "nbwd-alice") >= 1.0, 5), "CPU not charged",
              budget_use(d, "nbwd-alice"), d.log_text())
        before = budget_use(d, "nbwd-alice")
        d.stop()
        state = os.path.join(d.dir, "state", "budgets.json")
        check(os.path.exists(state), "no budget state on disk")
        d.start()
        after = budget_use(d, "nbwd-alice")
        check(abs(after - before) < 0.2, "budget not kept across a restart", before, after)
        code, _, err = d.run("nbwd-alice", [env.probe, "exit", "0"])
        check(code == 75 and "budget exhausted" in err, "restart reset the budget", code, err)


# ---------------------------------------------------------------------------
# who sees what


@test
def users_isolated_admin_not(env):
    with Daemon(env) as d:
        p = d.popen("nbwd-alice", [env.probe, "sleep", "60"])
        try:
            check(wait_for(lambda: len(d.leaves()) == 1, 10), "sandbox did not start")
            sid = d.ps("nbwd-alice")[0]["id"]
            check(d.ps("nbwd-bob") == [], "bob sees alice's sandbox", d.ps("nbwd-bob"))
            code, _, err = d.client("nbwd-bob", ["ps", "--all"])
            check(code == 77, "ps --all allowed to a non-admin", code, err)
            code, _, err = d.client("nbwd-bob", ["kill", sid])
            check(code == 1 and "no such sandbox" in err, "bob could kill alice's", code, err)
            check(p.poll() is None and len(d.leaves()) == 1, "alice's sandbox died")
            code, out, err = d.client("nbwd-bob", ["events", "--json"])
            check(code == 0, "events failed", code, err)
            seen = [json.loads(l) for l in out.splitlines() if l.strip()]
            check(seen and all(e.get("user", {}).get("name") == "nbwd-bob" for e in seen)
                  or not seen, "bob sees others' events", seen[:3])
            check(not any(sid in l for l in out.splitlines()), "bob sees alice's events")
            code, out, err = d.client("nbwd-alice", ["events", "--json"])
            check(sid in out, "alice does not see her own events", out[-500:])
            code, _, err = d.client("nbwd-bob", ["metrics"])
            check(code == 77, "metrics allowed to a non-admin", code, err)
            # the admin sees and kills it
            check([s["id"] for s in d.ps("nbwd-admin", all=True)] == [sid], "admin ps")
            code, _, err = d.client("nbwd-admin", ["kill", sid])
            check(code == 0, "admin kill failed", code, err)
            out, err = p.communicate(timeout=10)
            check(p.returncode == 137 and "nbwarden kill" in err, "not killed", p.returncode,
                  err)
        finally:
            end([p])


@test
def events_follow_is_live(env):
    with Daemon(env) as d:
        f = subprocess.Popen(d.argv("nbwd-alice", ["events", "--follow", "--json", "--socket",
                                                  d.sock]),
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd="/")
        try:
            time.sleep(0.5)
            d.run("nbwd-bob", [env.probe, "exit", "0"])
            d.run("nbwd-alice", [env.probe, "exit", "5"])
            line = read_line(f.stdout, 10)
            e = json.loads(line)
            check(e["user"]["name"] == "nbwd-alice", "follow leaked another user's event", e)
        finally:
            f.kill()
            f.communicate(timeout=10)


@test
def reload_rejects_broken_policy(env):
    with Daemon(env) as d:
        d.write_policy(analysts("max_concurrent = lots"))
        code, out, err = d.client("nbwd-admin", ["reload"])
        check(code == 1 and re.search(re.escape(d.policy_path) + r":\d+: max_concurrent: 'lots'",
                                      err) and "the old one stays" in err,
              "broken policy not rejected with FILE:LINE", code, err)
        code, _, err = d.run("nbwd-alice", [env.probe, "exit", "0"])
        check(code == 0, "old policy not kept", code, err)
        code, _, err = d.client("nbwd-alice", ["reload"])
        check(code == 77, "non-admin reload allowed", code, err)
        # a good one applies at once: carol gets a role
        d.write_policy(analysts() + "\n[role late]\nmembers = nbwd-carol\n"
                       "profiles = t-base\n")
        code, out, err = d.client("nbwd-admin", ["reload"])
        check(code == 0, "valid policy refused", code, err)
        code, _, err = d.run("nbwd-carol", [env.probe, "exit", "0"])
        check(code == 0, "reloaded policy not in force", code, err)
        outcomes = [e["event"]["outcome"] for e in d.events("policy-reload")]
        check(outcomes == ["failure", "success"], "reloads not logged", outcomes)


# ---------------------------------------------------------------------------
# hostile clients


def raw(d, data, fds=()):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 1 << 20)
    s.connect(d.sock)
    if fds:
        s.sendmsg([data], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, bytes(
            b"".join(x.to_bytes(4, "little") for x in fds)))])
    else:
        s.send(data)
    s.settimeout(10)
    try:
        reply = s.recv(1 << 18)
    finally:
        s.close()
    return dict(f.split(b"=", 1) for f in reply.split(b"\0") if b"=" in f)


@test
def malformed_and_oversized_requests(env):
    with Daemon(env, daemon_extra="client_timeout = 1s") as d:
        # a slow client holds a connection without sending, all along
        slow = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        slow.connect(d.sock)
        legit = d.popen("nbwd-alice", [env.probe, "sleep", "2"])
        try:
            r = raw(d, b"op=run\0profile")
            check(r.get(b"type") == b"error" and b"malformed" in r[b"message"], "no NUL", r)
            r = raw(d, b"op=frobnicate\0")
            check(r.get(b"type") == b"error" and b"unknown op" in r[b"message"], "bad op", r)
            r = raw(d, b"op=run\0" + b"arg=" + b"x" * (200 * 1024) + b"\0")
            check(r.get(b"type") == b"error" and b"too large" in r[b"message"], "oversize", r)
            r = raw(d, b"op=run\0profile=t-base\0cwd=/\0arg=/bin/true\0",
                    fds=[0, 1, 2, 0, 1, 2, 0, 1, 2])
            check(r.get(b"type") == b"error", "too many fds accepted", r)
            r = raw(d, b"op=signal\0signo=9\0")
            check(r.get(b"type") == b"error", "signal 9 accepted", r)
            # the slow client is dropped after client_timeout
            slow.settimeout(5)
            r = slow.recv(4096)
            check(b"request timeout" in r, "slow client not timed out", r)
            out, err = legit.communicate(timeout=20)
            check(legit.returncode == 0, "legitimate launch failed meanwhile",
                  legit.returncode, err)
            code, _, err = d.run("nbwd-bob", [env.probe, "exit", "0"])
            check(code == 0, "daemon stopped serving", code, err)
            check(d.proc.poll() is None, "daemon died")
        finally:
            slow.close()
            end([legit])


# ---------------------------------------------------------------------------
# restarts


@test
def daemon_sigkill_readopts_running_sandbox(env):
    with Daemon(env, policy_extra="cpu_budget = 1h") as d:
        p = d.popen("nbwd-alice", [env.probe, "spin", "8"])
        try:
            check(read_line(p.stdout, 15).startswith("since="), "sandbox did not start")
            sid = d.ps("nbwd-alice")[0]["id"]
            time.sleep(1.5)
            d.stop(signal.SIGKILL)
            leaf = os.path.join(env.cg_mount, d.cg_parent, sid)
            time.sleep(0.5)
            check(populated(leaf) and p.poll() is None, "sandbox died with the daemon")
            d.start()
            check([s["id"] for s in d.ps("nbwd-admin", all=True)] == [sid],
                  "not re-adopted", d.ps("nbwd-admin", all=True), d.log_text())
            u1 = budget_use(d, "nbwd-alice")
            check(wait_for(lambda: budget_use(d, "nbwd-alice") > u1 + 0.5, 5),
                  "budget stopped counting after the restart", u1)
            out, err = p.communicate(timeout=20)
            check(p.returncode == 0, "client lost its sandbox", p.returncode, err)
            check(wait_for(lambda: d.ps("nbwd-admin", all=True) == [], 5),
                  "exit of the adopted sandbox not seen", d.ps("nbwd-admin", all=True))
            exits = [e for e in d.events("sandbox-exit") if e["nbwarden"]["sandbox_id"] == sid]
            check(len(exits) == 1, "exit not recorded", exits)
            check(d.events("sandbox-adopted"), "no adoption event")
            # all of its CPU time, as its supervisor measured it, and nothing twice
            used, ran = budget_use(d, "nbwd-alice"), exits[0]["nbwarden"]["cpu_usec"] / 1e6
            check(ran > 5 and abs(used - ran) < 0.3, "not charged exactly once", used, ran)
        finally:
            end([p])


# ---------------------------------------------------------------------------
# metrics and alerts


@test
def metrics_served_and_complete(env):
    with Daemon(env) as d:
        d.run("nbwd-alice", [env.probe, "exit", "0"])
        d.run("nbwd-carol", [env.probe, "exit", "0"])
        code, out, err = d.client("nbwd-admin", ["metrics"])
        check(code == 0, "metrics failed", code, err)
        for series in ("nbwarden_sandboxes_running", "nbwarden_sandboxes_queued",
                       "nbwarden_launches_total", 'nbwarden_denials_total{reason="role"}',
                       "nbwarden_kills_total", "nbwarden_violations_total",
                       "nbwarden_queue_wait_seconds_bucket", 'nbwarden_budget_cpu_seconds{'):
            check(series in out, "missing series " + series, out)
        with urllib.request.urlopen("http://127.0.0.1:%d/metrics" % d.port, timeout=5) as r:
            body = r.read().decode()
            check(r.status == 200 and "nbwarden_launches_total 1" in body,
                  "HTTP endpoint", body[:500])
        # every series the shipped alert rules use is one the daemon exports
        with open(os.path.join(SRC, "packaging", "prometheus", "nbwarden-rules.yml")) as f:
            rules = f.read()
        for name in ("nbwarden_kills_total", "nbwarden_queue_wait_seconds_bucket"):
            check(name in rules and name.rsplit("_bucket", 1)[0] in out, "rules/series", name)


@test
def alerts_fire(env):
    with Daemon(env, policy_extra="max_concurrent = 1",
                daemon_extra="alert_kills_per_minute = 1\nalert_queue_p95 = 1s") as d:
        # a queue wait over 1 s
        p = d.popen("nbwd-alice", [env.probe, "sleep", "2"])
        check(wait_for(lambda: len(d.leaves()) == 1, 10), "sandbox did not start")
        code, _, err = d.run("nbwd-alice", [env.probe, "exit", "0"])
        check(code == 0, "queued launch failed", code, err)
        end([p])
        # two kills in a minute
        for _ in range(2):
            k = d.popen("nbwd-alice", [env.probe, "sleep", "60"])
            check(wait_for(lambda: len(d.ps("nbwd-alice")) == 1, 10), "no sandbox")
            d.client("nbwd-admin", ["kill", d.ps("nbwd-alice")[0]["id"]])
            k.communicate(timeout=10)
        check(wait_for(lambda: len(d.events("alert")) >= 2, 5), "alerts did not fire",
              d.events("alert"))
        names = sorted(e["nbwarden"]["alert"]["name"] for e in d.events("alert"))
        check(names == ["kills_per_minute", "queue_wait_p95"], "wrong alerts", names)


@test
def policy_check_cli(env):
    bad = os.path.join(env.root, "bad-policy.conf")
    with open(bad, "w") as f:
        f.write("[role x]\nmembers = a\nprofiles = p\nadmin = maybe\n")
    r = subprocess.run([NBW, "policy", "check", bad], capture_output=True, text=True)
    check(r.returncode == 1 and r.stderr.startswith(bad + ":4:"), "no FILE:LINE", r.stderr)
    r = subprocess.run([NBW, "policy", "check", os.path.join(SRC, "profiles", "policy.conf")],
                       capture_output=True, text=True)
    check(r.returncode == 0, "shipped policy invalid", r.stderr)


@test
def systemd_unit_valid(env):
    analyze = shutil.which("systemd-analyze")
    if not analyze:
        raise Skip("systemd-analyze missing (Debian package systemd)")
    with open(os.path.join(SRC, "packaging", "nbwarden.service")) as f:
        unit = f.read()
    for line in ("Delegate=yes", "KillMode=process", "ExecReload=/bin/kill -HUP $MAINPID"):
        check(line in unit.splitlines(), "unit lacks " + line)

    def verify(text):
        d = os.path.join(env.root, "unit-%d" % len(text))
        os.makedirs(d, exist_ok=True)
        path = os.path.join(d, "nbwarden.service")
        with open(path, "w") as f:
            f.write(text.replace("/usr/local/bin/nbwarden", NBW))
        r = subprocess.run([analyze, "verify", "--man=no", path], capture_output=True,
                           text=True, timeout=60)
        return r.returncode, (r.stdout + r.stderr).strip()
    code, out = verify(unit)
    check(code == 0 and out == "", "systemd-analyze verify complains", code, out)
    # and it would notice a mistake
    code, out = verify(unit.replace("KillMode=process", "KillMode=sometimes"))
    check("KillMode" in out or "kill mode" in out, "verify cannot fail", out)


if __name__ == "__main__":
    if os.geteuid() != 0:
        raise SystemExit(main("daemon"))
    if not os.path.exists(SETPRIV):
        raise Skip("setpriv missing")
    create_users()
    try:
        rc = main("daemon")
    finally:
        remove_users()
    sys.exit(rc)
