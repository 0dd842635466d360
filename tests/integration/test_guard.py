#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""
Integration tests for the eBPF layer (root): egress allow-lists, bind policy,
exec guard, accounting and budgets, pinning, and the event stream. Listeners
are started by the tests on loopback addresses (127.0.0.x, ::1) or in a
network namespace the test creates.
"""

import calendar
import fcntl
import glob
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from nbwtest import (BUILD, GUARD_ROOT, NBW, Result, Skip, check, main, pid_alive,  # noqa: E402
                     populated, read_events, read_line, test, wait_for)

HOST_NET = "[network]\nmode = host\n"
DENY_EXEC = "[violations]\nexec = deny\n"
# 1000 sequential launches; fewer on the ASan build and under qemu (each launch
# is 5 to 20 times slower there)
LAUNCHES = int(os.environ.get("NBW_LAUNCHES", "250" if "sanitize" in BUILD else
                              "100" if os.environ.get("NBW_VM") else "1000"))


class Listener:
    """TCP and UDP listeners on one loopback address, in a thread; counts UDP datagrams."""

    def __init__(self, addr, family=socket.AF_INET):
        self.tcp = socket.socket(family, socket.SOCK_STREAM)
        self.tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.tcp.bind((addr, 0))
        self.tcp.listen(64)
        self.port = self.tcp.getsockname()[1]
        self.udp = socket.socket(family, socket.SOCK_DGRAM)
        self.udp.bind((addr, 0))
        self.uport = self.udp.getsockname()[1]
        self.udp.settimeout(0.2)
        self.datagrams = 0
        self.stop = False
        self.t = threading.Thread(target=self._run, daemon=True)
        self.t.start()

    def _run(self):
        self.tcp.settimeout(0.2)
        deadline = time.monotonic() + 110
        while not self.stop and time.monotonic() < deadline:
            try:
                c, _ = self.tcp.accept()
                c.close()
            except OSError:
                pass
            try:
                self.udp.recv(64)
                self.datagrams += 1
            except OSError:
                pass

    def close(self):
        self.stop = True
        self.t.join(2)
        self.tcp.close()
        self.udp.close()


def net_profile(env, *allow, extra=""):
    return env.profile(HOST_NET + "".join("allow = %s\n" % a for a in allow) + extra)


def verdict_of(r):
    line = [l for l in r.out.splitlines() if l.startswith("result=")]
    return line[-1] if line else r.out


def events_with(r, action):
    return [e for e in r.events if e["event"]["action"] == action]


# ---------------------------------------------------------------------------
# egress


@test
def tcp_and_udp_allow_and_deny(env):
    l = Listener("127.0.0.2")
    try:
        prof = net_profile(env, "127.0.0.2/32 tcp %d" % l.port, "127.0.0.2 udp %d" % l.uport)
        r = env.run([env.attack, "connect", "127.0.0.2", str(l.port)], profile=prof)
        check("result=ALLOWED" in r.out, "allowed TCP destination refused", r)
        r = env.run([env.attack, "connect", "127.0.0.2", str(l.uport)], profile=prof)
        check("DENIED errno=EPERM" in r.out, "TCP to a UDP-only rule allowed", r)
        ev = events_with(r, "network-connect-denied")
        check(ev and ev[0]["destination"] == {"ip": "127.0.0.2", "port": l.uport} and
              ev[0]["network"]["transport"] == "tcp" and
              ev[0]["nbwarden"]["rule"] == "network.allow", "no or wrong event", r.events)
        before = l.datagrams
        r = env.run([env.attack, "udp-send", "127.0.0.2", str(l.uport)], profile=prof)
        check("result=ALLOWED" in r.out, "allowed UDP sendto refused", r)
        check(wait_for(lambda: l.datagrams > before, 3), "the datagram did not arrive")
        r = env.run([env.attack, "udp-send", "127.0.0.2", str(l.port)], profile=prof)
        check("DENIED errno=EPERM" in r.out, "UDP sendto to a TCP-only port allowed", r)
        check(events_with(r, "network-send-denied"), "no network-send-denied event", r.events)
        r = env.run([env.attack, "udp-connect", "127.0.0.2", str(l.port)], profile=prof)
        check("DENIED errno=EPERM" in r.out, "connected UDP to a denied port allowed", r)
        ev = events_with(r, "network-connect-denied")
        check(ev and ev[0]["network"]["transport"] == "udp", "no UDP connect event", r.events)
        # nothing is reachable without a rule, loopback included
        r = env.run([env.attack, "connect", "127.0.0.1", str(l.port)], profile=prof)
        check("DENIED errno=EPERM" in r.out, "127.0.0.1 reachable without a rule", r)
    finally:
        l.close()


@test
def network_log_all(env):
    l = Listener("127.0.0.2")
    try:
        rules = ("127.0.0.2 tcp %d" % l.port, "127.0.0.2 udp %d" % l.uport)
        quiet = net_profile(env, *rules)
        loud = net_profile(env, *rules, extra="log = all\n")
        for attack, port, action in (("connect", l.port, "network-connect-allowed"),
                                     ("udp-send", l.uport, "network-send-allowed")):
            r = env.run([env.attack, attack, "127.0.0.2", str(port)], profile=loud)
            ev = events_with(r, action)
            check("result=ALLOWED" in r.out and ev and
                  ev[0]["destination"] == {"ip": "127.0.0.2", "port": port} and
                  ev[0]["nbwarden"]["verdict"] == "allow" and
                  ev[0]["event"]["outcome"] == "success", "no %s event" % action, r)
            r = env.run([env.attack, attack, "127.0.0.2", str(port)], profile=quiet)
            check("result=ALLOWED" in r.out and not events_with(r, action),
                  "%s logged without log = all" % action, r.events)
    finally:
        l.close()


@test
def private_namespace_attempts_logged(env):
    # mode = none: nothing outside exists, but an attempt to reach it is
    # refused by the hook (EPERM, not ENETUNREACH) and so becomes an event
    prof = env.profile("")
    for attack, action in (("connect", "network-connect-denied"),
                           ("udp-send", "network-send-denied")):
        r = env.run([env.attack, attack, "192.0.2.1", "443"], profile=prof)
        check("DENIED errno=EPERM" in r.out, "%s outside a private namespace" % attack, r)
        ev = events_with(r, action)
        check(ev and ev[0]["destination"] == {"ip": "192.0.2.1", "port": 443} and
              ev[0]["nbwarden"]["rule"] == "network.mode", "no %s event" % action, r.events)
    # its own loopback is the sandbox's to use
    r = env.run([env.attack, "connect", "127.0.0.1", "9"], profile=prof)
    check("reached the destination" in r.out and not events_with(r, "network-connect-denied"),
          "own loopback refused in mode = none", r)


@test
def v4_mapped_judged_as_ipv4(env):
    l = Listener("127.0.0.2")
    try:
        prof = net_profile(env, "127.0.0.2/32 tcp %d" % l.port)
        r = env.run([env.attack, "connect", "::ffff:127.0.0.2", str(l.port)], profile=prof)
        check("result=ALLOWED" in r.out, "v4-mapped form of an allowed address refused", r)
        r = env.run([env.attack, "connect", "::ffff:127.0.0.1", str(l.port)], profile=prof)
        check("DENIED errno=EPERM" in r.out, "v4-mapped form of a denied address allowed", r)
        ev = events_with(r, "network-connect-denied")
        check(ev and ev[0]["destination"]["ip"] == "127.0.0.1" and
              ev[0]["network"]["type"] == "ipv4", "mapped address not reported as IPv4", ev)
    finally:
        l.close()


@test
def prefix_rules_inherit_ports(env):
    # a more specific prefix must not hide the ports of a wider one
    l = Listener("127.0.0.9")
    try:
        prof = net_profile(env, "127.0.0.0/8 tcp %d" % l.port, "127.0.0.9/32 tcp 1-2")
        r = env.run([env.attack, "connect", "127.0.0.9", str(l.port)], profile=prof)
        check("result=ALLOWED" in r.out, "/32 rule hid the /8 rule's port", r)
        r = env.run([env.attack, "connect", "127.0.0.9", str(l.uport)], profile=prof)
        check("DENIED errno=EPERM" in r.out, "unlisted port allowed", r)
    finally:
        l.close()


@test
def hostnames_resolved_at_launch(env):
    l = Listener("127.0.0.1")
    try:
        prof = net_profile(env, "localhost tcp %d" % l.port,
                           "no-such-host.nbwarden-test.invalid tcp 80")
        r = env.run([env.attack, "connect", "127.0.0.1", str(l.port)], profile=prof)
        check("result=ALLOWED" in r.out, "localhost rule not resolved", r)
        check("does not resolve" in r.err, "unresolvable name not reported", r)
        start = events_with(r, "sandbox-start")
        check(start and "hosts_unresolved" in start[0]["nbwarden"], "not in the start event",
              start)
    finally:
        l.close()


@test
def bind_policy(env):
    prof = env.profile(HOST_NET)
    for addr, want in (("0.0.0.0", "DENIED errno=EPERM"), ("::", "DENIED errno=EPERM"),
                       ("127.0.0.1", "result=ALLOWED"), ("::1", "result=ALLOWED")):
        r = env.run([env.attack, "bind", addr, "0"], profile=prof)
        check(want in r.out, "bind %s: expected %s" % (addr, want), r)
    r = env.run([env.attack, "bind", "0.0.0.0", "0"], profile=prof)
    ev = events_with(r, "network-bind-denied")
    check(ev and ev[0]["server"]["ip"] == "0.0.0.0" and ev[0]["nbwarden"]["rule"] ==
          "network.bind", "no bind event", r.events)
    anyp = env.profile(HOST_NET + "bind = any\n")
    r = env.run([env.attack, "bind", "0.0.0.0", "0"], profile=anyp)
    check("result=ALLOWED" in r.out, "bind = any refused the wildcard", r)
    nonep = env.profile(HOST_NET + "bind = none\n")
    r = env.run([env.attack, "bind", "127.0.0.1", "0"], profile=nonep)
    check("DENIED errno=EPERM" in r.out, "bind = none allowed loopback", r)
    # a listener that never called bind() (listen() binds it to the wildcard)
    # accepts nothing under bind = none, not even over loopback
    p = env.popen([env.attack, "listen-any", "4"], profile=nonep)
    try:
        port = int(read_line(p.stdout, 10).split("=")[1])
        c = socket.socket()
        c.settimeout(1.0)
        try:
            c.connect(("127.0.0.1", port))
            check(False, "bind = none: a listener accepted a connection")
        except OSError:
            pass
        finally:
            c.close()
    finally:
        p.communicate(timeout=15)
    # the policy holds in a private network namespace (mode = none) too
    r = env.run([env.attack, "bind", "127.0.0.1", "0"],
                profile=env.profile("[network]\nbind = none\n"))
    check("DENIED errno=EPERM" in r.out, "bind = none ignored under mode = none", r)


@test
def listener_on_public_address_unreachable(env):
    ns = "nbwt%d" % os.getpid()
    veth = "nbwv%d" % (os.getpid() % 100000)
    sh = lambda *c: subprocess.run(c, check=True, capture_output=True, timeout=10)
    try:
        sh("ip", "netns", "add", ns)
        sh("ip", "link", "add", veth, "type", "veth", "peer", "name", "eth0", "netns", ns)
        sh("ip", "addr", "add", "10.213.7.1/30", "dev", veth)
        sh("ip", "link", "set", veth, "up")
        sh("ip", "-n", ns, "addr", "add", "10.213.7.2/30", "dev", "eth0")
        sh("ip", "-n", ns, "link", "set", "eth0", "up")
        # an outsider's SYN is not the sandbox's violation: even under
        # network = kill it is dropped and logged, and the sandbox lives on
        prof = env.profile(HOST_NET + "[violations]\nnetwork = kill\n")
        p = env.popen([env.attack, "listen-any", "6"], profile=prof)
        try:
            port = int(read_line(p.stdout, 10).split("=")[1])
            # from the test's namespace: a SYN to the host's non-loopback address
            r = subprocess.run(["ip", "netns", "exec", ns, sys.executable, "-c",
                                "import socket; s=socket.socket(); s.settimeout(1.5)\n"
                                "try:\n s.connect(('10.213.7.1', %d)); print('connected')\n"
                                "except OSError as e: print('failed', e)" % port],
                               capture_output=True, text=True, timeout=10)
            check("failed" in r.stdout, "a listener was reachable from outside", r.stdout)
            # over loopback it works
            c = socket.create_connection(("127.0.0.1", port), timeout=2)
            c.close()
        finally:
            out, err = p.communicate(timeout=15)
        check(p.returncode == 0, "an inbound connection attempt killed the sandbox", err)
        events = [json.loads(l) for l in open(p.events_path)]
        ev = [e for e in events if e["event"]["action"] == "network-listen-dropped"]
        check(ev and ev[0]["server"]["ip"] == "10.213.7.1", "no listen-dropped event", events)
    finally:
        subprocess.run(["ip", "link", "del", veth], capture_output=True)
        subprocess.run(["ip", "netns", "del", ns], capture_output=True)


@test
def non_tcp_udp_packets_dropped_at_egress(env):
    # UDP-Lite passes the sendmsg hook as a datagram socket; the egress backstop
    # sees protocol 136 on the wire and drops it, even to an allowed destination
    prof = net_profile(env, "127.0.0.2 udp 5555")
    r = env.run([env.attack, "udplite-send", "127.0.0.2", "5555"], profile=prof)
    check("DENIED errno=EPERM" in r.out, "a UDP-Lite datagram left the sandbox", r)
    ev = events_with(r, "network-packet-dropped")
    check(ev and ev[0]["destination"]["ip"] == "127.0.0.2" and
          ev[0]["network"]["transport"] == "udplite" and "process" not in ev[0],
          "no packet-dropped event", r.events)
    r = env.run([env.attack, "udp-send", "127.0.0.2", "5555"], profile=prof)
    check("result=ALLOWED" in r.out, "plain UDP to the same destination refused", r)
    killp = net_profile(env, "127.0.0.2 udp 5555", extra="[violations]\nnetwork = kill\n")
    r = env.run([env.attack, "udplite-send", "127.0.0.2", "5555"], profile=killp)
    check(r.code == 137 and "protocol 136 packet to 127.0.0.2 dropped" in r.err,
          "network = kill did not end the sandbox for a dropped packet", r)


@test
def ping_socket_refused_at_creation(env):
    # Without seccomp's @raw-sockets, and where the host lets every group open
    # ICMP "ping" sockets (a namespace of ours: the sysctl is per namespace),
    # cgroup/sock_create still refuses them.
    ns = "nbwp%d" % os.getpid()
    sh = lambda *c: subprocess.run(c, check=True, capture_output=True, timeout=10)
    prof = env.write_profile("no-raw-sockets", """
