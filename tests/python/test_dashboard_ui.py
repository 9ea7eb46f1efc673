"""The dashboard's pages in real headless Chromium (Selenium), against a live two-node
cluster running a submitted job that keeps a named actor alive: each page is loaded and
what it shows is checked (node count, the job's id and state, the actor's state, a line
the actor printed, a chart of the sampled metrics). Waits are WebDriverWait conditions.

COLONY_UPDATE_SCREENSHOT=1 also saves the overview to docs/images/dashboard_overview.png.
"""

import os
import shutil
import textwrap

import pytest

from colony.cluster_utils import Cluster
from colony.job_submission import JobStatus

from colony_testutil import wait_for

webdriver = pytest.importorskip("selenium.webdriver")
from selenium.common.exceptions import StaleElementReferenceException  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
pytestmark = pytest.mark.skipif(not (CHROMIUM and CHROMEDRIVER),
                                reason="needs Debian's chromium and chromium-driver "
                                       "(scripts/install.sh installs them)")
REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
LINE = "keeper says hello-from-the-dashboard-test"

JOB = textwrap.dedent(f"""
    import time
    import colony
    colony.init()

    @colony.remote
    class Keeper:
        def hello(self):
            print("{LINE}", flush=True)
            return 1

    k = Keeper.options(name="keeper", namespace="dash").remote()
    colony.get(k.hello.remote())
    print("driver ready", flush=True)
    while True:
        time.sleep(1)
""")


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    os.environ["COLONY_DASHBOARD_SAMPLE_S"] = "1"  # the dashboard inherits it
    cluster = Cluster(head_node_args={"num_cpus": 2})
    try:
        cluster.add_node(num_cpus=1)
        cluster.connect()  # a driver for the module: the suite checks no cluster outlives one
        address = cluster.start_dashboard()
        work = tmp_path_factory.mktemp("dashjob")
        (work / "keeper.py").write_text(JOB)
        client = cluster.job_client()
        sid = client.submit_job(entrypoint="python keeper.py",
                                runtime_env={"working_dir": str(work)})
        wait_for(lambda: "driver ready" in client.get_job_logs(sid), timeout=120, interval=0.5,
                 what="the job's driver to start its actor")
        yield cluster, address, sid
        client.stop_job(sid)
    finally:
        os.environ.pop("COLONY_DASHBOARD_SAMPLE_S", None)
        cluster.shutdown()


@pytest.fixture(scope="module")
def browser(live):
    _, address, _ = live
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                "--window-size=1400,1000", "--no-proxy-server"):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=webdriver.ChromeService(executable_path=CHROMEDRIVER),
                              options=options)
    driver.implicitly_wait(0)
    yield driver
    driver.quit()


def wait(driver, condition, timeout=60):
    # Pages re-render every few seconds: an element found just before may be replaced.
    return WebDriverWait(driver, timeout, poll_frequency=0.2,
                         ignored_exceptions=[StaleElementReferenceException]).until(condition)


def text_of(driver, css):
    found = driver.find_elements(By.CSS_SELECTOR, css)
    return found[0].text if found else None


def rows(driver, css, cells):
    """[[cell text, ...]] of the rows matching css (the page as it is now)."""
    return driver.execute_script(
        "return [...document.querySelectorAll(arguments[0])].map(r => "
        "arguments[1].map(c => (r.querySelector(c) || {}).textContent || ''))", css, cells)


def open_page(driver, address, page):
    driver.get(f"http://{address}/#{page}")
    wait(driver, lambda d: d.find_element(By.TAG_NAME, "body").get_attribute("data-loaded") == page)


def test_a_browser_without_the_token_gets_the_login_page(live, browser):
    _, address, _ = live
    browser.delete_all_cookies()
    browser.get(f"http://{address}/")
    assert "needs the cluster token" in wait(browser, lambda d: text_of(d, "#login-needed"))
    browser.get(f"http://{address}/?token=wrong")
    assert wait(browser, lambda d: text_of(d, "#login-needed"))


