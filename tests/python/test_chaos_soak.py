"""bench/chaos_soak.py for 60 s (issue 15): a mixed workload on a 3-node cluster while
Python workers, Java worker JVMs and non-head raylets are SIGKILLed. Passes when nothing
acknowledged was lost or wrong, no unexpected exception happened, and at least one kill of
each kind was made (so it cannot pass without chaos). No timing assertions: the timeouts
only bound a hang on a slow, shared machine."""

import os
import re
import shutil
import subprocess
import sys

from colony_testutil import REPO, subprocess_env

SOAK = os.path.join(REPO, "bench", "chaos_soak.py")


def _java_available() -> bool:
    from colony._private.node import bin_dir
    return (shutil.which("javac") is not None and shutil.which("java") is not None
            and os.path.exists(os.path.join(bin_dir(), "java_classpath.txt")))


def test_chaos_soak_60s_loses_nothing():
    # The soak's own drain timeout (900 s) is well inside this one.
    # --min-victim-age: workers are killed only once started, not mid-start (a raylet fails
    # a job's pending leases after 3 starts in a row die before registering: an open issue
    # the 10-minute soak in bench/RESULTS.md reports, excluded here).
    result = subprocess.run([sys.executable, SOAK, "--duration", "60", "--kill-interval", "3",
                             "--min-victim-age", "15"],
                            env=subprocess_env(), capture_output=True, text=True,
                            timeout=1800, cwd=REPO)
    tail = result.stdout[-6000:] + "\n--- stderr tail ---\n" + result.stderr[-3000:]
    assert result.returncode == 0, tail

    def row(name):
        m = re.search(r"^\| " + re.escape(name) + r" \| ([^|]+) \|$", result.stdout, re.M)
        assert m, f"no row {name!r} in the soak's table:\n{tail}"
        return m.group(1).strip()

    kinds = ["worker", "raylet"] + (["java"] if _java_available() else [])
    for kind in kinds:
        assert int(row(f"kills: {kind}")) >= 1, f"no {kind} was killed:\n{tail}"
    assert row("lost or wrong") == "0" and row("errors (unexpected exceptions)") == "0"
    for name in ["task results verified", "nested task results verified",
                 "actor call results verified", "object reads verified"]:
        assert int(row(name).replace(",", "")) > 0, f"{name}: nothing verified:\n{tail}"