[exec]
allow = %s
[filesystem]
read_only = /
[network]
mode = host
[syscalls]
deny = @mount @ptrace @bpf
""" % env.bin)
    try:
        sh("ip", "netns", "add", ns)
        sh("ip", "-n", ns, "link", "set", "lo", "up")
        sh("ip", "netns", "exec", ns, "sysctl", "-qw", "net.ipv4.ping_group_range=0 2147483647")
        events = os.path.join(env.root, "events-ping.jsonl")
        # nsenter changes only the network namespace (ip netns exec would remount /sys)
        p = subprocess.run(["nsenter", "--net=/run/netns/" + ns] +
                           env.cmd([env.attack, "ping-socket"], profile=prof, events=events),
                           capture_output=True, text=True, timeout=30)
        r = Result(p.returncode, p.stdout, p.stderr, read_events(events))
        check("DENIED errno=EPERM" in r.out, "a ping socket was created", r)
        ev = events_with(r, "network-socket-denied")
        check(ev and ev[0]["network"]["transport"] == "icmp" and
              ev[0]["nbwarden"]["enforcer"] == "ebpf", "no socket-denied event", r.events)
        check(not events_with(r, "syscall-denied"), "seccomp refused it, not the hook", r.events)
    finally:
        subprocess.run(["ip", "netns", "del", ns], capture_output=True)


@test
def concurrent_sandboxes_do_not_interfere(env):
    l = Listener("127.0.0.2")
    try:
        a_prof = net_profile(env, "127.0.0.2/32 tcp %d" % l.port)
        b_prof = net_profile(env, "127.0.0.2/32 udp %d" % l.uport)
        a = env.popen([env.probe, "signals"], profile=a_prof)
        check(read_line(a.stdout, 10) == "ready", "sandbox A did not start")
        try:
            r = env.run([env.attack, "connect", "127.0.0.2", str(l.port)], profile=b_prof)
            check("DENIED errno=EPERM" in r.out, "B got A's allow-list", r)
            r = env.run([env.attack, "udp-send", "127.0.0.2", str(l.uport)], profile=b_prof)
            check("result=ALLOWED" in r.out, "B's own rule not applied", r)
            r = env.run([env.attack, "connect", "127.0.0.2", str(l.port)], profile=a_prof)
            check("result=ALLOWED" in r.out, "a second A-like sandbox refused", r)
            r = env.run([env.attack, "udp-send", "127.0.0.2", str(l.uport)], profile=a_prof)
            check("DENIED errno=EPERM" in r.out, "A got B's allow-list", r)
        finally:
            a.send_signal(signal.SIGTERM)
            a.communicate(timeout=10)
    finally:
        l.close()


# ---------------------------------------------------------------------------
# exec guard


@test
def exec_via_loader_and_memfd_killed(env):
    deny = env.profile(DENY_EXEC)
    cases = (("exec-ldso", "exec.interpreter"), ("exec-memfd", "exec.allow"),
             ("exec-memfd-proc", "exec.allow"))
    for attack, rule in cases:
        r = env.run([env.attack, attack], profile=deny)
        check("result=DENIED errno=SIGKILL" in r.out and r.code == 0,
              "%s not killed (deny keeps the sandbox)" % attack, r)
        ev = events_with(r, "exec-denied")
        check(ev and ev[0]["nbwarden"]["rule"] == rule and ev[0]["nbwarden"]["verdict"] ==
              "deny" and ev[0]["nbwarden"]["enforcer"] == "ebpf", "no exec-denied event", r.events)
        # the default: the whole sandbox ends
        r = env.run([env.attack, attack])
        check(r.code == 137 and "killed: execution of" in r.err, "%s: sandbox not killed" % attack,
              r)
        killed = events_with(r, "sandbox-killed")
        check(killed and killed[0]["nbwarden"]["rule"] == "violations.exec", "no kill event",
              r.events)


@test
def exec_refused_by_landlock_logged(env):
    deny = env.profile(DENY_EXEC)
    r = env.run([env.attack, "exec-shell"], profile=deny)
    check("DENIED errno=EACCES" in r.out, "shell exec not refused", r)
    ev = events_with(r, "exec-denied")
    check(ev and ev[0]["process"]["executable"] == "/bin/sh" and
          ev[0]["nbwarden"]["enforcer"] == "landlock", "no Landlock exec event", r.events)
    # the command itself: 126, not a violation kill
    r = env.run(["/bin/sh", "-c", "true"])
    check(r.code == 126, "a refused command must exit 126", r)


@test
def exec_log_all(env):
    prof = env.profile("[exec]\nlog = all\n")
    r = env.run([env.probe, "exit", "0"], profile=prof)
    ev = events_with(r, "exec-allowed")
    check(ev and ev[0]["process"]["executable"].endswith("/probe") and
          ev[0]["event"]["kind"] == "event", "no exec-allowed event", r.events)


# ---------------------------------------------------------------------------
# accounting and budgets


def event_time(ev):
    """An event's @timestamp as seconds since the epoch."""
    s = ev["@timestamp"]
    return calendar.timegm(time.strptime(s[:19], "%Y-%m-%dT%H:%M:%S")) + float(s[19:-1])


