#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""
End to end (root): real Jupyter kernels through nbwarden, driven by
jupyter_client and nbclient exactly as a notebook server drives them.

A private daemon serves the unprivileged test user; the Jupyter side
(tests/e2e/jclient.py) runs as that user, with kernelspecs written by
"nbwarden kernelspec install --socket". One test runs a notebook in embedded
mode, with root as the Jupyter side. Every kernel's sandbox runs below this
run's cgroup parent; the suite checks what the kernels printed, what the audit
log says, and that nothing is left on the host.

E2E_DEBUG=1 in the environment passes each scenario's stderr through (the
kernels' and nbwarden's messages, and jupyter_client's debug log in the
restarter scenario).
"""

import json
import os
import pwd
import socket
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from nbwdaemon import SETPRIV, Daemon  # noqa: E402
from nbwtest import (GUARD_ROOT, NBW, TEST_USER, Skip, check, main, pid_alive,  # noqa: E402
                     read_events, read_line, test, wait_for)

HERE = os.path.dirname(os.path.abspath(__file__))
JCLIENT = os.path.join(HERE, "jclient.py")
JPYTHON = "/usr/bin/python3"
LD_SO = "/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2"

POLICY = """
[role kernels]
members = %s
profiles = e2e-deny e2e-kill e2e-startkill e2e-nostrikes
max_concurrent = 3
queue_timeout = 90s
launches_per_minute = 1000

