"""`python -m colony.runtime_env_agent --resources-dir DIR`: the agent's line protocol.

Requests come one JSON object a line on stdin and are served in parallel (a pip build
does not hold up an env that only sets variables); replies go to stdout, one a line, in
whatever order they finish. The agent ends when its raylet closes stdin (or dies:
the raylet starts it with PR_SET_PDEATHSIG).
"""

from __future__ import annotations

import argparse
import concurrent.futures
import json
import sys
import threading

from colony.runtime_env_agent.agent import RuntimeEnvAgent


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m colony.runtime_env_agent")
    parser.add_argument("--resources-dir", required=True)
    parser.add_argument("--max-parallel", type=int, default=8)
    args = parser.parse_args(argv)
    agent = RuntimeEnvAgent(args.resources_dir)
    agent.write_state()
    out = sys.stdout
    out_lock = threading.Lock()
    print(f"runtime-env agent serving {args.resources_dir}", file=sys.stderr, flush=True)

    def serve(request: dict) -> None:
        reply = agent.handle(request)
        if not reply["ok"]:
            print(f"env {request.get('runtime_env_hash')}: {reply['error']}", file=sys.stderr,
                  flush=True)
        with out_lock:
            out.write(json.dumps(reply) + "\n")
            out.flush()

    with concurrent.futures.ThreadPoolExecutor(args.max_parallel) as pool:
        for line in sys.stdin:
            if not line.strip():
                continue
            try:
                request = json.loads(line)
            except ValueError:
                print(f"not a request: {line!r}", file=sys.stderr, flush=True)
                continue
            pool.submit(serve, request)
    return 0


if __name__ == "__main__":
    sys.exit(main())
