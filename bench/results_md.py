"""Writing bench/RESULTS.md: one Markdown table per run and a section per recorded run.

Benchmarks print `markdown_table(...)` and, with `--record`, add a section made by
`section(...)` through `record(...)`, which puts it first (RESULTS.md is newest first).
"""
from __future__ import annotations

import os
import platform
import subprocess
import time

BENCH_DIR = os.path.dirname(os.path.abspath(__file__))
RESULTS = os.path.join(BENCH_DIR, "RESULTS.md")


def markdown_table(header, rows, align=None) -> str:
    """`header` names the columns; `align` is one of 'l'/'r' per column (default: the
    first left, the rest right, as figures are)."""
    align = align or ["l"] + ["r"] * (len(header) - 1)
    lines = ["| " + " | ".join(header) + " |",
             "| " + " | ".join("---:" if a == "r" else "---" for a in align) + " |"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def commit() -> str:
    try:
        return subprocess.run(["git", "-C", BENCH_DIR, "rev-parse", "--short=12", "HEAD"],
                              capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def machine() -> str:
    model = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return f"{os.cpu_count()} CPUs, {model}"


def section(title: str, intro: str, command: str, body: str, machine_note: str = "") -> str:
    """A dated section: title, what was measured, then date/commit/machine/command and
    the body (usually a table)."""
    note = f"; {machine_note}" if machine_note else ""
    return (f"## {time.strftime('%Y-%m-%d')}: {title}\n\n{intro}\n\n"
            f"- date: {time.strftime('%Y-%m-%dT%H:%M:%S%z')}\n- commit: {commit()}\n"
            f"- machine: {machine()}{note}\n- command: `{command}`\n\n{body}\n")


def record(text: str, path: str = RESULTS) -> None:
    """Adds a section before the first existing one (the file is newest first)."""
    with open(path) as f:
        old = f.read()
    at = old.find("\n## ")
    at = len(old) if at < 0 else at + 1
    with open(path, "w") as f:
        f.write(old[:at] + text + "\n" + old[at:])
    print(f"recorded in {path}")
