"""Virtual clusters on a real cluster (docs/virtual_clusters.md): nodes labelled by node_type,
two virtual clusters made with `colony vcluster` and colony.virtual_cluster, concurrent
jobs (submitted with `colony job submit --virtual-cluster`, and drivers started by hand with
JobConfig(virtual_cluster_id=)) whose tasks and actors run only on their cluster's nodes
(checked by where they ran), work too big for its cluster waiting with a message naming it,
membership kept whole as nodes join and die, and bad input refused with clear errors."""

import json
import os
import subprocess
import sys
import textwrap
import time

import pytest

import colony
from colony.cluster_utils import Cluster
from colony import virtual_cluster as vc
from colony_testutil import wait_for


@pytest.fixture(scope="module")
def cluster():
    # head (free) + 3 "small" + 1 "big"; alpha = 1 small + 1 big, beta = 1 small (divisible),
    # one small left free.
    with Cluster(head_node_args={"num_cpus": 1, "labels": {"node_type": "head"}}) as c:
        small = [c.add_node(num_cpus=2, labels={"node_type": "small"}) for _ in range(3)]
        big = c.add_node(num_cpus=2, labels={"node_type": "big"})
        c.connect()
        c.wait_for_nodes()
        env = dict(os.environ, COLONY_CLUSTER_TOKEN=c._token)
        yield {"cluster": c, "small": small, "big": big, "env": env}


def cli(cluster, *args):
    return subprocess.run([sys.executable, "-m", "colony.scripts.cli", "vcluster", *args,
                           "--address", cluster["cluster"].address],
                          env=cluster["env"], capture_output=True, text=True, timeout=120)


# A driver that runs 12 SPREAD tasks and 2 actors and prints where they ran, as JSON.
WHERE_SCRIPT = textwrap.dedent("""
    import json, sys
    import colony

    @colony.remote(num_cpus=0.5, scheduling_strategy="SPREAD")
    def where():
        return colony.get_runtime_context().get_node_id()

    @colony.remote(num_cpus=0.5)
    class Where:
        def node(self):
            return colony.get_runtime_context().get_node_id()

    config = json.loads(sys.argv[1]) if len(sys.argv) > 1 else None
    colony.init(job_config=colony.JobConfig(**config) if config else None)
    tasks = colony.get([where.remote() for _ in range(12)], timeout=300)
    actors = [Where.remote() for _ in range(2)]
    nodes = colony.get([a.node.remote() for a in actors], timeout=300)
    print("WHERE " + json.dumps({"tasks": sorted(set(tasks)), "actors": sorted(set(nodes))}))
""")


def members(cluster_id):
    return set(vc.get(cluster_id)["nodes"])


def test_create_show_list_from_the_cli_and_python(cluster):
    out = cli(cluster, "create", "--id", "alpha", "--replica-sets", '{"small": 1, "big": 1}')
    assert out.returncode == 0, out.stderr
    assert "alpha  indivisible" in out.stdout
    info = vc.create("beta", {"small": 1}, divisible=True)
    assert info["divisible"] and len(info["nodes"]) == 1
    alpha = vc.get("alpha")
    assert sorted(alpha["nodes"].values()) == ["big", "small"]
    assert alpha["missing"] == {}
    assert cluster["big"].node_id in alpha["nodes"]
    assert members("alpha").isdisjoint(members("beta"))
    listed = cli(cluster, "list")
    assert listed.returncode == 0 and "alpha" in listed.stdout and "beta" in listed.stdout
    shown = cli(cluster, "show", "--id", "beta")
    assert "beta  divisible" in shown.stdout and "small" in shown.stdout
    # Member nodes carry the cluster in their labels (colony.nodes()).
    labels = {n["NodeID"]: n["Labels"] for n in colony.nodes() if n["Alive"]}
    for node in members("alpha"):
        assert labels[node]["colony.io/virtual-cluster"] == "alpha"
    head = cluster["cluster"].head_node.node_id
    assert "colony.io/virtual-cluster" not in labels[head]


