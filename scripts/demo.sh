#!/bin/sh
# nbwarden demo: run Debian's Python under the shipped default profile, try a
# few escapes from inside (a write, ptrace, a connection out, a shell), and show
# what was refused and what was logged.
# Usage: scripts/demo.sh [path/to/nbwarden]   (as root; "make demo" does it all)
set -eu

nbw=${1:-build/nbwarden}
events=$(mktemp /tmp/nbwarden-demo-events.XXXXXX)
audit=/var/log/nbwarden/audit.jsonl
trap 'rm -f "$events"' EXIT

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

say "The shipped default profile (nbwarden profile show default)"
"$nbw" profile show default | grep -v '^;' | grep -v '^$' | sed 's/\t;.*//' | head -40

say "Launching a sandboxed Python (nbwarden run --profile default -- python3.11 -)"
set +e
"$nbw" run --profile default --events "$events" -- /usr/bin/python3.11 - <<'PY'
import ctypes, os, socket, sys
print("inside: uid=%d pid=%d hostname=%s" % (os.getuid(), os.getpid(), os.uname().nodename))
print("processes visible:", sorted(int(p) for p in os.listdir("/proc") if p.isdigit()))
print("/home looks like:", os.listdir("/home"))
try:
    open("/etc/passwd", "a")
except OSError as e:
    print("write /etc/passwd:", e)
libc = ctypes.CDLL(None, use_errno=True)
if libc.ptrace(16, 1, 0, 0) == -1:   # PTRACE_ATTACH to init
    print("ptrace(ATTACH):", os.strerror(ctypes.get_errno()))
try:
    socket.create_connection(("192.0.2.1", 443), timeout=2)
except OSError as e:
    print("connect to 192.0.2.1:443 (exfiltration):", e)
# last: under the default [violations] exec = kill, a shell escape ends the sandbox
print("\n!bash (os.system) ...", flush=True)
os.system("bash -c 'echo PWNED'")
print("still alive: this line should never be printed")
PY
code=$?
set -e
echo "(nbwarden exited with $code)"

say "Events logged (--events, one JSON object per line; docs/events.md)"
/usr/bin/python3 - "$events" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    e = json.loads(line)
    n = e.get("nbwarden", {})
    what = n.get("rule") or ""
    if "syscall" in n:
        what = "syscall %s" % n["syscall"]["name"]
    elif "destination" in e:
        d = e["destination"]
        what = "%s to %s port %s" % (n.get("rule"), d["ip"], d.get("port", "-"))
    elif e["event"]["action"].startswith("exec-"):
        what = "%s %s" % (n.get("rule"), e["process"]["executable"])
    elif "message" in e:
        what = "%s: %s" % (what, e["message"]) if what else e["message"]
    print("%s  %-24s %-8s %-5s %s" % (e["@timestamp"], e["event"]["action"],
                                     e["event"]["outcome"], n.get("verdict", ""), what))
PY

say "The same events in the hash-chained audit log (nbwarden.conf(5); default $audit)"
# each record ends with its place in the chain
tail -n 2 "$audit" | sed 's/^\(.\{60\}\).*\(,"prev_hash".*\)$/\1 ... \2/'
"$nbw" audit verify