[role admins]
members = root
profiles = *
admin = yes
"""

# The escapes a notebook user tries: IPython's "!", os.system, subprocess, and
# execve() itself through ctypes. Each cell prints what it got.
ESCAPES = [
    ("bang", "!id"),
    ("os.system", "import os\nprint('os.system returned', os.system('id'))"),
    ("subprocess", "import subprocess\n"
                   "subprocess.run(['curl', '-s', 'http://127.0.0.1:9/'], timeout=5)"),
    ("ctypes", "import ctypes, os\n"
               "libc = ctypes.CDLL(None, use_errno=True)\n"
               "argv = (ctypes.c_char_p * 2)(b'/bin/sh', None)\n"
               "r = libc.execve(b'/bin/sh', argv, None)\n"
               "print('execve returned', r, os.strerror(ctypes.get_errno()))"),
]


class Lab:
    """The suite's daemon, profiles, kernelspecs and loopback listeners, made once."""

    def __init__(self, env):
        self.env = env
        if not os.path.exists("/usr/lib/python3/dist-packages/nbclient"):
            raise Skip("jupyter_client/nbclient missing: run scripts/install-deps.sh")
        pw = pwd.getpwnam(TEST_USER)
        self.uid, self.home = pw.pw_uid, pw.pw_dir
        if not os.path.isdir(os.path.join(self.home, "notebooks")):
            raise Skip("%s/notebooks missing: run scripts/setup-test-env.sh" % self.home)
        # two listeners on loopback: the profile allows one
        self.listeners = []
        self.allowed = self.listen("127.0.0.1")
        self.denied = self.listen("127.0.0.1")
        self.write_profiles()
        self.daemon = Daemon(env, POLICY % TEST_USER)
        self.prefix = os.path.join(env.root, "jupyter")
        self.jupyter_path = os.path.join(self.prefix, "share", "jupyter")
        for name in ("e2e-deny", "e2e-kill", "e2e-startkill", "e2e-nostrikes"):
            self.kernelspec(name, name, "--socket", self.daemon.sock)
        # embedded: root's kernels, this run's audit log and cgroup parent
        self.kernelspec("embedded", os.path.join(env.root, "e2e-root.conf"), "--config",
                        env.config, "--cgroup-parent", env.cg_parent + "/embedded")
        self.runtime = {}

    def listen(self, addr):
        s = socket.socket()
        s.bind((addr, 0))
        s.listen(16)
        self.listeners.append(s)
        return s.getsockname()[1]

    def write_profiles(self):
        env = self.env
        # the shipped analyst profile, plus one allowed loopback service
        env.write_profile("e2e-deny", """
[profile]
include = analyst
[network]
allow = 127.0.0.1 tcp %d
""" % self.allowed)
        # what ipykernel itself runs at start must be allowed under a kill
        # policy (jupyter_client's localinterfaces runs "ip", debugpy "uname")
        env.write_profile("e2e-kill", """
[profile]
include = e2e-deny
[exec]
allow = /usr/bin/ip
[violations]
exec = kill
""")
        # killed at every start: debugpy's "uname -p" is not allowed
        env.write_profile("e2e-startkill", """
[profile]
include = analyst
[exec]
allow =
allow = %s /usr/bin/python3.11
[violations]
exec = kill
""" % LD_SO)
        env.write_profile("e2e-nostrikes", """
[profile]
include = e2e-startkill
[violations]
relaunch_strikes = max
""")
        env.write_profile("e2e-root", """
[profile]
include = e2e-deny
user = %s
""" % TEST_USER)

    def kernelspec(self, name, profile, *extra):
        r = subprocess.run([NBW, "kernelspec", "install", "--prefix", self.prefix, "--name", name,
                            "--display-name", "e2e " + name, "--profile", profile] + list(extra),
                           capture_output=True, text=True, timeout=30)
        check(r.returncode == 0, "kernelspec install %s failed" % name, r.stderr)

    def runtime_dir(self, user):
        """JUPYTER_RUNTIME_DIR etc. of one Jupyter user: where connection files go."""
        if user not in self.runtime:
            d = os.path.join(self.env.root, "jupyter-home-%s" % user)
            pw = pwd.getpwnam(user)
            for sub in ("", "runtime", "config", "data"):
                os.makedirs(os.path.join(d, sub), mode=0o700, exist_ok=True)
                os.chown(os.path.join(d, sub), pw.pw_uid, pw.pw_gid)
            self.runtime[user] = d
        return self.runtime[user]

    def jclient(self, scenario, kernel, arg=None, user=TEST_USER):
        d = self.runtime_dir(user)
        pw = pwd.getpwnam(user)
        environ = {
            "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "HOME": pw.pw_dir,
            "JUPYTER_PATH": self.jupyter_path, "JUPYTER_RUNTIME_DIR": os.path.join(d, "runtime"),
            "JUPYTER_CONFIG_DIR": os.path.join(d, "config"),
            "JUPYTER_DATA_DIR": os.path.join(d, "data"),
            "PYTHONDONTWRITEBYTECODE": "1", "E2E_DEBUG": os.environ.get("E2E_DEBUG", ""),
        }
        argv = [JPYTHON, JCLIENT, scenario, kernel] + ([arg] if arg is not None else [])
        if user != "root":
            argv = [SETPRIV, "--reuid", user, "--regid", user, "--init-groups"] + argv
        return subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, cwd=d, env=environ)

    def result(self, p, timeout=90):
        """The scenario's final result (stages already answered)."""
        try:
            out, err = p.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            p.kill()
            out, err = p.communicate(timeout=10)
            raise AssertionError("jclient timed out:\n%s\n%s" % (out[-2000:], err[-3000:]))
        if os.environ.get("E2E_DEBUG"):
            sys.stderr.write(err[-6000:])
        lines = [json.loads(x) for x in out.splitlines() if x.startswith("{")]
        check(p.returncode == 0 and lines and "result" in lines[-1],
              "jclient failed (exit %s)" % p.returncode, out[-2000:], err[-4000:])
        return lines[-1]["result"]

    def stage(self, p, name, timeout=90):
        try:
            line = read_line(p.stdout, timeout)
        except AssertionError as e:
            self.reap(p)
            raise AssertionError("%s: no stage %s; jclient's stderr:\n%s" %
                                 (e, name, p.stderr.read()[-4000:]))
        msg = json.loads(line)
        check(msg.get("stage") == name, "expected stage %s" % name, msg)
        return msg

    def go(self, p):
        p.stdin.write("go\n")
        p.stdin.flush()

    def notebook(self, kernel, cells, user=TEST_USER, timeout=120):
        return self.result(self.jclient("notebook", kernel, json.dumps(cells), user), timeout)

    def reap(self, p):
        """After a failed scenario: its kernels are in sessions of their own, so stop
        the test user's processes (this suite's only) by pid, then their sandboxes."""
        if p.poll() is None:
            p.kill()
            p.wait(timeout=10)
        for pid in user_processes(self.uid):
            try:
                os.kill(pid, 9)
            except ProcessLookupError:
                pass
        wait_for(lambda: not self.daemon.leaves(), 10)

    def close(self):
        self.daemon.cleanup()
        for s in self.listeners:
            s.close()


