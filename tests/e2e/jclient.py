#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""
The Jupyter side of the e2e suite: what a notebook server or nbclient does,
with jupyter_client's and nbclient's public APIs only. test_e2e.py runs it as
the unprivileged test user (or as root for the embedded run), with
JUPYTER_PATH naming the kernelspecs it installed.

Usage: jclient.py SCENARIO KERNEL [ARG]
Each scenario prints JSON lines: {"stage": ...} where test_e2e.py checks the
host (and answers with a line on stdin), and last {"result": ...}.
"""

import json
import os
import sys
import time

import nbformat
from jupyter_client import KernelManager
from nbclient import NotebookClient
from nbclient.exceptions import DeadKernelError

START_TIMEOUT = 60

# the kernels inherit stdout: ours is for the harness only, theirs goes to stderr
OUT = os.fdopen(os.dup(1), "w")
os.dup2(2, 1)


def say(obj):
    OUT.write(json.dumps(obj) + "\n")
    OUT.flush()


def stage(name, **kw):
    """Tell the harness where we are, and wait until it has looked."""
    say(dict(stage=name, **kw))
    line = sys.stdin.readline()
    if line.strip() != "go":
        raise SystemExit("harness said %r at stage %s" % (line, name))


def outputs_of(cell):
    """A cell's outputs, flattened: stdout/stderr text, the result, the error."""
    o = {"stdout": "", "stderr": "", "result": None, "error": None}
    for out in cell.get("outputs", []):
        t = out.get("output_type")
        if t == "stream":
            o[out["name"]] += out["text"]
        elif t == "execute_result":
            o["result"] = out["data"].get("text/plain")
        elif t == "error":
            o["error"] = {"ename": out["ename"], "evalue": out["evalue"]}
    return o


def collect(kc, msg_id, timeout):
    """The iopub outputs of one execute request until the kernel is idle again."""
    o = {"stdout": "", "stderr": "", "result": None, "error": None}
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            msg = kc.get_iopub_msg(timeout=max(0.1, end - time.monotonic()))
        except Exception:
            break
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        t, c = msg["msg_type"], msg["content"]
        if t == "stream":
            o[c["name"]] += c["text"]
        elif t == "execute_result":
            o["result"] = c["data"].get("text/plain")
        elif t == "error":
            o["error"] = {"ename": c["ename"], "evalue": c["evalue"]}
        elif t == "status" and c["execution_state"] == "idle":
            return o
    raise TimeoutError("no idle status within %ss: %r" % (timeout, o))


def run(kc, code, timeout=30):
    return collect(kc, kc.execute(code), timeout)


def start(kernel):
    km = KernelManager(kernel_name=kernel)
    km.start_kernel()
    kc = km.client()
    kc.start_channels()
    return km, kc


def reconnect(km, kc):
    """A new client for a kernel that (re)started after the old client connected.

    An old client's IOPub socket reconnects to the new kernel on its own, but
    may miss a cell's output for good (measured with jupyter_client 7.4.9 on
    bare ipykernel, no nbwarden: 5 of 12 restarts); nbclient and Jupyter
    servers use channels opened once the kernel is up.
    """
    kc.stop_channels()
    kc = km.client()
    kc.start_channels()
    kc.wait_for_ready(timeout=START_TIMEOUT)
    return kc


def scenario_notebook(kernel, cells_json):
    """Execute a notebook of the given cells with nbclient; report each cell's outputs."""
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(src) for src in json.loads(cells_json)]
    client = NotebookClient(nb, kernel_name=kernel, timeout=60, startup_timeout=START_TIMEOUT,
                            allow_errors=True)
    result = {"dead": None}
    try:
        client.execute()
    except DeadKernelError as e:
        result["dead"] = str(e)
    result["cells"] = [outputs_of(c) for c in nb.cells]
    say({"result": result})


def scenario_interrupt(kernel, _):
    """Interrupt a `while True` cell; the kernel must live on and run the next cell."""
    km, kc = start(kernel)
    kc.wait_for_ready(timeout=START_TIMEOUT)
    msg_id = kc.execute("import time\nprint('spinning', flush=True)\nwhile True:\n    pass")
    # interrupt once the loop runs: its first output says so
    end = time.monotonic() + 30
    while time.monotonic() < end:
        msg = kc.get_iopub_msg(timeout=30)
        if msg["parent_header"].get("msg_id") == msg_id and msg["msg_type"] == "stream":
            break
    time.sleep(0.5)
    t0 = time.monotonic()
    km.interrupt_kernel()
    spun = collect(kc, msg_id, 20)
    took = time.monotonic() - t0
    after = run(kc, "print('after', 6 * 7)")
    alive = km.is_alive()
    kc.stop_channels()
    km.shutdown_kernel(now=False)
    say({"result": {"interrupted": spun, "seconds": took, "after": after, "alive": alive}})