@test
def cpu_time_kill(env):
    prof = env.profile("[limits]\ncpu_time = 2s\n")
    r = env.run([env.probe, "spin", "20"], profile=prof, timeout=30)
    check(r.code == 137 and "CPU-time limit of 2s" in r.err, "not killed for CPU time", r)
    exit_ev = events_with(r, "sandbox-exit")[0]
    used = exit_ev["nbwarden"]["cpu_usec"] / 1e6
    check(2.0 <= used <= 2.2, "killed at %.3f CPU-seconds, not within 10%% of 2s" % used)


@test
def runaway_kill(env):
    prof = env.profile("[limits]\nrunaway = 2s\n")
    t = time.monotonic()
    r = env.run([env.probe, "spin", "20"], profile=prof, timeout=30)
    took = time.monotonic() - t
    check(r.code == 137 and "busy on a CPU" in r.err, "runaway not killed", r)
    # busy from when the spinning began (the launch before it is not busy)
    since = float(r.kv()["since"])
    busy = event_time(events_with(r, "sandbox-killed")[0]) - since
    check(1.8 <= busy <= 2.2, "killed after %.3fs busy, not within 10%% of 2s (%.2fs total)" %
          (busy, took))
    print("     killed after %.3fs busy" % busy)
    # an idle sandbox is not a runaway
    r = env.run([env.probe, "sleep", "3"], profile=prof, timeout=30)
    check(r.code == 0, "an idle sandbox was killed", r)


