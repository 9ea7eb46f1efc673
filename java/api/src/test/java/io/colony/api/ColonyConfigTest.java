package io.colony.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.File;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ColonyConfigTest {
  @Test
  void emptyEnvironmentStartsALocalCluster() {
    ColonyConfig config = ColonyConfig.fromSources(k -> null, k -> null);
    assertNull(config.getAddress());
    assertNull(config.getNamespace());
    assertNull(config.getNumCpus());
    assertEquals(List.of(), config.getCodeSearchPath());
    assertEquals("127.0.0.1", config.getNodeIp());
  }

  @Test
  void systemPropertiesWinOverEnvironment() {
    Map<String, String> props = Map.of("colony.address", "10.0.0.1:6379");
    Map<String, String> env =
        Map.of(
            "COLONY_ADDRESS", "auto",
            "COLONY_NAMESPACE", "prod",
            "COLONY_CODE_SEARCH_PATH", "/a" + File.pathSeparator + File.pathSeparator + "/b");
    ColonyConfig config = ColonyConfig.fromSources(props::get, env::get);
    assertEquals("10.0.0.1:6379", config.getAddress());
    assertEquals("prod", config.getNamespace());
    assertEquals(List.of("/a", "/b"), config.getCodeSearchPath());
  }

  @Test
  void numCpusIsParsed() {
    Map<String, String> props = Map.of("colony.num-cpus", "4");
    assertEquals(4, ColonyConfig.fromSources(props::get, k -> null).getNumCpus());
    Map<String, String> bad = Map.of("colony.num-cpus", "four");
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class, () -> ColonyConfig.fromSources(bad::get, k -> null));
    assertEquals("colony.num-cpus must be a whole number, got 'four'", e.getMessage());
  }

  @Test
  void addressMustBeHostPortOrAuto() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class, () -> ColonyConfig.builder().setAddress("localhost"));
    assertEquals("address must be 'HOST:PORT' or 'auto', got 'localhost'", e.getMessage());
    assertEquals("auto", ColonyConfig.builder().setAddress("auto").build().getAddress());
  }

  @Test
  void localClusterSettingsCannotBeGivenWithAnAddress() {
    ColonyConfig.Builder builder = ColonyConfig.builder().setAddress("h:1").setNumCpus(2);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, builder::build);
    assertEquals(
        "numCpus describes a new local cluster; it cannot be given when joining the cluster "
            + "at address 'h:1'",
        e.getMessage());
  }

  @Test
  void negativeCpusAreRejected() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> ColonyConfig.builder().setNumCpus(-1));
    assertEquals("numCpus must be >= 0, got -1", e.getMessage());
  }

  @Test
  void logToDriverDefaultsOnAndParsesFromPropertyOrEnvironment() {
    assertEquals(true, ColonyConfig.fromSources(k -> null, k -> null).isLogToDriver());
    Map<String, String> props = Map.of("colony.log-to-driver", "false");
    assertEquals(false, ColonyConfig.fromSources(props::get, k -> null).isLogToDriver());
    Map<String, String> env = Map.of("COLONY_LOG_TO_DRIVER", "0");
    assertEquals(false, ColonyConfig.fromSources(k -> null, env::get).isLogToDriver());
    Map<String, String> bad = Map.of("colony.log-to-driver", "maybe");
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class, () -> ColonyConfig.fromSources(bad::get, k -> null));
    assertEquals("colony.log-to-driver must be true or false, got 'maybe'", e.getMessage());
    assertEquals(false, ColonyConfig.builder().setLogToDriver(false).build().isLogToDriver());
  }
}