def scenario_restart(kernel, _):
    """Restart, then shut down: the harness looks at the host after each step."""
    km, kc = start(kernel)
    kc.wait_for_ready(timeout=START_TIMEOUT)
    first = run(kc, "import os\nprint(os.getpid())")
    stage("running", pid=km.provisioner.process.pid)
    km.restart_kernel(now=False)
    kc = reconnect(km, kc)
    second = run(kc, "print('restarted')")
    stage("restarted", pid=km.provisioner.process.pid)
    kc.stop_channels()
    km.shutdown_kernel(now=False)
    say({"result": {"first": first, "second": second, "alive": km.is_alive()}})


def scenario_queue(kernel, n_running):
    """n kernels run; one more waits in the daemon's queue until one shuts down."""
    n = int(n_running)
    running = []
    for _ in range(n):
        km, kc = start(kernel)
        kc.wait_for_ready(timeout=START_TIMEOUT)
        running.append((km, kc))
    km, kc = start(kernel)
    # what a Jupyter client sees of a queued kernel: no reply, a process alive
    t0 = time.monotonic()
    try:
        kc.wait_for_ready(timeout=3)
        early = "ready"
    except RuntimeError as e:
        early = str(e)
    stage("queued", early=early, alive=km.is_alive(), pid=km.provisioner.process.pid)
    first_km, first_kc = running.pop(0)
    first_kc.stop_channels()
    t1 = time.monotonic()
    first_km.shutdown_kernel(now=False)
    kc.wait_for_ready(timeout=START_TIMEOUT)
    ready_after = time.monotonic() - t1
    kc = reconnect(km, kc)
    out = run(kc, "print('fourth', 4)")
    for k, c in running + [(km, kc)]:
        c.stop_channels()
        k.shutdown_kernel(now=False)
    say({"result": {"early": early, "waited": t1 - t0, "ready_after_shutdown": ready_after,
                    "out": out}})


def scenario_restarter(kernel, args):
    """jupyter_client's auto-restarter on a kernel that policy kills at every start.

    ARG: "SECONDS TIME_TO_DEAD STABLE_START_TIME": watch that long at most.
    A short stable_start_time makes a kernel that lived that long count as a
    good start, as a kernel living 10 s does with the defaults.
    """
    from jupyter_client.ioloop import IOLoopKernelManager
    from tornado.ioloop import IOLoop
    from traitlets.config import Config

    seconds, ttd, stable = (float(x) for x in args.split())
    cfg = Config()
    cfg.KernelRestarter.time_to_dead = ttd
    cfg.KernelRestarter.stable_start_time = stable
    loop = IOLoop.current()
    import logging
    if os.environ.get("E2E_DEBUG"):
        logging.basicConfig(level=logging.DEBUG)
    km = IOLoopKernelManager(kernel_name=kernel, config=cfg)
    t0 = time.monotonic()
    seen = {"restarts": [], "dead": None}

    def dead():
        seen["dead"] = round(time.monotonic() - t0, 2)
        loop.stop()

    km.start_kernel()
    km.start_restarter()
    # callbacks go to the restarter, which exists once started
    km.add_restart_callback(lambda: seen["restarts"].append(round(time.monotonic() - t0, 2)),
                            "restart")
    km.add_restart_callback(dead, "dead")
    loop.call_later(seconds, loop.stop)
    loop.start()
    km.stop_restarter()
    km.shutdown_kernel(now=True)
    say({"result": seen})


SCENARIOS = {
    "notebook": scenario_notebook,
    "interrupt": scenario_interrupt,
    "restart": scenario_restart,
    "queue": scenario_queue,
    "restarter": scenario_restarter,
}

if __name__ == "__main__":
    if len(sys.argv) not in (3, 4) or sys.argv[1] not in SCENARIOS:
        sys.exit("usage: jclient.py %s KERNEL [ARG]" % "|".join(SCENARIOS))
    SCENARIOS[sys.argv[1]](sys.argv[2], sys.argv[3] if len(sys.argv) == 4 else None)
