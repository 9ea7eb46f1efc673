"""The per-node runtime-env agent (docs/runtime_env.md).

Each raylet starts one (`python -m colony.runtime_env_agent`) when a worker first needs a
runtime env, and asks it over the agent's stdin/stdout to build envs, one JSON object a
line (RuntimeEnvAgentRequest/Reply in proto/raylet.proto). The agent unpacks uploaded
packages (working_dir, py_modules, java_jars) and builds pip virtualenvs into its
folder, `<session>/runtime_resources/node_<id>/`, caching each by content hash, and
answers with what to apply to the worker (RuntimeEnvContext): environment variables,
current folder, python executable, import path and Java class path.

    agent.py      -- RuntimeEnvAgent: an env's JSON -> its context; counts in agent_state.json
    resources.py  -- ResourceCache: builds each cached thing once (per-key locks), never
                     keeps a failed build
    packages.py   -- unpacking packages into the cache
    pip_env.py    -- pip virtualenvs
    __main__.py   -- the line protocol on stdin/stdout
"""
