"""A multi-node cluster on one machine, for tests and experiments.

Every node is a real raylet with its own port, session folder and shared-memory store;
the head also runs the GCS. Nodes can be added and removed (gracefully or with SIGKILL)
while a driver is connected.

Example:
    from colony.cluster_utils import Cluster
    cluster = Cluster(head_node_args={"num_cpus": 1})
    worker = cluster.add_node(num_cpus=2, labels={"zone": "b"})
    cluster.connect()              # colony.init() against the head node
    ...
    cluster.remove_node(worker, allow_graceful=False)   # SIGKILL, as a crash would
    cluster.shutdown()
"""

from __future__ import annotations

import secrets
import signal
import time

from colony._private import node as node_mod


class ClusterNode:
    """One raylet (and, for the head, the GCS) that this process started."""

    def __init__(self, processes: node_mod.NodeProcesses, node_id: str, is_head: bool,
                 metrics_agent: node_mod.NodeProcesses | None = None):
        self.processes = processes
        self.node_id = node_id
        self.is_head = is_head
        # Kept apart from `processes`, whose last process is the raylet (raylet_pid, alive).
        self.metrics_agent = metrics_agent

    @property
    def metrics_address(self) -> str:
        """HOST:PORT of the node's metrics agent (GET /metrics), or "" if it has none."""
        return self.metrics_agent.metrics_address if self.metrics_agent else ""

    def stop_metrics_agent(self, kill: bool = False) -> None:
        if self.metrics_agent is None:
            return
        if kill:
            for proc in self.metrics_agent.procs:
                if proc.poll() is None:
                    proc.kill()
                    proc.wait()
        self.metrics_agent.stop()

    @property
    def raylet_address(self) -> str:
        return self.processes.raylet_address

    @property
    def session_dir(self) -> str:
        return self.processes.session_dir

    @property
    def raylet_pid(self) -> int:
        return self.processes.procs[-1].pid

    def alive(self) -> bool:
        return bool(self.processes.procs) and self.processes.procs[-1].poll() is None

    def __repr__(self) -> str:
        return f"ClusterNode({self.node_id[:12]}, {self.raylet_address}, head={self.is_head})"