_lab = None


def lab(env):
    global _lab
    if _lab is None:
        _lab = Lab(env)
    return _lab


# -- what the host shows ---------------------------------------------------


def user_processes(uid, but=()):
    """Pids of the processes running as uid (real uid), except those in but."""
    found = []
    for d in os.listdir("/proc"):
        if d.isdigit() and int(d) not in but:
            try:
                with open("/proc/%s/status" % d) as f:
                    for line in f:
                        if line.startswith("Uid:"):
                            if int(line.split()[1]) == uid:
                                found.append(int(d))
                            break
            except OSError:
                pass
    return found


def map_dump(guard, name):
    r = subprocess.run(["bpftool", "-j", "map", "dump", "pinned",
                        os.path.join(guard, "maps", name)],
                       capture_output=True, text=True, timeout=30)
    check(r.returncode == 0, "bpftool map dump %s failed" % name, r.stderr)
    return json.loads(r.stdout)


def key_bytes(entry):
    k = entry["key"]
    return bytes(int(b, 16) for b in k) if isinstance(k, list) else None


def bpf_entries_of(guard, cgids):
    """Entries of the eBPF maps that still name one of these sandboxes' cgroups."""
    left = []
    # keyed by the cgroup id, or starting with it; the LPM trie's key after its prefix length
    for name, off in (("policy_map", 0), ("stats_map", 0), ("ring_map", 0), ("exec_map", 0),
                      ("allow_map", 4)):
        for e in map_dump(guard, name):
            kb = key_bytes(e)
            if kb is not None and int.from_bytes(kb[off:off + 8], "little") in cgids:
                left.append((name, e["key"]))
    return left


def sandbox_events(events, action):
    return [e for e in events if e["event"]["action"] == action]


def cgroup_ids(events):
    return {e["nbwarden"]["cgroup_id"] for e in sandbox_events(events, "sandbox-start")}


def exec_events(events, verdict):
    return [e for e in sandbox_events(events, "exec-denied")
            if e["nbwarden"].get("verdict") == verdict]


# -- 1. a notebook -----------------------------------------------------------


@test
def notebook_runs_through_the_kernelspec(env):
    L = lab(env)
    saved = os.path.join(L.home, "notebooks", "e2e-%d.txt" % os.getpid())
    cells = [
        "x = 6 * 7\nprint('x is', x)",
        "x + 1",
        # matplotlib with the Agg backend the profile sets
        "import io\nimport matplotlib\nimport matplotlib.pyplot as plt\n"
        "fig, ax = plt.subplots()\nax.plot([1, 2, 3], [1, 4, 9])\n"
        "buf = io.BytesIO()\nfig.savefig(buf, format='png')\n"
        "print(matplotlib.get_backend(), buf.getvalue()[:4] == b'\\x89PNG', len(buf.getvalue()))",
        # ~/notebooks is writable, the rest of the home is not there
        "import os\nopen(%r, 'w').write('saved by the kernel')\n"
        "print(sorted(os.listdir(%r)) == ['notebooks'])" % (saved, L.home),
        "1 / 0",
        "print('after the error', x)",
    ]
    try:
        r = L.notebook("e2e-deny", cells)
        c = r["cells"]
        check(r["dead"] is None, "kernel died", r)
        check(c[0]["stdout"] == "x is 42\n", "cell 1", c[0])
        check(c[1]["result"] == "43", "cell 2", c[1])
        words = c[2]["stdout"].split()
        check(words[:2] == ["agg", "True"] and int(words[2]) > 1000, "matplotlib", c[2])
        check(c[3]["stdout"] == "True\n" and c[3]["error"] is None, "notebooks dir", c[3])
        st = os.stat(saved)
        check(st.st_uid == L.uid, "the saved file is not the user's", st)
        check(c[4]["error"]["ename"] == "ZeroDivisionError", "error cell", c[4])
        check(c[5]["stdout"] == "after the error 42\n", "cell after the error", c[5])
    finally:
        if os.path.exists(saved):
            os.unlink(saved)
    ev = L.daemon.events()
    starts = [e for e in sandbox_events(ev, "sandbox-start") if e["nbwarden"]["profile"] ==
              "e2e-deny"]
    check(starts and starts[-1]["user"]["id"] == str(L.uid), "no sandbox-start as the user",
          starts)
    # the kernel reaches its own ports (ipykernel connects to its shell port): no
    # denial but jupyter_client's look-up of the sandbox's host name (DNS, denied)
    net = [e for e in ev if e["event"]["action"].startswith("network-")]
    check(all(e["event"]["action"] == "network-connect-denied" and
              e["destination"]["port"] == 53 and e["network"]["transport"] == "udp"
              for e in net), "network events for a plain notebook", net[:5])