@test
def runaway_kill_on_a_shared_cpu(env):
    """A loop that gets only half a CPU, because other work holds it, is still a runaway."""
    prof = env.profile("[limits]\nrunaway = 2s\n")
    saved = os.sched_getaffinity(0)
    cpu = min(saved)
    os.sched_setaffinity(0, {cpu})
    rival = None
    try:
        # outside any sandbox, on the same CPU: the sandbox's loop gets about half of it
        rival = subprocess.Popen([env.probe, "spin", "15"], stdout=subprocess.DEVNULL)
        r = env.run([env.probe, "spin", "15"], profile=prof, timeout=30)
    finally:
        os.sched_setaffinity(0, saved)
        if rival:
            rival.kill()
            rival.wait()
    check(r.code == 137 and "busy on a CPU" in r.err, "a loop on a shared CPU was not killed", r)
    since = float(r.kv()["since"])
    killed = events_with(r, "sandbox-killed")[0]
    busy = event_time(killed) - since
    check(1.8 <= busy <= 2.3, "killed after %.3fs of looping, not about 2s" % busy)
    print("     killed after %.3fs of looping on a shared CPU" % busy)


@test
def io_bytes_kill(env):
    with open(os.path.join(env.cg_mount, "cgroup.controllers")) as f:
        if "io" not in f.read().split():
            raise Skip("this host's cgroup2 hierarchy has no io controller (hybrid cgroups): "
                       "io.stat does not exist here; the VM tier runs this test")
    target = os.path.join(env.home, "notebooks", "io-test")
    st = os.stat(os.path.dirname(target))
    sysdev = "/sys/dev/block/%d:%d" % (os.major(st.st_dev), os.minor(st.st_dev))
    if not os.path.exists(sysdev):
        raise Skip("the test user's home is not on a block device (the VM tier puts it on one)")
    # The budget is checked every 100 ms: a writer at full speed overshoots it
    # by what it writes in a tick. Paced at 5 MiB/s (io_write) against 40M,
    # the kill must come within 10% of the figure, as io.stat counts it.
    prof = env.profile("[limits]\nio_bytes = 40M\nio_write = 5M\nio_device = /dev/%s\n"
                       "enforce = strict\n[filesystem]\nwritable = ~/notebooks\n" %
                       os.path.basename(os.path.realpath(sysdev)))
    t = time.monotonic()
    r = env.run([env.probe, "write-bytes", target, "80"], profile=prof, timeout=60)
    took = time.monotonic() - t
    written = os.path.getsize(target) if os.path.exists(target) else 0
    os.unlink(target)
    check(r.code == 137 and "IO limit of 40M" in r.err, "not killed for IO", r)
    killed = events_with(r, "sandbox-killed")
    check(killed and killed[0]["nbwarden"]["reason"] == "io_bytes" and
          killed[0]["nbwarden"]["limit"] == "40M", "no io_bytes kill event", r.events)
    exit_ev = events_with(r, "sandbox-exit")[0]["nbwarden"]
    counted = exit_ev["io_read_bytes"] + exit_ev["io_write_bytes"]
    check(40 * 2**20 <= counted <= 44 * 2**20,
          "killed at %.2f MiB of IO, not within 10%% of 40M" % (counted / 2**20))
    check(written <= 45 * 2**20, "%.1f MiB reached the file" % (written / 2**20))
    print("     killed at %.2f MiB of IO after %.1fs (%.1f MiB in the file)" %
          (counted / 2**20, took, written / 2**20))