def test_overview_shows_the_nodes_with_resource_bars(live, browser):
    cluster, address, _ = live
    browser.get(f"http://{address}/?token={cluster._token}")  # sets the cookie
    open_page(browser, address, "overview")
    wait(browser, lambda d: text_of(d, "#node-count") == "2")
    cards = browser.find_elements(By.CSS_SELECTOR, ".node-card.alive")
    assert {c.get_attribute("data-node-id") for c in cards} == \
        {n.node_id for n in cluster.list_all_nodes()}
    head = browser.find_element(By.CSS_SELECTOR,
                                f'.node-card[data-node-id="{cluster.head_node.node_id}"]')
    assert head.find_element(By.CSS_SELECTOR, '[data-resource="CPU"] .num').text.endswith("/ 2.0")
    # Usage bars come from the agents' metrics, sampled every second here.
    wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR,
                                            '.node-card [data-resource="cpu use"]'))
    assert int(text_of(browser, "#job-count")) >= 1
    shot = os.path.join(cluster.head_node.session_dir, "dashboard_overview.png")
    browser.save_screenshot(shot)
    assert os.path.getsize(shot) > 0
    if os.environ.get("COLONY_UPDATE_SCREENSHOT") == "1":
        shutil.copy(shot, os.path.join(REPO, "docs", "images", "dashboard_overview.png"))


def test_jobs_page_shows_the_running_job(live, browser):
    _, address, sid = live
    open_page(browser, address, "jobs")
    status = wait(browser, lambda d: text_of(d, f'tr[data-job-id="{sid}"] .status'))
    assert status == JobStatus.RUNNING.value


def test_actors_page_shows_the_actor_alive(live, browser):
    _, address, _ = live
    open_page(browser, address, "actors")
    row = wait(browser, lambda d: next((r for r in rows(d, "#actors-table tbody tr",
                                                        [".name", ".state", "td:last-child"])
                                        if r[0] == "keeper"), None))
    assert row[1] == "ALIVE"
    assert row[2]  # the node it runs on


def test_tasks_page_shows_counts_or_says_where_they_come_from(live, browser):
    _, address, _ = live
    open_page(browser, address, "tasks")
    counts = browser.find_elements(By.CSS_SELECTOR, "#task-counts .stat")
    if counts:  # the state API is there: the actor's task ran
        assert sum(int(c.find_element(By.CSS_SELECTOR, ".value").text) for c in counts) >= 1
    else:
        assert "state API" in text_of(browser, "#tasks-note")


def test_logs_page_shows_what_the_actor_printed(live, browser):
    cluster, address, _ = live
    open_page(browser, address, "logs")
    files = wait(browser, lambda d: d.execute_script(
        "return [...document.querySelectorAll('a.log-file')].map(a => "
        "[a.dataset.node, a.dataset.name])"))
    assert any(name == "raylet.log" for _, name in files)
    # The actor's worker is one of the workers' .out files; open each until it shows.
    for node, name in [f for f in files if f[1].endswith(".out")]:
        browser.execute_script(
            "[...document.querySelectorAll('a.log-file')].find(a => a.dataset.node === "
            "arguments[0] && a.dataset.name === arguments[1]).click()", node, name)
        wait(browser, lambda d: d.find_element(By.CSS_SELECTOR, "#log-content")
             .get_attribute("data-name") == name)
        if LINE in browser.find_element(By.CSS_SELECTOR, "#log-content").text:
            return
    pytest.fail(f"no worker log shows {LINE!r}")


def test_metrics_page_charts_the_sampled_metrics(live, browser):
    cluster, address, _ = live
    open_page(browser, address, "metrics")
    # One line per node in the CPU chart, drawn from the dashboard's history.
    wait(browser, lambda d: len(d.find_elements(
        By.CSS_SELECTOR, 'svg.chart[data-metric="colony_node_cpu_utilization"] polyline')) == 2)
    options = [o.get_attribute("value") for o in
               browser.find_elements(By.CSS_SELECTOR, "#metric-select option")]
    assert "colony_object_store_capacity_bytes" in options
