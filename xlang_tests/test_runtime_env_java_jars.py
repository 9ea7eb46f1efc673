"""runtime_env java_jars: a jar built here, uploaded by the Python driver and put on the
class path of the Java workers of the tasks and actors that name it (docs/runtime_env.md).
The job's code search path does not have the class, so only the jar can supply it."""

import os
import shutil
import subprocess
import zipfile

import pytest

import colony
from colony import cross_language

DEADLINE = 120

SOURCE = """
package rtenv;

public class JarFunctions {
  public static String greet(String who) {
    return "jar says hi to " + who + " in " + System.getenv("RT_JAVA_ENV");
  }
}
"""

COUNTER = """
package rtenv;

public class JarCounter {
  private int total;
  public JarCounter(int start) { total = start; }
  public int add(int n) { total += n; return total; }
}
"""


@pytest.fixture(scope="module")
def jar(tmp_path_factory):
    if shutil.which("javac") is None:
        pytest.fail("javac is needed (scripts/install.sh installs a JDK)")
    root = tmp_path_factory.mktemp("rtenv-jar")
    src = root / "src" / "rtenv"
    src.mkdir(parents=True)
    (src / "JarFunctions.java").write_text(SOURCE)
    (src / "JarCounter.java").write_text(COUNTER)
    classes = root / "classes"
    subprocess.run(["javac", "-d", str(classes), str(src / "JarFunctions.java"),
                    str(src / "JarCounter.java")], check=True)
    path = root / "rtenv-functions.jar"
    with zipfile.ZipFile(path, "w") as zf:  # a jar is a zip of the classes
        for dirpath, _, files in os.walk(classes):
            for name in files:
                full = os.path.join(dirpath, name)
                zf.write(full, os.path.relpath(full, classes))
    return str(path)


@pytest.fixture(scope="module")
def driver():
    colony.init(num_cpus=2)
    yield
    colony.shutdown()


def test_a_java_task_and_actor_load_classes_from_their_jars(driver, jar):
    greet = cross_language.java_function("rtenv.JarFunctions", "greet")
    env = {"java_jars": [jar], "env_vars": {"RT_JAVA_ENV": "its env"}}
    assert colony.get(greet.options(runtime_env=env).remote("python"),
                      timeout=DEADLINE) == "jar says hi to python in its env"
    counter = cross_language.java_actor_class("rtenv.JarCounter").options(
        runtime_env={"java_jars": [jar]}).remote(10)
    assert colony.get(counter.add.remote(5), timeout=DEADLINE) == 15
    # Without the jar the class is not there.
    with pytest.raises(colony.exceptions.ColonyError, match="rtenv.JarFunctions"):
        colony.get(greet.remote("python"), timeout=DEADLINE)


def test_a_path_that_is_not_a_jar_is_refused(driver, tmp_path):
    greet = cross_language.java_function("rtenv.JarFunctions", "greet")
    (tmp_path / "notes.txt").write_text("x")
    with pytest.raises(colony.exceptions.RuntimeEnvSetupError, match="is not a .jar file"):
        greet.options(runtime_env={"java_jars": [str(tmp_path / "notes.txt")]})