@test
def stats_flag(env):
    l = Listener("127.0.0.2")
    try:
        prof = net_profile(env, "127.0.0.2/32 tcp %d" % l.port)
        r = env.run([env.attack, "connect", "127.0.0.2", str(l.port)], profile=prof,
                    extra=["--stats"])
        line = [x for x in r.err.splitlines() if x.startswith("nbwarden: stats: cpu ")]
        check(line and "net sent" in line[0], "no stats line", r.err)
        sent = events_with(r, "sandbox-exit")[0]["nbwarden"]["stats"]["net_tx_bytes"]
        check(sent > 0, "connection bytes not counted", sent)
    finally:
        l.close()


# ---------------------------------------------------------------------------
# events: exact counts, floods, schema


@test
def flood_exact_count(env):
    prof = net_profile(env)
    n = 100000
    r = env.run([env.attack, "connect-flood", "127.0.0.1", "9", str(n)], profile=prof, timeout=120)
    check("denials=%d" % n in r.out, "the flood did not happen", r)
    logged = len(events_with(r, "network-connect-denied"))
    suppressed = sum(e["nbwarden"]["suppressed"] for e in
                     events_with(r, "network-connect-denied-suppressed"))
    lost = r.events[-1]["nbwarden"]["events_lost"]
    exit_ev = events_with(r, "sandbox-exit")[0]
    check(exit_ev["nbwarden"]["stats"]["net_denied"] == n, "kernel counter", exit_ev)
    check(logged + suppressed + lost == n,
          "unaccounted events: %d logged + %d suppressed + %d lost != %d" %
          (logged, suppressed, lost, n))
    check(logged == 10, "repeats not aggregated", logged)
    similar = {e["nbwarden"]["similar"] for e in
               events_with(r, "network-connect-denied-suppressed")}
    check(similar == {"network-connect-denied deny 127.0.0.1 port 9 protocol 6"},
          "summaries do not say what was suppressed", similar)


