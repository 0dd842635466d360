#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""
Integration tests for "nbwarden kernelspec" (root): kernelspecs written with
--prefix into this run's scratch directory and read back by Jupyter itself
(jupyter_client of Debian's /usr/bin/python3), --user as the test user
(its home from the user database whatever $HOME says) and as root, the
system-wide default (in a private mount namespace, over a tmpfs, so the host's
/usr/local/share is never touched), --replace and remove against kernelspecs
nbwarden did not write, and every bad input with its status and message.

Everything created is removed: the scratch directory by the harness, the
kernelspecs and any directories created in homes by the tests themselves.
"""

import json
import os
import pwd
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from nbwtest import NBW, TEST_USER, Skip, check, main, test  # noqa: E402

SETPRIV = "/usr/bin/setpriv"
# Debian's interpreter has jupyter_client; "python3" on PATH may be a shim without it
JUPYTER_PYTHON = "/usr/bin/python3"
NBW_REAL = os.path.realpath(NBW)
TAG = "nbwks%d" % os.getpid()
USER_SUBDIR = ".local/share/jupyter/kernels"

# Load a kernelspec the way a notebook server does and report what it sees,
# including the command Jupyter would run once it has a connection file.
JUPYTER_LOAD = r"""
import json, sys
from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import KernelManager
mode, name = sys.argv[1], sys.argv[2]
ksm = KernelSpecManager(kernel_dirs=[sys.argv[3]]) if mode == "dirs" else KernelSpecManager()
spec = ksm.get_kernel_spec(name)
km = KernelManager(kernel_name=name, kernel_spec_manager=ksm)
km.connection_file = "/var/cache/nbwarden-tests/kernel-test.json"
km._launch_args = {}  # what pre_start_kernel() sets before formatting the command
print(json.dumps({"argv": spec.argv, "display_name": spec.display_name,
                  "language": spec.language, "interrupt_mode": spec.interrupt_mode,
                  "env": spec.env, "metadata": spec.metadata,
                  "resource_dir": spec.resource_dir,
                  "names": sorted(ksm.find_kernel_specs()),
                  "cmd": km.format_kernel_cmd()}))
"""


def ks(*args, user=None, env=None):
    """Run "nbwarden kernelspec ARGS", as user if given (setpriv, its own groups)."""
    argv = [NBW, "kernelspec"] + list(args)
    if user:
        argv = [SETPRIV, "--reuid", user, "--regid", user, "--init-groups"] + argv
    return subprocess.run(argv, capture_output=True, text=True, timeout=30, cwd="/",
                          env=env if env is not None else os.environ.copy())


def expect(p, code, out=None, err=None):
    check(p.returncode == code, "exit status %d, expected %d" % (p.returncode, code), p)
    if out is not None:
        check(out in p.stdout, "%r not on stdout" % out, p)
    if err is not None:
        check(err in p.stderr, "%r not on stderr" % err, p)


def jupyter_load(env, mode, name, kernels_dir=None, user=None, environ=None):
    argv = [JUPYTER_PYTHON, "-c", JUPYTER_LOAD, mode, name] + ([kernels_dir] if kernels_dir else [])
    if user:
        argv = [SETPRIV, "--reuid", user, "--regid", user, "--init-groups"] + argv
    # listing kernels imports ipykernel, and IPython makes its directory: not in a real home
    ipdir = os.path.join(env.root, "ipython-%s" % (user or "root"))
    os.makedirs(ipdir, exist_ok=True)
    if user:
        pw = pwd.getpwnam(user)
        os.chown(ipdir, pw.pw_uid, pw.pw_gid)
    environ = dict(environ if environ is not None else os.environ, IPYTHONDIR=ipdir)
    p = subprocess.run(argv, capture_output=True, text=True, timeout=60, cwd="/", env=environ)
    check(p.returncode == 0, "jupyter_client could not load kernelspec %s" % name, p)
    return json.loads(p.stdout)


def want_argv(profile, python="/usr/bin/python3", socket=None, config=None):
    argv = [NBW_REAL, "run", "--profile", profile]
    if socket:
        argv += ["--socket", socket]
    if config:
        argv += ["--config", config]
    return argv + ["--", python, "-m", "ipykernel_launcher", "-f", "{connection_file}"]


def read_spec(path):
    with open(path) as f:
        return json.load(f)


def mode_of(path):
    return os.lstat(path).st_mode & 0o7777


def prefix_dir(env, name):
    d = os.path.join(env.root, name)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    return d


def base_profile(env):
    return os.path.join(env.root, "t-base.conf")


class HomeKernels:
    """A user's ~/.local/share/jupyter/kernels: remembers which of its
    directories existed before, and removes only the ones the test made."""

    def __init__(self, home):
        self.home = home
        parts = USER_SUBDIR.split("/")
        self.dirs = [os.path.join(home, *parts[:i + 1]) for i in range(len(parts))]
        self.existed = {d for d in self.dirs if os.path.isdir(d)}
        self.kernels = self.dirs[-1]

    def cleanup(self, names):
        for n in names:
            shutil.rmtree(os.path.join(self.kernels, n), ignore_errors=True)
        for d in reversed(self.dirs):
            if d not in self.existed:
                try:
                    os.rmdir(d)
                except OSError:
                    pass


def requires_jupyter():
    p = subprocess.run([JUPYTER_PYTHON, "-c", "import jupyter_client.kernelspec"],
                       capture_output=True, text=True)
    if p.returncode != 0:
        raise Skip("%s has no jupyter_client (apt install python3-jupyter-client)"
                   % JUPYTER_PYTHON)


@test
def install_with_prefix_loads_in_jupyter(env):
    requires_jupyter()
    prefix = prefix_dir(env, "prefix")
    kernels = os.path.join(prefix, "share", "jupyter", "kernels")
    kdir = os.path.join(kernels, "nbwarden-analyst")
    # the defaults: profile analyst, /usr/bin/python3, name and display name from the profile
    p = ks("install", "--prefix", prefix)
    expect(p, 0, out="installed kernelspec nbwarden-analyst in %s\n" % kdir)
    check(p.stdout == "installed kernelspec nbwarden-analyst in %s\n" % kdir, "stdout", p)
    spec = read_spec(os.path.join(kdir, "kernel.json"))
    check(list(spec) == ["argv", "display_name", "language", "interrupt_mode", "env",
                         "metadata"], "keys out of order", spec)
    check(spec["metadata"] == {"debugger": False,
                               "nbwarden": {"profile": "analyst", "version": "0.1.0"}},
          "metadata", spec)
    check(mode_of(os.path.join(kdir, "kernel.json")) == 0o644, "kernel.json mode")
    for d in (os.path.join(prefix, "share"), os.path.join(prefix, "share", "jupyter"), kernels,
              kdir):
        check(mode_of(d) == 0o755, "%s: mode %o" % (d, mode_of(d)))
    check(os.listdir(kdir) == ["kernel.json"], "only kernel.json", os.listdir(kdir))

    # Jupyter sees exactly that, by kernel_dirs and by JUPYTER_PATH
    for mode, extra_env in (("dirs", {}), ("path", {"JUPYTER_PATH": prefix + "/share/jupyter"})):
        j = jupyter_load(env, mode, "nbwarden-analyst", kernels,
                         environ=dict(os.environ, **extra_env))
        check(j["argv"] == want_argv("analyst"), "argv as Jupyter reads it (%s)" % mode, j)
        check(j["interrupt_mode"] == "signal", "interrupt_mode", j)
        check(j["language"] == "python", "language", j)
        check(j["env"] == {}, "env", j)
        check(j["display_name"] == "Python 3 (nbwarden analyst)", "display_name", j)
        check(j["metadata"]["nbwarden"]["profile"] == "analyst", "marker", j)
        check(j["metadata"]["debugger"] is False, "debugger", j)
        check(os.path.realpath(j["resource_dir"]) == os.path.realpath(kdir), "resource_dir", j)
        check("nbwarden-analyst" in j["names"], "listed", j)
        # only {connection_file} is filled in: everything else stays as written
        conn = os.path.realpath("/var/cache/nbwarden-tests/kernel-test.json")
        check(j["cmd"] == want_argv("analyst")[:-1] + [conn], "command Jupyter runs", j)

    # a name in capitals is kept in lower case, as Jupyter keeps names
    p = ks("install", "--prefix", prefix, "--name", "Mixed.Case_%s" % TAG,
           "--display-name", "Sandboxed — ünïcode", "--profile", base_profile(env),
           "--python", "//usr/bin/./python3")
    lower = "mixed.case_%s" % TAG
    expect(p, 0, out="installed kernelspec %s in %s\n" % (lower, os.path.join(kernels, lower)))
    j = jupyter_load(env, "dirs", lower, kernels)
    check(j["argv"] == want_argv(base_profile(env)), "argv with a profile path", j)
    check(j["display_name"] == "Sandboxed — ünïcode", "display_name", j)
    check(j["metadata"]["nbwarden"]["profile"] == base_profile(env), "marker profile", j)

    # and removed again: the directory goes, the kernels directory stays
    for name in ("nbwarden-analyst", lower.upper()):
        p = ks("remove", "--prefix", prefix, name)
        expect(p, 0, out="removed kernelspec %s from %s\n" % (name.lower(), kernels))
    check(os.listdir(kernels) == [], "kernels left", os.listdir(kernels))
    expect(ks("remove", "--prefix", prefix, "nbwarden-analyst"), 1,
           err="nbwarden: kernelspec: no kernelspec nbwarden-analyst in %s\n" % kernels)


@test
def socket_and_config_pass_through(env):
    prefix = prefix_dir(env, "passthrough")
    kernels = os.path.join(prefix, "share", "jupyter", "kernels")
    expect(ks("install", "--prefix", prefix, "--name", "s", "--socket", "/run/nbw-test.sock",
              "--profile", base_profile(env)), 0)
    spec = read_spec(os.path.join(kernels, "s", "kernel.json"))
    check(spec["argv"] == want_argv(base_profile(env), socket="/run/nbw-test.sock"), "argv", spec)
    # not checked for existence: the daemon or the file may come later
    expect(ks("install", "--prefix", prefix, "--name", "c", "--config", "/nonexistent/nbw.conf",
              "--profile", base_profile(env)), 0)
    spec = read_spec(os.path.join(kernels, "c", "kernel.json"))
    check(spec["argv"] == want_argv(base_profile(env), config="/nonexistent/nbw.conf"), "argv",
          spec)
    # through the daemon "run" refuses --config: a kernel with both would never start
    expect(ks("install", "--prefix", prefix, "--name", "sc", "--socket", "/s", "--config", "/c"),
           2, err="--socket and --config cannot be combined")
    check(not os.path.exists(os.path.join(kernels, "sc")), "sc written")


@test
def profile_found_like_run(env):
    # a profile by name in nbwarden.conf's [daemon] profile_dir, as the daemon finds it
    pdir = os.path.join(env.root, "profile-dir")
    os.makedirs(pdir, mode=0o755, exist_ok=True)
    name = "p-%s" % TAG
    with open(os.path.join(pdir, name + ".conf"), "w") as f:
        f.write("[profile]\ninclude = base\n")
    os.chmod(os.path.join(pdir, name + ".conf"), 0o644)
    conf = env.write_config("ks-profile-dir", "[daemon]\nprofile_dir = %s\n" % pdir)
    prefix = prefix_dir(env, "profile-dir-prefix")
    kernels = os.path.join(prefix, "share", "jupyter", "kernels")

    expect(ks("install", "--prefix", prefix, "--profile", name), 1,
           err="nbwarden: kernelspec: no profile '%s' on this machine\n" % name)
    check(not os.path.exists(os.path.join(prefix, "share")), "written despite the error")
    p = ks("install", "--prefix", prefix, "--profile", name, "--config", conf)
    expect(p, 0, out="installed kernelspec nbwarden-%s in" % name)
    spec = read_spec(os.path.join(kernels, "nbwarden-" + name, "kernel.json"))
    check(spec["argv"] == want_argv(name, config=conf), "argv", spec)
    check(spec["display_name"] == "Python 3 (nbwarden %s)" % name, "display_name", spec)

    # a profile with errors is refused with the loader's FILE:LINE message
    broken = env.write_profile("ks-broken", "[profile]\ninclude = base\nbogus_key = 1\n")
    expect(ks("install", "--prefix", prefix, "--profile", broken), 1,
           err="nbwarden: kernelspec: %s:3: unknown key 'bogus_key'" % broken)
    expect(ks("install", "--prefix", prefix, "--profile", broken, "--socket", "/s"), 1,
           err="nbwarden: kernelspec: %s:3: unknown key 'bogus_key'" % broken)

    # through the daemon, a profile name this machine does not know is the daemon's
    # to resolve (its profile_dir may be private to it): a warning
    p = ks("install", "--prefix", prefix, "--profile", name, "--socket", "/run/nbw.sock",
           "--name", "via-daemon")
    expect(p, 0, out="installed kernelspec via-daemon in",
           err="nbwarden: warning: kernelspec: profile '%s' is not found here; the daemon "
           "resolves it when a kernel starts\n" % name)
    spec = read_spec(os.path.join(kernels, "via-daemon", "kernel.json"))
    check(spec["argv"][:6] == [NBW, "run", "--profile", name, "--socket", "/run/nbw.sock"],
          "argv", spec)
    # embedded, under a chosen cgroup parent
    p = ks("install", "--prefix", prefix, "--profile", name, "--config", conf,
           "--cgroup-parent", "/lab//kernels/", "--name", "parent")
    expect(p, 0)
    spec = read_spec(os.path.join(kernels, "parent", "kernel.json"))
    check(spec["argv"][:8] == [NBW, "run", "--profile", name, "--config", conf,
                               "--cgroup-parent", "lab/kernels"], "argv", spec)
    # and so is one "run" would refuse for its owner or mode
    loose = env.write_profile("ks-loose", "[profile]\ninclude = base\n", mode=0o666)
    expect(ks("install", "--prefix", prefix, "--profile", loose), 1,
           err="not owned by root or is writable by group or others")
    check(sorted(os.listdir(kernels)) == ["nbwarden-" + name, "parent", "via-daemon"], "kernels",
          os.listdir(kernels))


@test
def user_install_goes_to_the_uid_home(env):
    requires_jupyter()
    pw = pwd.getpwnam(TEST_USER)
    home = HomeKernels(pw.pw_dir)
    name = "u-%s" % TAG
    elsewhere = os.path.join(env.root, "elsewhere")
    # $HOME and XDG_DATA_HOME point elsewhere: nbwarden goes by the uid
    bogus = dict(os.environ, HOME=elsewhere, XDG_DATA_HOME=elsewhere, USER="root",
                 LOGNAME="root")
    try:
        p = ks("install", "--user", "--name", name, "--profile", base_profile(env),
               user=TEST_USER, env=bogus)
        kdir = os.path.join(home.kernels, name)
        expect(p, 0, out="installed kernelspec %s in %s\n" % (name, kdir))
        check(not os.path.exists(elsewhere), "$HOME was used")
        # created as the user, 0755, up from the first missing directory
        for d in home.dirs + [kdir, os.path.join(kdir, "kernel.json")]:
            st = os.lstat(d)
            if d in home.existed:
                continue
            check(st.st_uid == pw.pw_uid and st.st_gid == pw.pw_gid,
                  "%s owned by %d:%d" % (d, st.st_uid, st.st_gid))
            check(mode_of(d) == (0o644 if d.endswith("kernel.json") else 0o755),
                  "%s: mode %o" % (d, mode_of(d)))
        # the user's Jupyter (with its real $HOME) finds it among its own kernels
        j = jupyter_load(env, "default", name, user=TEST_USER,
                         environ={"HOME": pw.pw_dir, "PATH": "/usr/bin:/bin"})
        check(j["argv"] == want_argv(base_profile(env)), "argv", j)
        check(os.path.realpath(j["resource_dir"]) == os.path.realpath(kdir), "resource_dir", j)
        # removed by the user, again whatever $HOME says
        expect(ks("remove", "--user", name, user=TEST_USER, env=bogus), 0,
               out="removed kernelspec %s from %s\n" % (name, home.kernels))
        check(not os.path.exists(kdir), "not removed")
        # a user cannot write the system-wide location
        expect(ks("install", "--name", name, "--profile", base_profile(env), user=TEST_USER),
               1, err="nbwarden: kernelspec: cannot create directory /usr/local/share/")
    finally:
        home.cleanup([name])
        shutil.rmtree(elsewhere, ignore_errors=True)


@test
def user_install_as_root_goes_to_root_home(env):
    home = HomeKernels(pwd.getpwuid(0).pw_dir)
    name = "r-%s" % TAG
    elsewhere = os.path.join(env.root, "elsewhere-root")
    try:
        p = ks("install", "--user", "--name", name, "--profile", base_profile(env),
               env=dict(os.environ, HOME=elsewhere))
        expect(p, 0, out="in %s\n" % os.path.join(home.kernels, name))
        check(os.path.isfile(os.path.join(home.kernels, name, "kernel.json")), "not written")
        check(not os.path.exists(elsewhere), "$HOME was used")
        expect(ks("remove", "--user", name, env=dict(os.environ, HOME=elsewhere)), 0)
        check(not os.path.exists(os.path.join(home.kernels, name)), "not removed")
    finally:
        home.cleanup([name])


@test
def system_wide_default_location(env):
    # /usr/local/share hidden under a tmpfs in a mount namespace of our own
    script = """
set -e
mount -t tmpfs -o mode=0755 nbw-ks-test /usr/local/share
"$1" kernelspec install --name sys --profile "$2"
stat -c '%a %U' /usr/local/share/jupyter /usr/local/share/jupyter/kernels/sys \
    /usr/local/share/jupyter/kernels/sys/kernel.json
cat /usr/local/share/jupyter/kernels/sys/kernel.json
"$1" kernelspec remove sys
test ! -e /usr/local/share/jupyter/kernels/sys && echo gone
"""
    p = subprocess.run(["/usr/bin/unshare", "--mount", "--propagation", "private",
                        "sh", "-c", script, "sh", NBW, base_profile(env)],
                       capture_output=True, text=True, timeout=60)
    if p.returncode != 0 and "unshare failed" in p.stderr:
        raise Skip("no mount namespace: %s" % p.stderr.strip())
    check(p.returncode == 0, "install/remove in the system-wide location", p)
    lines = p.stdout.splitlines()
    check(lines[0] == "installed kernelspec sys in /usr/local/share/jupyter/kernels/sys", "", p)
    check(lines[1:4] == ["755 root", "755 root", "644 root"], "modes", p)
    body = "\n".join(lines[4:-2])
    check(json.loads(body)["argv"] == want_argv(base_profile(env)), "argv", body)
    check(lines[-2] == "removed kernelspec sys from /usr/local/share/jupyter/kernels", "", p)
    check(lines[-1] == "gone", "", p)
    check(not os.path.exists("/usr/local/share/jupyter/kernels/sys"), "leaked to the host")


def write_foreign(kernels, name, extra=()):
    d = os.path.join(kernels, name)
    os.makedirs(d)
    text = json.dumps({"argv": ["/usr/bin/python3", "-m", "ipykernel_launcher", "-f",
                                "{connection_file}"],
                       "display_name": "Python 3 (ipykernel)", "language": "python",
                       "metadata": {"debugger": True}}, indent=1)
    with open(os.path.join(d, "kernel.json"), "w") as f:
        f.write(text)
    for e in extra:
        with open(os.path.join(d, e), "w") as f:
            f.write("x")
    return d, text


@test
def replace_only_with_replace(env):
    prefix = prefix_dir(env, "replace")
    kernels = os.path.join(prefix, "share", "jupyter", "kernels")
    d, text = write_foreign(kernels, "python3", extra=("logo-64x64.png",))
    kj = os.path.join(d, "kernel.json")

    expect(ks("install", "--prefix", prefix, "--name", "python3"), 1,
           err="nbwarden: kernelspec: %s is a kernelspec nbwarden did not write; --replace "
               "overwrites it\n" % kj)
    with open(kj) as f:
        check(f.read() == text, "foreign kernel.json changed")

    expect(ks("install", "--prefix", prefix, "--name", "python3", "--replace"), 0)
    spec = read_spec(kj)
    check(spec["metadata"]["nbwarden"]["profile"] == "analyst", "not replaced", spec)
    check(os.path.exists(os.path.join(d, "logo-64x64.png")), "other files are not nbwarden's")
    check(sorted(os.listdir(d)) == ["kernel.json", "logo-64x64.png"], "temporary files left",
          os.listdir(d))

    # now it is nbwarden's: replaced without --replace
    expect(ks("install", "--prefix", prefix, "--name", "python3", "--display-name", "Again"), 0)
    check(read_spec(kj)["display_name"] == "Again", "not replaced")

    # a link in kernel.json's place is never nbwarden's, and never followed
    ld = os.path.join(kernels, "linked")
    os.makedirs(ld)
    target = os.path.join(env.root, "link-target.json")
    with open(target, "w") as f:
        f.write(text)
    os.symlink(target, os.path.join(ld, "kernel.json"))
    expect(ks("install", "--prefix", prefix, "--name", "linked"), 1, err="--replace")
    expect(ks("install", "--prefix", prefix, "--name", "linked", "--replace"), 0)
    with open(target) as f:
        check(f.read() == text, "wrote through a symbolic link")
    check(not os.path.islink(os.path.join(ld, "kernel.json")), "link still there")
    expect(ks("remove", "--prefix", prefix, "linked"), 0)


@test
def remove_refuses_what_nbwarden_did_not_write(env):
    prefix = prefix_dir(env, "remove")
    kernels = os.path.join(prefix, "share", "jupyter", "kernels")
    d, text = write_foreign(kernels, "python3")

    expect(ks("remove", "--prefix", prefix, "python3"), 1,
           err="nbwarden: kernelspec: %s is not an nbwarden kernelspec; remove it with "
               "jupyter kernelspec remove\n" % d)
    with open(os.path.join(d, "kernel.json")) as f:
        check(f.read() == text, "foreign kernel.json changed")

    # nbwarden's kernel.json, plus a file someone else put there: nothing removed
    expect(ks("install", "--prefix", prefix, "--name", "extra"), 0)
    xd = os.path.join(kernels, "extra")
    with open(os.path.join(xd, "notes.txt"), "w") as f:
        f.write("mine")
    expect(ks("remove", "--prefix", prefix, "extra"), 1,
           err="nbwarden: kernelspec: %s holds files nbwarden did not write (notes.txt); "
               "nothing removed\n" % xd)
    check(sorted(os.listdir(xd)) == ["kernel.json", "notes.txt"], "removed something",
          os.listdir(xd))
    os.unlink(os.path.join(xd, "notes.txt"))
    expect(ks("remove", "--prefix", prefix, "extra"), 0)
    check(not os.path.exists(xd), "not removed")

    # a directory without kernel.json is no kernelspec; a missing one neither
    os.makedirs(os.path.join(kernels, "empty"))
    expect(ks("remove", "--prefix", prefix, "empty"), 1,
           err="no kernelspec empty in %s" % kernels)
    check(os.path.isdir(os.path.join(kernels, "empty")), "removed a directory")
    expect(ks("remove", "--prefix", prefix, "missing"), 1,
           err="nbwarden: kernelspec: no kernelspec missing in %s\n" % kernels)
    nowhere = os.path.join(env.root, "no-such-prefix")
    expect(ks("remove", "--prefix", nowhere, "missing"), 1,
           err="no kernelspec missing in %s/share/jupyter/kernels\n" % nowhere)


@test
def bad_inputs(env):
    prefix = prefix_dir(env, "bad")
    P = ["install", "--prefix", prefix]
    not_exec = os.path.join(env.root, "not-executable")
    with open(not_exec, "w") as f:
        f.write("#!/bin/sh\n")
    os.chmod(not_exec, 0o644)
    cases = [
        # usage errors: 2
        (P + ["--name", "a b"], 2, "invalid kernel name 'a b'"),
        (P + ["--name", ".."], 2, "invalid kernel name '..'"),
        (P + ["--name", "."], 2, "invalid kernel name"),
        (P + ["--name", ""], 2, "invalid kernel name"),
        (P + ["--name", "k" * 65], 2, "invalid kernel name"),
        (P + ["--name", "a/b"], 2, "invalid kernel name"),
        (P + ["--name", "caf\u00e9"], 2, "invalid kernel name"),
        (P + ["--name", "x\x1b[31m"], 2, "invalid kernel name 'x?[31m'"),
        (P + ["--display-name", ""], 2, "display name"),
        (P + ["--display-name", "a\tb"], 2, "display name must be 1-256 bytes of UTF-8 without "
                                             "control characters"),
        (P + ["--display-name", "two\nlines"], 2, "display name"),
        (P + ["--display-name", "a\x7f"], 2, "display name"),
        (P + ["--display-name", "a\u0085"], 2, "display name"),
        (P + ["--display-name", "d" * 257], 2, "display name"),
        (P + ["--profile", ".hidden"], 2, "neither a profile name"),
        (P + ["--profile", "profiles/analyst.conf"], 2, "neither a profile name"),
        (P + ["--profile", "p" * 65], 2, "neither a profile name"),
        (P + ["--profile", "/srv/../etc/x.conf"], 2, "--profile '/srv/../etc/x.conf' must be an "
                                                     "absolute path without '..'"),
        (P + ["--python", "python3"], 2, "--python 'python3' must be an absolute path"),
        (P + ["--python", "/opt/{prefix}/bin/python"], 2, "Jupyter would substitute"),
        (P + ["--socket", "nbwarden.sock"], 2, "--socket 'nbwarden.sock' must be an absolute"),
        (P + ["--config", "nbwarden.conf"], 2, "--config 'nbwarden.conf' must be an absolute"),
        (P + ["--socket", "/s", "--config", "/c"], 2, "cannot be combined"),
        (P + ["--socket", "/s", "--cgroup-parent", "x"], 2,
         "--socket and --cgroup-parent cannot be combined"),
        (P + ["--cgroup-parent", "a/../b"], 2, "invalid --cgroup-parent 'a/../b'"),
        (["remove", "--prefix", prefix, "--cgroup-parent", "x", "a"], 2,
         "remove takes no option --cgroup-parent"),
        (P + ["--user"], 2, "--user and --prefix cannot be combined"),
        (["install", "--prefix", "relative"], 2, "--prefix 'relative' must be an absolute path"),
        (P + ["extra"], 2, "install takes no arguments"),
        (P + ["--bogus"], 2, "unrecognized option '--bogus'"),
        (P + ["--name"], 2, "requires an argument"),
        (["remove"], 2, "remove takes one NAME"),
        (["remove", "a", "b"], 2, "remove takes one NAME"),
        (["remove", "--prefix", prefix, "--replace", "a"], 2, "remove takes no option --replace"),
        (["remove", "--prefix", prefix, "--python", "/usr/bin/python3", "a"], 2,
         "remove takes no option --python"),
        (["remove", "--prefix", prefix, "a b"], 2, "invalid kernel name"),
        (["remove", "--prefix", prefix, ".."], 2, "invalid kernel name"),
        (["remove", "--user", "--prefix", prefix, "a"], 2, "cannot be combined"),
        (["frobnicate"], 2, "unknown subcommand 'frobnicate'"),
        ([], 2, "Usage: nbwarden kernelspec install"),
        # failures: 1
        (P + ["--profile", "nosuch-" + TAG], 1, "no profile 'nosuch-%s' on this machine" % TAG),
        (P + ["--profile", "/nonexistent/%s.conf" % TAG], 1, "no profile '/nonexistent/"),
        (P + ["--python", "/nonexistent/python3"], 1,
         "--python /nonexistent/python3: No such file or directory"),
        (P + ["--python", not_exec], 1, "--python %s is not executable" % not_exec),
        (P + ["--python", "/usr/bin"], 1, "--python /usr/bin is not a regular file"),
    ]
    for args, code, msg in cases:
        p = ks(*args)
        check(p.returncode == code, "%r: exit %d, expected %d" % (args, p.returncode, code), p)
        check(msg in p.stderr, "%r: %r not on stderr" % (args, msg), p)
        check(p.stdout == "", "%r: stdout" % (args,), p)
        if not any(w in msg for w in ("Usage", "unrecognized", "requires")):
            check(p.stderr.startswith("nbwarden: kernelspec: "), "%r: prefix" % (args,), p)
        # nothing is written before every check passed
        check(os.listdir(prefix) == [], "%r: wrote %s" % (args, os.listdir(prefix)))


@test
def help_texts(env):
    for args in (["--help"], ["-h"], ["install", "--help"], ["remove", "-h"]):
        p = ks(*args)
        expect(p, 0)
        check(p.stdout.startswith("Usage: nbwarden kernelspec install"), "usage", p)
        check("nbwarden kernelspec remove NAME [--user | --prefix DIR]" in p.stdout, "remove", p)
        check("--replace" in p.stdout and "/usr/local/share/jupyter/kernels" in p.stdout, "", p)
        check(p.stderr == "", "stderr", p)
    p = subprocess.run([NBW, "--help"], capture_output=True, text=True, timeout=10)
    check(p.returncode == 0 and "kernelspec install|remove" in p.stdout, "main usage", p)
    p = ks()
    expect(p, 2, err="Usage: nbwarden kernelspec install")
    check(p.stdout == "", "usage on stdout", p)


if __name__ == "__main__":
    sys.exit(main("kernelspec"))