# -- 2. interrupt ------------------------------------------------------------


@test
def interrupt_stops_the_cell_not_the_kernel(env):
    L = lab(env)
    r = L.result(L.jclient("interrupt", "e2e-deny"))
    check(r["interrupted"]["error"] and r["interrupted"]["error"]["ename"] == "KeyboardInterrupt",
          "no KeyboardInterrupt in the cell", r)
    check(r["seconds"] < 5, "the interrupt took %.1f s" % r["seconds"], r)
    check(r["after"]["stdout"] == "after 42\n" and r["alive"], "the next cell did not run", r)


# -- 3. restart and shutdown -------------------------------------------------


@test
def restart_and_shutdown_leave_nothing(env):
    L = lab(env)
    d = L.daemon
    before = len(d.events())
    p = L.jclient("restart", "e2e-deny")
    try:
        first = L.stage(p, "running")
        leaves1 = d.leaves()
        check(len(leaves1) == 1, "one kernel, leaves %r" % leaves1)
        check(pid_alive(first["pid"]), "the kernel's wrapper is not running")
        L.go(p)
        second = L.stage(p, "restarted")
        leaves2 = d.leaves()
        check(not pid_alive(first["pid"]), "the first kernel's wrapper outlived the restart")
        check(len(leaves2) == 1 and leaves2 != leaves1,
              "after the restart: leaves %r, before %r" % (leaves2, leaves1))
        L.go(p)
        r = L.result(p)
    finally:
        L.reap(p)
    check(r["first"]["stdout"].strip().isdigit() and r["second"]["stdout"] == "restarted\n",
          "cells", r)
    check(not r["alive"], "the kernel is alive after shutdown", r)
    check(not pid_alive(second["pid"]), "the second kernel's wrapper outlived the shutdown")
    # nothing of the user's runs any more: no client, no kernel, no leaf
    check(wait_for(lambda: not user_processes(L.uid) and not d.leaves(), 10),
          "left behind: processes %r, leaves %r" % (user_processes(L.uid), d.leaves()))
    ev = d.events()[before:]
    ids = cgroup_ids(ev)
    check(len(ids) == 2, "two kernels started", ids)
    exits = sandbox_events(ev, "sandbox-exit") + sandbox_events(ev, "sandbox-killed")
    check(len({e["nbwarden"]["sandbox_id"] for e in exits}) == 2, "two kernels ended", exits)
    guard = guard_of(d)
    check(guard, "no eBPF pin directory for the daemon's cgroups")
    left = bpf_entries_of(guard, ids)
    check(not left, "eBPF map entries left behind", left)
    check(not [s for s in d.ps("root", all=True)], "the daemon still lists kernels")


@test
def kernels_end_with_their_jupyter_server(env):
    # a Jupyter server killed without stopping its kernels: their launchers
    # (nbwarden run, each in a session of its own) follow it, as in embedded mode
    L = lab(env)
    d = L.daemon
    before = len(d.events())
    p = L.jclient("restart", "e2e-deny")
    try:
        first = L.stage(p, "running")
        p.kill()
        p.wait(timeout=10)
        check(wait_for(lambda: not pid_alive(first["pid"]), 10),
              "the kernel's launcher outlived its Jupyter server")
        check(wait_for(lambda: not d.leaves() and not user_processes(L.uid), 10),
              "the kernel outlived its Jupyter server", d.leaves(), user_processes(L.uid))
    finally:
        L.reap(p)
    killed = sandbox_events(d.events()[before:], "sandbox-killed")
    check(len(killed) == 1 and killed[0]["nbwarden"]["reason"] == "client", "killed event",
          killed)