@test
def syscall_denials_rate_limited(env):
    n = 2000
    r = env.run([env.attack, "syscall-flood", str(n)], timeout=60)
    check("denials=%d" % n in r.out, "the flood did not happen", r)
    logged = events_with(r, "syscall-denied")
    summary = events_with(r, "syscall-denied-suppressed")
    check(len(logged) == 10 and all(e["nbwarden"]["syscall"]["name"] == "unshare"
                                    for e in logged), "not 10 detailed events", logged[:12])
    check(len(summary) == 1 and summary[0]["nbwarden"]["suppressed"] == n - 10 and
          summary[0]["nbwarden"]["similar"] == "syscall-denied unshare",
          "suppressed count wrong", summary)
    # the summary comes before the exit, which stays the sandbox's last event
    check(r.events[-1]["event"]["action"] == "sandbox-exit", "exit not last", r.events[-3:])


@test
def events_match_schema(env):
    import jsonschema
    here = os.path.dirname(os.path.abspath(__file__))
    with open(os.path.join(here, "..", "..", "docs", "events.schema.json")) as f:
        schema = json.load(f)
    validator = jsonschema.Draft202012Validator(schema)
    # the two lifecycle events no test above produces: a refusal, a failed setup
    r = env.run([env.probe, "exit", "0"], profile=env.write_profile("bad", "[bogus]\n"))
    check(r.code == 125, "a broken profile ran", r)
    r = env.run([env.probe, "exit", "0"], extra=["--cwd", "/nonexistent"])
    check(r.code == 125, "a missing --cwd ran", r)
    # every event written so far in this run, by every test above
    seen, bad = set(), []
    for path in glob.glob(os.path.join(env.root, "events-*.jsonl")):
        for line in open(path):
            e = json.loads(line)
            seen.add(e["event"]["action"])
            errors = sorted(validator.iter_errors(e), key=str)
            if errors:
                bad.append((e["event"]["action"], errors[0].message))
    check(not bad, "events that do not match docs/events.schema.json", *bad[:5])
    # and so does every example in docs/events.md
    with open(os.path.join(here, "..", "..", "docs", "events.md")) as f:
        doc = f.read()
    examples = [json.loads(l) for block in doc.split("```json\n")[1:]
                for l in block.split("```")[0].splitlines() if l.strip()]
    bad = [(e["event"]["action"], err.message) for e in examples
           for err in validator.iter_errors(e)]
    check(len(examples) >= 20 and not bad, "docs/events.md examples do not match the schema",
          len(examples), *bad[:5])
    want = {"sandbox-start", "sandbox-exit", "sandbox-killed", "network-connect-denied",
            "network-send-denied", "network-bind-denied", "network-listen-dropped",
            "network-packet-dropped", "network-socket-denied", "exec-denied", "exec-allowed",
            "network-connect-denied-suppressed", "syscall-denied", "syscall-denied-suppressed",
            "sandbox-refused", "sandbox-setup-failed", "network-connect-allowed",
            "network-send-allowed"}
    check(want <= seen, "event types never produced", sorted(want - seen))


