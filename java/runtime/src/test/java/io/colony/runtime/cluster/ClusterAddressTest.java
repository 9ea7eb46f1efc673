package io.colony.runtime.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.colony.api.exception.ColonyException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClusterAddressTest {
  @TempDir Path dir;

  private Path clusterFile(String address, String token) throws Exception {
    Path file = dir.resolve("current_cluster.json");
    Files.writeString(
        file,
        "{\"gcs_address\": \"" + address + "\", \"token\": \"" + token + "\", \"pids\": [1]}");
    return file;
  }

  @Test
  void autoReadsTheClusterFile() throws Exception {
    Path file = clusterFile("127.0.0.1:6379", "secret");
    ClusterAddress address = ClusterAddress.resolve("auto", k -> null, k -> null, file);
    assertEquals(new ClusterAddress("127.0.0.1:6379", "secret"), address);
  }

  @Test
  void autoWithoutClusterSaysHowToStartOne() {
    ColonyException e =
        assertThrows(
            ColonyException.class,
            () -> ClusterAddress.resolve("auto", k -> null, k -> null, dir.resolve("none.json")));
    assertTrue(e.getMessage().contains("colony start --head"), e.getMessage());
  }

  @Test
  void tokenFromPropertyThenEnvironmentThenFile() throws Exception {
    Path file = clusterFile("h:1", "from-file");
    Map<String, String> props = Map.of("colony.token", "from-prop");
    Map<String, String> env = Map.of("COLONY_CLUSTER_TOKEN", "from-env");
    assertEquals("from-prop", ClusterAddress.resolve("h:1", props::get, env::get, file).token());
    assertEquals("from-env", ClusterAddress.resolve("h:1", k -> null, env::get, file).token());
    assertEquals("from-file", ClusterAddress.resolve("h:1", k -> null, k -> null, file).token());
    assertEquals("", ClusterAddress.resolve("other:2", k -> null, k -> null, file).token());
  }

  @Test
  void clusterFileIsInTheUsersFolderUnderTmpdir() {
    String mine = "colony-" + StateDir.currentUid();
    assertEquals(
        Path.of("/scratch", mine, "current_cluster.json"),
        ClusterAddress.clusterFile(Map.of("TMPDIR", "/scratch")));
    assertEquals(Path.of("/tmp", mine, "current_cluster.json"), ClusterAddress.clusterFile(Map.of()));
    assertEquals(
        Path.of("/chosen/current_cluster.json"),
        ClusterAddress.clusterFile(Map.of("COLONY_STATE_DIR", "/chosen", "TMPDIR", "/scratch")));
  }
}