def guard_of(d):
    """The eBPF pin directory whose programs are attached to the daemon's cgroup parent."""
    cgid = os.stat(os.path.join(d.env.cg_mount, d.cg_parent)).st_ino
    for tag in sorted(os.listdir(GUARD_ROOT)) if os.path.isdir(GUARD_ROOT) else []:
        if os.path.isdir(os.path.join(GUARD_ROOT, tag, "links", str(cgid))):
            return os.path.join(GUARD_ROOT, tag)
    return None


# -- 4. escapes ----------------------------------------------------------------


@test
def escapes_fail_in_the_cell_under_deny(env):
    L = lab(env)
    before = len(L.daemon.events())
    r = L.notebook("e2e-deny", [src for _, src in ESCAPES] + ["print('still here')"])
    c = r["cells"]
    check(r["dead"] is None, "the kernel died", r)
    bang, system, sub, raw, last = c
    # IPython's "!" runs /bin/sh through pexpect: the exec error is raised in the cell
    check(bang["error"] and bang["error"]["ename"] in ("PermissionError", "OSError") or
          "Permission denied" in bang["stdout"] + bang["stderr"], "!id", bang)
    # os.system: the shell could not be started, status 127 << 8
    check(system["stdout"] == "os.system returned 32512\n", "os.system", system)
    check(sub["error"] and sub["error"]["ename"] == "PermissionError" and
          "curl" in sub["error"]["evalue"], "subprocess", sub)
    check(raw["stdout"] == "execve returned -1 Permission denied\n", "ctypes execve", raw)
    check(last["stdout"] == "still here\n", "the kernel did not run on", last)
    ev = L.daemon.events()[before:]
    denied = exec_events(ev, "deny")
    names = {e["process"]["executable"] for e in denied}
    check("/bin/sh" in names and any(n.endswith("/curl") for n in names),
          "exec-denied events for the shell and curl", names)
    check(all(e["nbwarden"]["rule"] == "exec.allow" and e["user"]["id"] == str(L.uid)
              for e in denied), "rule/user of the events", denied[:3])
    check(not sandbox_events(ev, "sandbox-killed"), "a kernel was killed under deny")


@test
def escapes_kill_the_kernel_under_kill(env):
    L = lab(env)
    for what, src in ESCAPES:
        before = len(L.daemon.events())
        r = L.notebook("e2e-kill", ["print('started')", src, "print('unreachable')"])
        c = r["cells"]
        check(c[0]["stdout"] == "started\n", "%s: the kernel did not start" % what, r)
        # nbclient reports the dead kernel; the cells after it never ran
        check(r["dead"] and "died" in r["dead"].lower(), "%s: no dead kernel reported" % what, r)
        check(c[2]["stdout"] == "", "%s: a cell ran after the kill" % what, r)
        ev = L.daemon.events()[before:]
        killed = sandbox_events(ev, "sandbox-killed")
        check(len(killed) == 1 and killed[0]["nbwarden"]["reason"] == "exec" and
              killed[0]["nbwarden"]["rule"] == "violations.exec", "%s: killed event" % what,
              killed)
        check("/bin/sh" in killed[0]["message"] or "curl" in killed[0]["message"],
              "%s: the event does not name what was executed" % what, killed[0]["message"])
        check(exec_events(ev, "kill"), "%s: no exec-denied event with verdict kill" % what)


# -- 5, 6. network --------------------------------------------------------------


@test
def loopback_connect_denied_unless_allowed(env):
    L = lab(env)
    before = len(L.daemon.events())
    r = L.notebook("e2e-deny", [
        "import socket\nsocket.create_connection(('127.0.0.1', %d), timeout=5)" % L.denied,
        "import socket\ns = socket.create_connection(('127.0.0.1', %d), timeout=5)\n"
        "print('connected', s.getpeername()[1])\ns.close()" % L.allowed,
    ])
    denied, allowed = r["cells"]
    check(denied["error"] and denied["error"]["ename"] == "PermissionError", "denied", denied)
    check(allowed["stdout"] == "connected %d\n" % L.allowed, "allowed", allowed)
    ev = L.daemon.events()[before:]
    hits = [e for e in sandbox_events(ev, "network-connect-denied")
            if e["destination"]["port"] == L.denied]
    check(len(hits) == 1 and hits[0]["destination"]["ip"] == "127.0.0.1" and
          hits[0]["nbwarden"]["rule"] == "network.allow", "connect-denied event", hits)
    check(not [e for e in sandbox_events(ev, "network-connect-denied")
               if e["destination"]["port"] == L.allowed], "the allowed connect was logged denied")