# ---------------------------------------------------------------------------
# one attachment, many sandboxes


def pinned(d):
    out = {}
    for root, dirs, files in os.walk(d):
        for f in files:
            p = os.path.join(root, f)
            out[os.path.relpath(p, d)] = os.stat(p).st_ino
    return out


def map_keys(d, name):
    r = subprocess.run(["bpftool", "-j", "map", "dump", "pinned", os.path.join(d, "maps", name)],
                       capture_output=True, text=True, timeout=30)
    if r.returncode != 0:
        raise AssertionError("bpftool: %s" % r.stderr)
    return json.loads(r.stdout)


@test
def sigkill_leaves_enforcement_pinned(env):
    l = Listener("127.0.0.2")
    try:
        prof = net_profile(env, "127.0.0.2/32 tcp %d" % l.port)
        env.run([env.probe, "exit", "0"], profile=prof)
        d = env.guard_dir()
        check(d, "no pin directory for our cgroup parent")
        before = pinned(d)
        sid = env.new_id()
        # connects to an allowed and a denied port every 50 ms, ignoring SIGTERM
        p = env.popen([env.probe, "net-watch", str(l.port), str(l.uport), "20"], profile=prof,
                      sid=sid)
        check(read_line(p.stdout, 10) == "ready", "probe did not start")
        leaf = env.leaf(sid)
        cgid = os.stat(leaf).st_ino
        time.sleep(0.2)
        killed_at = time.monotonic()
        p.kill()
        p.wait(timeout=10)
        # nbwarden is gone; its sandbox runs on for its grace, still enforced
        after = []
        while time.monotonic() < killed_at + 1.2:
            line = read_line(p.stdout, 3)
            if float(line.split()[1][2:]) > killed_at:
                after.append(line)
        check(len(after) >= 5, "the sandbox did not run on after the SIGKILL", after)
        check(all("denied=EPERM" in x and "allowed=ok" in x for x in after),
              "enforcement changed when nbwarden was killed", after)
        check(pinned(d) == before, "pins changed when nbwarden was killed")
        check(wait_for(lambda: not populated(leaf), 5), "the orphaned sandbox outlived its grace")
        p.stdout.close()
        p.stderr.close()
        time.sleep(max(0, 2.5 - (time.monotonic() - killed_at)))  # old enough to be swept
        # the next nbwarden reuses the pins, enforces, and sweeps the killed sandbox's entries
        r = env.run([env.attack, "connect", "127.0.0.2", str(l.uport)], profile=prof)
        check("DENIED errno=EPERM" in r.out, "not enforced after a SIGKILL", r)
        r = env.run([env.attack, "connect", "127.0.0.2", str(l.port)], profile=prof)
        check("result=ALLOWED" in r.out, "allowed rule broken after a SIGKILL", r)
        check(pinned(d) == before, "the next nbwarden attached again instead of reusing")
        keys = [k["key"] for k in map_keys(d, "policy_map")]
        check(not any(int.from_bytes(bytes(int(b, 16) for b in k), "little") == cgid
                      for k in keys), "the killed sandbox's entries were not swept", keys)
        check(not os.path.exists(leaf), "the killed sandbox's leaf was not swept")
    finally:
        l.close()