class Cluster:
    """Starts a head node (GCS + raylet) and adds or removes worker nodes on this machine."""

    def __init__(self, initialize_head: bool = True, connect: bool = False,
                 head_node_args: dict | None = None, health_check_timeout_ms: int | None = None,
                 node_ip: str = "127.0.0.1", scheduler_spread_threshold: float | None = None,
                 gcs_storage: str | None = None, scarce_resources: list | None = None,
                 scheduler_real_usage: bool = False,
                 memory_pressure_threshold: float | None = None, metrics_agents: bool = True):
        """`health_check_timeout_ms`: how long the GCS waits for a silent node before
        declaring it dead (5000). `scheduler_spread_threshold`: the utilisation up to which
        the default policy packs work onto the submitting node (0.5). `scarce_resources`:
        resource names, besides GPU, that work not asking for them keeps off (docs/scheduling.md). `gcs_storage`: the
        GCS's tables in memory (default) or at "redis://HOST:PORT[/DB]", so that
        restart_gcs() finds them again. `metrics_agents`: start each node's metrics agent
        (docs/observability.md), as `colony start` does."""
        if scheduler_spread_threshold is not None and not 0 <= scheduler_spread_threshold <= 1:
            raise ValueError(f"scheduler_spread_threshold must be between 0 and 1, "
                             f"got {scheduler_spread_threshold!r}")
        self._spread_threshold = scheduler_spread_threshold
        # Besides GPU: work that does not ask for one avoids the nodes that have it.
        self._scarce_resources = scarce_resources
        # --scheduler-real-usage on the GCS and every raylet (docs/scheduling.md).
        self._real_usage = {"real_usage": scheduler_real_usage,
                            "memory_pressure_threshold": memory_pressure_threshold}
        self._token = secrets.token_hex(16)
        self._node_ip = node_ip
        self._health_check_timeout_ms = health_check_timeout_ms
        self._gcs_storage = gcs_storage
        self._metrics_agents = metrics_agents
        self.head_node: ClusterNode | None = None
        self.worker_nodes: list[ClusterNode] = []
        self.gcs_address = ""
        self.dashboard_address = ""
        self._dashboard: node_mod.NodeProcesses | None = None
        if initialize_head:
            self.add_node(**(head_node_args or {}))
        if connect:
            self.connect()

    @property
    def address(self) -> str:
        return self.gcs_address

    def add_node(self, num_cpus=1, num_gpus=None, resources=None, memory=None,
                 object_store_memory=None, labels=None, _system_config: dict | None = None,
                 _node_ip: str | None = None, _netns: str | None = None,
                 worker_isolation: str | None = None) -> ClusterNode:
        """Starts a raylet (the first call also starts the GCS) and returns its node.
        `worker_isolation`: "auto" (default), "cgroupv1", "cgroupv2" or "off", the
        raylet's --worker-isolation (docs/isolation.md).
        `_node_ip` and `_netns` put a worker node at its own address inside a network
        namespace (which must exist and reach the head's address)."""
        processes = node_mod.NodeProcesses(session_dir=node_mod.new_session_dir(),
                                           token=self._token, node_ip=_node_ip or self._node_ip,
                                           netns=_netns)
        is_head = self.head_node is None
        if is_head:
            processes.start_gcs(health_check_timeout_ms=self._health_check_timeout_ms,
                                spread_threshold=self._spread_threshold,
                                storage=self._gcs_storage,
                                scarce_resources=self._scarce_resources, **self._real_usage)
            self.gcs_address = processes.gcs_address
        else:
            processes.gcs_address = self.gcs_address
        node_id = secrets.token_hex(16)
        worker_env = {}
        if _system_config and "max_inline_object_bytes" in _system_config:
            worker_env["COLONY_MAX_INLINE_OBJECT_BYTES"] = int(_system_config["max_inline_object_bytes"])
        try:
            processes.start_raylet(num_cpus=num_cpus, num_gpus=num_gpus, resources=resources,
                                   memory=memory, object_store_memory=object_store_memory,
                                   labels=labels, worker_env=worker_env, node_id=node_id,
                                   spread_threshold=self._spread_threshold,
                                   scarce_resources=self._scarce_resources,
                                   worker_isolation=worker_isolation,
                                   **self._real_usage)
        except Exception:
            processes.stop()
            raise
        agent = None
        if self._metrics_agents:
            # Synchronous: the agent must be the child of a thread that lives on, since its
            # parent-death signal fires when the thread that started it ends.
            agent = node_mod.NodeProcesses(session_dir=processes.session_dir, token=self._token,
                                           gcs_address=self.gcs_address,
                                           node_ip=processes.node_ip, netns=_netns,
                                           tls=processes.tls)
            try:
                agent.start_metrics_agent()
            except Exception:
                agent.stop()
                processes.stop()
                raise
        node = ClusterNode(processes, node_id, is_head, agent)
        if is_head:
            self.head_node = node
        else:
            self.worker_nodes.append(node)
        return node

    def kill_gcs(self) -> None:
        """SIGKILLs the head's GCS (the raylets, drivers and workers keep running)."""
        procs = self.head_node.processes.procs
        gcs = procs[0]  # started first, see add_node
        if gcs.poll() is None:
            gcs.send_signal(signal.SIGKILL)
            gcs.wait()

    def restart_gcs(self) -> None:
        """Starts a GCS again on the head's GCS address (after kill_gcs); with Redis
        storage it reloads the tables the dead one wrote."""
        processes = self.head_node.processes
        if processes.procs[0].poll() is None:
            raise RuntimeError("the GCS is still running; kill_gcs() first")
        port = int(self.gcs_address.rsplit(":", 1)[1])
        processes.procs.pop(0)
        processes.start_gcs(port=port, health_check_timeout_ms=self._health_check_timeout_ms,
                            spread_threshold=self._spread_threshold, storage=self._gcs_storage,
                            scarce_resources=self._scarce_resources, **self._real_usage)
        # Keep the GCS first, so kill_gcs and stop() (raylets before the GCS) still hold.
        processes.procs.insert(0, processes.procs.pop())

    def remove_node(self, node: ClusterNode, allow_graceful: bool = True) -> None:
        """Stops a worker node's raylet: SIGTERM (it unregisters) or SIGKILL (a crash the
        GCS finds by missed heartbeats)."""
        if node is self.head_node:
            raise ValueError("remove_node cannot remove the head node; use shutdown()")
        if node not in self.worker_nodes:
            raise ValueError(f"{node!r} is not a node of this cluster")
        node.stop_metrics_agent(kill=not allow_graceful)
        if allow_graceful:
            node.processes.stop()
        else:
            for proc in node.processes.procs:
                if proc.poll() is None:
                    proc.send_signal(signal.SIGKILL)
                    proc.wait()
            node.processes.procs.clear()
        self.worker_nodes.remove(node)

    def connect(self, namespace: str | None = None, job_config=None, **kwargs) -> dict:
        """colony.init() as a driver on the head node."""
        import colony
        return colony.init(address=self.gcs_address, _token=self._token,
                           _raylet_address=self.head_node.raylet_address, _node_ip=self._node_ip,
                           namespace=namespace, job_config=job_config, **kwargs)

    def start_dashboard(self) -> str:
        """Starts the head's job API (docs/jobs.md) on a free port; returns its HOST:PORT.
        Jobs submitted to it run on the head node's host, as with `colony start --head`."""
        if self.head_node is None:
            raise RuntimeError("start_dashboard needs the head node")
        if not self._dashboard:
            head = self.head_node.processes
            self._dashboard = node_mod.NodeProcesses(session_dir=head.session_dir,
                                                     token=self._token,
                                                     gcs_address=self.gcs_address,
                                                     node_ip=head.node_ip, tls=head.tls)
            self.dashboard_address = self._dashboard.start_dashboard(port=0)
        return self.dashboard_address

    def job_client(self):
        """A JobSubmissionClient of this cluster's job API (start_dashboard() first)."""
        from colony.job_submission import JobSubmissionClient
        if not self.dashboard_address:
            raise RuntimeError("the cluster has no job API: call start_dashboard() first")
        return JobSubmissionClient(self.dashboard_address, token=self._token)

    def wait_for_nodes(self, timeout: float = 10.0) -> None:
        """Waits until the GCS lists every node started here as alive (needs a connected driver)."""
        import colony
        wanted = {n.node_id for n in self.list_all_nodes()}
        deadline = time.monotonic() + timeout
        while True:
            alive = {n["NodeID"] for n in colony.nodes() if n["Alive"]}
            if wanted <= alive:
                return
            if time.monotonic() > deadline:
                raise TimeoutError(f"nodes {sorted(wanted - alive)} did not come up in {timeout} s")
            time.sleep(0.05)

    def list_all_nodes(self) -> list[ClusterNode]:
        return ([self.head_node] if self.head_node else []) + list(self.worker_nodes)

    def shutdown(self) -> None:
        """Disconnects the driver (if connected here) and stops every node, head last."""
        import colony
        if colony.is_initialized():
            colony.shutdown()
        if self._dashboard is not None:  # first: it stops the drivers it runs
            self._dashboard.stop()
            self._dashboard = None
            self.dashboard_address = ""
        for node in list(self.worker_nodes):
            node.stop_metrics_agent()
            node.processes.stop()
        self.worker_nodes.clear()
        if self.head_node is not None:
            self.head_node.stop_metrics_agent()
            self.head_node.processes.stop()
            self.head_node = None

    def __enter__(self) -> "Cluster":
        return self

    def __exit__(self, *exc) -> None:
        self.shutdown()


__all__ = ["Cluster", "ClusterNode"]