@test
def wildcard_bind_refused_kernel_ports_work(env):
    L = lab(env)
    before = len(L.daemon.events())
    r = L.notebook("e2e-deny", [
        "import socket\ns = socket.socket()\ns.bind(('0.0.0.0', 0))",
        "import socket\ns = socket.socket()\ns.bind(('127.0.0.1', 0))\ns.listen(1)\n"
        "print('loopback listen ok')",
        "print('the kernel still answers')",
    ])
    wild, lo, last = r["cells"]
    check(wild["error"] and wild["error"]["ename"] == "PermissionError", "0.0.0.0 bind", wild)
    check(lo["stdout"] == "loopback listen ok\n", "loopback bind", lo)
    check(last["stdout"] == "the kernel still answers\n", "kernel ports", last)
    ev = L.daemon.events()[before:]
    binds = sandbox_events(ev, "network-bind-denied")
    check(binds and binds[0]["server"]["ip"] == "0.0.0.0" and
          binds[0]["nbwarden"]["rule"] == "network.bind", "bind-denied event", binds)


# -- 7. the queue ------------------------------------------------------------------


@test
def fourth_kernel_waits_in_the_queue(env):
    L = lab(env)
    d = L.daemon
    p = L.jclient("queue", "e2e-deny", "3")
    try:
        q = L.stage(p, "queued", timeout=120)
        # to Jupyter, a queued kernel is one that is slow to start: its process
        # (nbwarden run, the client) is alive and answers nothing yet
        check(q["alive"] and "didn't respond" in q["early"], "the queued kernel", q)
        ps = d.ps("root", all=True)
        states = sorted(s["state"] for s in ps)
        check(states.count("queued") == 1 and len(ps) == 4, "daemon's view", ps)
        check(len(d.leaves()) == 3, "a queued kernel has no cgroup yet", d.leaves())
        L.go(p)
        r = L.result(p, timeout=120)
    finally:
        L.reap(p)
    check(r["out"]["stdout"] == "fourth 4\n", "the fourth kernel did not run", r)
    check(r["ready_after_shutdown"] < 30, "slow start after the queue", r)
    check(sandbox_events(d.events(), "sandbox-queued"), "no sandbox-queued event")
    check(wait_for(lambda: not d.leaves(), 10), "kernels left", d.leaves())


# -- 8. killed at every start ----------------------------------------------------


@test
def killed_at_every_start_is_not_restarted_forever(env):
    L = lab(env)
    d = L.daemon
    before = len(d.events())
    # jupyter_client's restarter, polling often, counting a start that lived
    # 0.5 s as good: without nbwarden's strikes it would restart forever
    r = L.result(L.jclient("restarter", "e2e-startkill", "40 0.2 0.5"), timeout=120)
    check(r["dead"] is not None, "the restarter did not give up within 40 s", r)
    ev = d.events()[before:]
    killed = sandbox_events(ev, "sandbox-killed")
    refused = [e for e in sandbox_events(ev, "sandbox-refused")
               if e["nbwarden"].get("rule") == "violations.relaunch_cooldown"]
    check(len(killed) == 2, "two policy kills (relaunch_strikes = 2)", killed)
    check(all(e["nbwarden"]["reason"] == "exec" for e in killed), "kill reason", killed)
    check(refused and len(refused) == len(r["restarts"]) + 1 - 2,
          "every later start refused with the cooldown", len(refused), r)
    check(all(e["user"]["id"] == str(L.uid) for e in refused), "refused events' user", refused)

    # the same kernel without strikes: the restarts go on, past jupyter_client's limit
    before = len(d.events())
    r = L.result(L.jclient("restarter", "e2e-nostrikes", "20 0.2 0.5"), timeout=90)
    ev = d.events()[before:]
    check(r["dead"] is None and len(r["restarts"]) > 5,
          "without strikes the restarter should keep going", r)
    check(len(sandbox_events(ev, "sandbox-killed")) >= 5, "kills without strikes")
    check(wait_for(lambda: not d.leaves() and not user_processes(L.uid), 10), "left behind")


# -- the connection file is read as the caller ------------------------------------