@test
def other_builds_retired(env):
    # a pinned build other than ours (an upgrade, a rebuild), with a policy map
    # that may hold a sandbox's entry, and its "users" lock
    fake = os.path.join(GUARD_ROOT, "00000000deadbeef")
    parent_cgid = env.parent_cgroup_id()
    sh = lambda *c: subprocess.run(c, check=True, capture_output=True, timeout=10)

    def make(entry=None):
        for sub in ("users", "maps", "links/123"):
            os.makedirs(os.path.join(fake, sub), exist_ok=True)
        sh("bpftool", "map", "create", os.path.join(fake, "maps", "policy_map"), "type", "hash",
           "key", "8", "value", "8", "entries", "4", "name", "policy_map")
        if entry:
            sh("bpftool", "map", "update", "pinned", os.path.join(fake, "maps", "policy_map"),
               "key", *["%d" % b for b in entry.to_bytes(8, "little")],
               "value", *["0"] * 8)

    def launch():
        r = env.run([env.probe, "exit", "0"])
        check(r.code == 0, "launch failed", r)

    try:
        make()
        launch()
        check(not os.path.exists(fake), "an unused build was not retired")
        # a supervisor of that build is running: it holds "users"
        make()
        fd = os.open(os.path.join(fake, "users"), os.O_RDONLY | os.O_DIRECTORY)
        try:
            fcntl.flock(fd, fcntl.LOCK_SH)
            launch()
            check(os.path.exists(os.path.join(fake, "maps", "policy_map")),
                  "a build in use was retired")
        finally:
            os.close(fd)
        # no supervisor, but a sandbox of that build still runs (its cgroup exists)
        check(parent_cgid, "no cgroup parent")
        subprocess.run(["rm", "-rf", fake])
        make(entry=parent_cgid)
        launch()
        check(os.path.exists(os.path.join(fake, "maps", "policy_map")),
              "a build still enforcing for a live cgroup was retired")
        # once that cgroup is gone (an id no cgroup has), it goes
        subprocess.run(["rm", "-rf", fake])
        make(entry=2**62 + 12345)
        launch()
        check(not os.path.exists(fake), "a build whose sandboxes are gone was not retired")
    finally:
        subprocess.run(["rm", "-rf", fake])


@test
def many_launches_leave_nothing_behind(env):
    prof = net_profile(env, "127.0.0.2/32 tcp 1-1000", "::1 udp 53")
    env.run([env.probe, "exit", "0"], profile=prof)
    d = env.guard_dir()
    before = pinned(d)
    base = {m: len(map_keys(d, m)) for m in ("policy_map", "stats_map", "allow_map", "exec_map",
                                             "ring_map")}
    t = time.monotonic()
    for i in range(LAUNCHES):
        r = env.run([env.probe, "exit", "0"], profile=prof)
        if r.code != 0:
            raise AssertionError("launch %d failed: %r" % (i, r))
    took = time.monotonic() - t
    after = {m: len(map_keys(d, m)) for m in base}
    check(after == base, "map entries left behind after %d launches" % LAUNCHES, base, after)
    check(pinned(d) == before, "pins added or replaced by the launches")
    print("     %d launches in %.1fs" % (LAUNCHES, took))


if __name__ == "__main__":
    sys.exit(main("integration/guard"))
