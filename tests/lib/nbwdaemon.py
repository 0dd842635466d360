# SPDX-License-Identifier: GPL-2.0-or-later
"""
A private "nbwarden daemon" for the root test tiers (integration, e2e): its
own policy, socket, state and run directories, audit log and cgroup parent
(below the run's), started and stopped by pid. Clients run as other users
through setpriv.
"""

import json
import os
import pwd
import shutil
import signal
import subprocess

from nbwtest import NBW, check, kill_cgroup, wait_for

SETPRIV = "/usr/bin/setpriv"


class Daemon:
    """One nbwarden daemon with its own files, started and stopped by pid."""
    count = 0

    def __init__(self, env, policy, daemon_extra=""):
        Daemon.count += 1
        self.env = env
        self.dir = os.path.join(env.root, "daemon-%d" % Daemon.count)
        shutil.rmtree(self.dir, ignore_errors=True)
        os.makedirs(self.dir, mode=0o755)
        self.sock = os.path.join(self.dir, "nbwarden.sock")
        self.audit = os.path.join(self.dir, "audit.jsonl")
        self.policy_path = os.path.join(self.dir, "policy.conf")
        self.cg_parent = "%s/d%d" % (env.cg_parent, Daemon.count)
        self.port = 19000 + (os.getpid() * 7 + Daemon.count) % 20000
        self.write_policy(policy)
        self.config = env.write_config("daemon-%d" % Daemon.count, """
[audit]
path = %s
[daemon]
socket = %s
policy = %s
state_dir = %s/state
run_dir = %s/run
profile_dir = %s
cgroup_parent = %s
metrics_listen = 127.0.0.1:%d
%s
""" % (self.audit, self.sock, self.policy_path, self.dir, self.dir, env.root, self.cg_parent,
            self.port, daemon_extra))
        self.proc = None
        self.start()

    def write_policy(self, text):
        with open(self.policy_path, "w") as f:
            f.write(text.lstrip())
        os.chmod(self.policy_path, 0o644)

    def start(self):
        self.log = open(os.path.join(self.dir, "daemon.log"), "a")
        if os.path.exists(self.sock):
            os.unlink(self.sock)
        self.proc = subprocess.Popen([NBW, "daemon", "--config", self.config],
                                     stdout=self.log, stderr=self.log, stdin=subprocess.DEVNULL)
        if not wait_for(lambda: os.path.exists(self.sock) or self.proc.poll() is not None, 10):
            raise AssertionError("daemon did not start")
        check(self.proc.poll() is None, "daemon exited at start", self.log_text())

    def log_text(self):
        with open(os.path.join(self.dir, "daemon.log")) as f:
            return f.read()[-3000:]

    def stop(self, sig=signal.SIGTERM):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            self.proc.wait(timeout=20)
            # a clean stop exits 0 (under ASan: no leak, no error either)
            check(sig != signal.SIGTERM or self.proc.returncode == 0,
                  "daemon exited %s on SIGTERM" % self.proc.returncode, self.log_text())
        self.log.close()

    def cleanup(self):
        self.stop()
        parent = os.path.join(self.env.cg_mount, self.cg_parent)
        if os.path.isdir(parent):
            for d in os.listdir(parent):
                full = os.path.join(parent, d)
                if os.path.isdir(full):
                    kill_cgroup(full)
                    wait_for(lambda: not os.path.isdir(full), 5)
                    try:
                        os.rmdir(full)
                    except OSError:
                        pass
            try:
                os.rmdir(parent)
            except OSError:
                pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.cleanup()

    # -- clients --------------------------------------------------------
    def argv(self, user, args):
        return [SETPRIV, "--reuid", user, "--regid", user, "--init-groups", NBW] + args

    def run(self, user, cmd, profile="t-base", extra=(), timeout=30, input=None):
        a = self.argv(user, ["run", "--socket", self.sock, "--profile", profile] +
                      list(extra) + ["--"] + cmd)
        p = subprocess.run(a, input=input, capture_output=True, text=True, timeout=timeout,
                           cwd="/")
        return p.returncode, p.stdout, p.stderr

    def popen(self, user, cmd, profile="t-base", extra=(), **kw):
        a = self.argv(user, ["run", "--socket", self.sock, "--profile", profile] +
                      list(extra) + ["--"] + cmd)
        return subprocess.Popen(a, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                cwd="/", **kw)

    def client(self, user, args, timeout=30):
        p = subprocess.run(self.argv(user, args + ["--socket", self.sock]), capture_output=True,
                           text=True, timeout=timeout, cwd="/")
        return p.returncode, p.stdout, p.stderr

    def ps(self, user, all=False):
        code, out, err = self.client(user, ["ps", "--json"] + (["--all"] if all else []))
        check(code == 0, "ps failed", code, err)
        return json.loads(out)

    def events(self, action=None):
        out = []
        try:
            with open(self.audit) as f:
                for line in f:
                    if line.endswith("\n"):
                        e = json.loads(line)
                        if action is None or e["event"]["action"] == action:
                            out.append(e)
        except FileNotFoundError:
            pass
        return out

    def leaves(self):
        parent = os.path.join(self.env.cg_mount, self.cg_parent)
        return [d for d in os.listdir(parent) if os.path.isdir(os.path.join(parent, d))] \
            if os.path.isdir(parent) else []

    def running(self, user):
        return [s for s in self.ps(user, all=True) if s["state"] != "queued"]


def uid_of(user):
    return pwd.getpwnam(user).pw_uid
