#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""
The shipped Prometheus rules (packaging/prometheus/nbwarden-rules.yml): they
load, their unit tests (tests/prometheus/nbwarden-rules.test.yml) pass, and
those tests catch a changed threshold. Needs promtool (Debian: apt-get install
prometheus); without it the tests skip, except under CI=true, where they fail.
"""

import os
import re
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from nbwtest import CI, SRC, Skip, check, main, test  # noqa: E402

RULES_REL = os.path.join("packaging", "prometheus", "nbwarden-rules.yml")
TESTS_REL = os.path.join("tests", "prometheus", "nbwarden-rules.test.yml")
RULES = os.path.join(SRC, RULES_REL)
TESTS = os.path.join(SRC, TESTS_REL)


def promtool():
    path = shutil.which("promtool")
    if not path:
        if CI:
            raise AssertionError("promtool missing under CI: apt-get install prometheus")
        raise Skip("promtool not installed (apt-get install prometheus)")
    return path


def run(argv, cwd):
    p = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, timeout=60)
    return p.returncode, p.stdout + p.stderr


@test
def rules_check(env):
    code, out = run([promtool(), "check", "rules", RULES_REL], SRC)
    check(code == 0 and "SUCCESS: 2 rules found" in out, "promtool check rules failed", out)


@test
def rules_unit_tests_pass(env):
    code, out = run([promtool(), "test", "rules", os.path.basename(TESTS)],
                    os.path.dirname(TESTS))
    check(code == 0 and "SUCCESS" in out, "promtool test rules failed", out)


@test
def changed_threshold_fails_unit_tests(env):
    tool = promtool()
    # the same test file, in a tree of the same shape, against rules with "> 50"
    top = os.path.join(env.root, "prometheus-mutant")
    shutil.rmtree(top, ignore_errors=True)
    os.makedirs(os.path.join(top, os.path.dirname(RULES_REL)))
    os.makedirs(os.path.join(top, os.path.dirname(TESTS_REL)))
    with open(RULES) as f:
        rules = f.read()
    mutant, n = re.subn(r"(sum\(increase\(nbwarden_kills_total\[1m\]\)\)) > 5\b", r"\1 > 50",
                        rules)
    check(n == 1, "the kills threshold was not found in the rules", rules)
    with open(os.path.join(top, RULES_REL), "w") as f:
        f.write(mutant)
    shutil.copy(TESTS, os.path.join(top, TESTS_REL))
    # the mutant is still valid rules: only the unit tests can tell
    code, out = run([tool, "check", "rules", RULES_REL], top)
    check(code == 0, "the mutant rules do not load", out)
    code, out = run([tool, "test", "rules", os.path.basename(TESTS_REL)],
                    os.path.join(top, os.path.dirname(TESTS_REL)))
    check(code != 0 and "NbwardenKillsPerMinute" in out,
          "promtool test rules passed against a threshold of 50", out)


if __name__ == "__main__":
    sys.exit(main("integration/prometheus"))