def test_bad_input_gets_clear_errors(cluster):
    out = cli(cluster, "show", "--id", "nope")
    assert out.returncode == 1 and "unknown virtual cluster 'nope'" in out.stderr
    out = cli(cluster, "remove", "--id", "nope")
    assert out.returncode == 1 and "unknown virtual cluster 'nope'" in out.stderr
    out = cli(cluster, "update", "--id", "nope", "--replica-sets", '{"small": 1}')
    assert out.returncode == 1 and "unknown virtual cluster 'nope'" in out.stderr
    out = cli(cluster, "create", "--id", "alpha", "--replica-sets", '{"small": 1}')
    assert out.returncode == 1 and "'alpha' already exists" in out.stderr
    out = cli(cluster, "create", "--id", "gamma", "--replica-sets", '{"small": 1')
    assert out.returncode == 1 and "--replica-sets is not valid JSON" in out.stderr
    out = cli(cluster, "create", "--id", "gamma", "--replica-sets", '{"gpu8": 1}')
    assert out.returncode == 1
    assert "unknown node type 'gpu8'" in out.stderr and "big, head, small" in out.stderr
    # More than the free nodes of a type: the error names the type and the counts.
    out = cli(cluster, "create", "--id", "gamma", "--replica-sets", '{"small": 2}')
    assert out.returncode == 1
    assert ("asks for 2 nodes of type 'small' but only 1 free node of that type is left "
            "(3 alive, 2 in virtual clusters)") in out.stderr
    with pytest.raises(vc.VirtualClusterError, match="non-negative integer"):
        vc.create("gamma", {"small": "two"})
    with pytest.raises(vc.VirtualClusterError, match="may only hold letters"):
        vc.create("bad id", {"small": 1})
    with pytest.raises(ValueError, match="needs a virtual_cluster_id"):
        colony.JobConfig(job_cluster_replica_sets={"small": 1})
    # A GCS that is not there fails the command at once, saying so.
    down = subprocess.run([sys.executable, "-m", "colony.scripts.cli", "vcluster", "list",
                           "--address", "127.0.0.1:1"], env=cluster["env"],
                          capture_output=True, text=True, timeout=120)
    assert down.returncode == 1 and "cannot reach the GCS" in down.stderr
    assert {c["id"] for c in vc.list()} == {"alpha", "beta"}