@test
def connection_file_the_caller_cannot_read_is_refused(env):
    L = lab(env)
    d = L.daemon
    other = os.path.join(L.runtime_dir("root"), "runtime", "kernel-root-%d.json" % os.getpid())
    with open(other, "w") as f:
        json.dump({"transport": "tcp", "ip": "127.0.0.1", "shell_port": 41001,
                   "iopub_port": 41002, "stdin_port": 41003, "control_port": 41004,
                   "hb_port": 41005, "key": "secret-of-root", "signature_scheme":
                   "hmac-sha256"}, f)
    os.chmod(other, 0o600)
    for path in ("/etc/shadow", other):
        before = len(d.events())
        code, out, err = d.run(TEST_USER, [JPYTHON, "-m", "ipykernel_launcher", "-f", path],
                               profile="e2e-deny")
        check(code != 0 and "cannot read the connection file '%s'" % path in err and
              "Permission denied" in err, "%s: not refused" % path, code, err)
        check("secret-of-root" not in out + err and "root:" not in out + err, "leaked", err)
        ev = d.events()[before:]
        refused = sandbox_events(ev, "sandbox-refused")
        check(refused and path in refused[-1]["message"] and
              refused[-1]["user"]["id"] == str(L.uid), "%s: refusal not logged" % path, ev)
        check(not sandbox_events(ev, "sandbox-start"), "%s: started" % path)


@test
def connection_file_naming_a_listening_port_is_refused(env):
    # the kernel may connect to its own five ports; a caller who names the port
    # of a service in a connection file must not get a way to that service
    L = lab(env)
    d = L.daemon
    path = os.path.join(L.runtime_dir(TEST_USER), "runtime", "kernel-forged.json")
    ports = {"shell_port": L.denied, "iopub_port": 41012, "stdin_port": 41013,
             "control_port": 41014, "hb_port": 41015}
    with open(path, "w") as f:
        json.dump(dict(ports, transport="tcp", ip="127.0.0.1", key="k",
                       signature_scheme="hmac-sha256"), f)
    os.chown(path, L.uid, -1)
    before = len(d.events())
    code, out, err = d.run(TEST_USER, [JPYTHON, "-c", "import socket; socket.create_connection("
                                       "('127.0.0.1', %d)); print('reached')" % L.denied,
                                       "-f", path], profile="e2e-deny")
    check(code == 125 and "names port %d (shell_port), on which a program of this host "
          "already listens" % L.denied in err and "reached" not in out, "not refused", code, err)
    ev = d.events()[before:]
    check(sandbox_events(ev, "sandbox-refused") and not sandbox_events(ev, "sandbox-start"),
          "refusal not logged", ev)


# -- embedded mode -------------------------------------------------------------------


@test
def embedded_notebook_as_root(env):
    L = lab(env)
    r = L.notebook("embedded", [
        "import os, pwd\nprint(pwd.getpwuid(os.getuid()).pw_name)",
        "import socket\nsocket.create_connection(('127.0.0.1', %d), timeout=5)" % L.denied,
        "import os\nprint('os.system returned', os.system('id'))",
    ], user="root")
    who, net, system = r["cells"]
    check(r["dead"] is None and who["stdout"] == TEST_USER + "\n", "kernel user", r)
    check(net["error"] and net["error"]["ename"] == "PermissionError", "network", net)
    check(system["stdout"] == "os.system returned 32512\n", "exec", system)
    ev = read_events(env.audit_log)
    starts = [e for e in sandbox_events(ev, "sandbox-start")
              if e["nbwarden"]["profile"].endswith("e2e-root.conf")]
    check(len(starts) == 1, "one embedded kernel in this run's audit log", starts)
    sid = starts[0]["nbwarden"]["sandbox_id"]
    mine = [e for e in ev if e.get("nbwarden", {}).get("sandbox_id") == sid]
    check(sandbox_events(mine, "network-connect-denied") and exec_events(mine, "deny"),
          "the embedded kernel's denials are not logged")
    leaf_parent = os.path.join(env.cg_mount, env.cg_parent, "embedded")
    check(wait_for(lambda: not os.path.isdir(os.path.join(leaf_parent, sid)), 10),
          "the embedded kernel's leaf is left")


def teardown():
    if _lab:
        _lab.close()


if __name__ == "__main__":
    sys.exit(main("e2e", teardown))