def run_driver(cluster, config):
    """A driver started by hand (JobConfig from `config`); returns its WHERE record."""
    env = dict(cluster["env"], COLONY_ADDRESS=cluster["cluster"].address)
    out = subprocess.run([sys.executable, "-c", WHERE_SCRIPT, json.dumps(config)], env=env,
                         capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr[-3000:]
    line = [x for x in out.stdout.splitlines() if x.startswith("WHERE ")][-1]
    return json.loads(line[len("WHERE "):])


def test_concurrent_jobs_run_only_on_their_clusters_nodes(cluster, tmp_path):
    c = cluster["cluster"]
    c.start_dashboard()
    script = tmp_path / "where.py"
    script.write_text(WHERE_SCRIPT)
    env = dict(cluster["env"], COLONY_DASHBOARD_ADDRESS=c.dashboard_address)
    sids = {}
    for cluster_id in ("alpha", "beta"):
        out = subprocess.run([sys.executable, "-m", "colony.scripts.cli", "job", "submit",
                              "--no-wait", "--virtual-cluster", cluster_id, "--",
                              sys.executable, str(script)],
                             env=env, capture_output=True, text=True, timeout=120)
        assert out.returncode == 0, out.stderr
        sids[cluster_id] = out.stdout.strip().splitlines()[-1]
    # Meanwhile, a driver started by hand in alpha, and this process's driver (no cluster).
    by_hand = run_driver(cluster, {"virtual_cluster_id": "alpha"})
    assert set(by_hand["tasks"]) | set(by_hand["actors"]) <= members("alpha")
    assert len(by_hand["tasks"]) == 2  # SPREAD reaches both of its nodes, and no other

    @colony.remote(num_cpus=0.5, scheduling_strategy="SPREAD")
    def where():
        return colony.get_runtime_context().get_node_id()

    free = {n["NodeID"] for n in colony.nodes()
            if n["Alive"] and "colony.io/virtual-cluster" not in n["Labels"]}
    assert set(colony.get([where.remote() for _ in range(12)], timeout=300)) <= free

    client = c.job_client()
    for cluster_id, sid in sids.items():
        client.wait_until_finished(sid, timeout=600)
        logs = client.get_job_logs(sid)
        assert client.get_job_status(sid) == "SUCCEEDED", logs[-3000:]
        line = [x for x in logs.splitlines() if x.startswith("WHERE ")][-1]
        record = json.loads(line[len("WHERE "):])
        assert set(record["tasks"]) | set(record["actors"]) <= members(cluster_id), cluster_id


def test_work_too_big_for_its_cluster_waits_naming_it(cluster):
    script = textwrap.dedent("""
        import colony
        colony.init(job_config=colony.JobConfig(virtual_cluster_id="alpha"))

        @colony.remote(num_cpus=3)   # alpha's nodes have 2 CPUs each; free ones do not count
        def big():
            return 1

        ref = big.remote()
        ready, _ = colony.wait([ref], timeout=5)
        print("READY" if ready else "PENDING", flush=True)
        import time
        time.sleep(600)
    """)
    env = dict(cluster["env"], COLONY_ADDRESS=cluster["cluster"].address)
    proc = subprocess.Popen([sys.executable, "-c", script], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "PENDING"
        err = ""
        deadline = time.monotonic() + 60
        while "virtual cluster 'alpha'" not in err and time.monotonic() < deadline:
            err += proc.stderr.readline()
        assert "virtual cluster 'alpha' (2 alive nodes)" in err, err[-2000:]
    finally:
        proc.kill()
        proc.wait()


def test_a_job_cluster_is_held_alone_and_returned_when_the_job_ends(cluster):
    config = {"virtual_cluster_id": "beta", "job_cluster_replica_sets": {"small": 1}}
    script = textwrap.dedent("""
        import json, sys
        import colony
        from colony import virtual_cluster as vc
        colony.init(job_config=colony.JobConfig(**json.loads(sys.argv[1])))

        @colony.remote(num_cpus=0.5)
        def where():
            return colony.get_runtime_context().get_node_id()

        held = [c for c in vc.list() if c["parent_id"] == "beta"]
        print("HELD " + json.dumps(held[0]["nodes"]), flush=True)
        print("RAN " + json.dumps(sorted(set(colony.get([where.remote() for _ in range(4)],
                                                        timeout=300)))), flush=True)
        sys.stdin.readline()   # hold it until the test has tried a second job
    """)
    env = dict(cluster["env"], COLONY_ADDRESS=cluster["cluster"].address)
    proc = subprocess.Popen([sys.executable, "-c", script, json.dumps(config)], env=env,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        held = json.loads(proc.stdout.readline().split(" ", 1)[1])
        ran = json.loads(proc.stdout.readline().split(" ", 1)[1])
        assert set(ran) == set(held) and set(held) <= members("beta")
        # beta's one small node is held: a second job asking for one is refused at init.
        second = subprocess.run(
            [sys.executable, "-c", "import colony, json, sys; "
             "colony.init(job_config=colony.JobConfig(**json.loads(sys.argv[1])))",
             json.dumps(config)], env=env, capture_output=True, text=True, timeout=120)
        assert second.returncode != 0
        assert "only 0 of its 1 node of that type are not held by other jobs" in second.stderr
        with pytest.raises(vc.VirtualClusterError, match="held by running jobs"):
            vc.remove("beta")
        proc.stdin.write("\n")
        proc.stdin.flush()
        assert proc.wait(timeout=120) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    wait_for(lambda: not [c for c in vc.list() if c["parent_id"]], timeout=60,
             what="the job cluster to return")
    labels = {n["NodeID"]: n["Labels"] for n in colony.nodes() if n["Alive"]}
    assert all(labels[node]["colony.io/virtual-cluster"] == "beta" for node in members("beta"))


def test_dead_member_is_refilled_and_a_joining_node_fills_a_lack(cluster):
    c = cluster["cluster"]
    # alpha's small member dies: the free small node takes its place.
    alpha_small = [n for n in cluster["small"] if n.node_id in members("alpha")][0]
    free_small = [n for n in cluster["small"]
                  if n.node_id not in members("alpha") | members("beta")][0]
    c.remove_node(alpha_small, allow_graceful=False)
    wait_for(lambda: free_small.node_id in members("alpha"), timeout=60,
             what="alpha to take the free small node")
    # Its big member dies with no free big node left: alpha lacks one until a big node joins.
    c.remove_node(cluster["big"], allow_graceful=False)
    wait_for(lambda: vc.get("alpha")["missing"] == {"big": 1}, timeout=60,
             what="alpha to lack a big node")
    joined = c.add_node(num_cpus=2, labels={"node_type": "big"})
    wait_for(lambda: joined.node_id in members("alpha"), timeout=60,
             what="the joining node to fill alpha")
    assert vc.get("alpha")["missing"] == {}
    record = run_driver(cluster, {"virtual_cluster_id": "alpha"})
    assert set(record["tasks"]) | set(record["actors"]) <= {free_small.node_id, joined.node_id}


def test_update_and_remove(cluster):
    out = cli(cluster, "update", "--id", "alpha", "--replica-sets", '{"big": 1}')
    assert out.returncode == 0, out.stderr
    assert sorted(vc.get("alpha")["nodes"].values()) == ["big"]
    vc.remove("alpha")
    vc.remove("beta")
    assert vc.list() == []
    wait_for(lambda: all("colony.io/virtual-cluster" not in n["Labels"]
                         for n in colony.nodes() if n["Alive"]), timeout=60, what="labels to go")

