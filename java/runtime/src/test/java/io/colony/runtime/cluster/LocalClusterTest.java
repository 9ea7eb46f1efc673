package io.colony.runtime.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.colony.api.exception.ColonyException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Process handling, with shell scripts standing in for colony-gcs and colony-raylet. */
class LocalClusterTest {
  // Prints its arguments, records its pid, writes a port to --port-file, serves until killed.
  private static final String SERVING =
      "#!/bin/sh\necho \"args: $*\"\necho $$ > \"$0.pid\"\n"
          + "while [ $# -gt 0 ]; do [ \"$1\" = --port-file ] && echo PORT > \"$2\"; shift; done\n"
          + "exec sleep 60\n";

  @TempDir Path bin;
  @TempDir Path sessions;

  private void script(String name, String text) throws Exception {
    Path path = bin.resolve(name);
    Files.writeString(path, text);
    Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rwxr-xr-x"));
  }

  @Test
  void startsGcsThenRayletAndStopsThem() throws Exception {
    script("colony-gcs", SERVING.replace("PORT", "4242"));
    script("colony-raylet", SERVING.replace("PORT", "4343"));
    try (LocalCluster cluster = LocalCluster.start(bin, sessions, "127.0.0.1", 2)) {
      assertEquals("127.0.0.1:4242", cluster.gcsAddress());
      assertEquals("127.0.0.1:4343", cluster.rayletAddress());
      assertEquals(32, cluster.token().length());
      assertTrue(cluster.sessionDir().getFileName().toString().startsWith("session_"));
      String rayletLog = Files.readString(cluster.sessionDir().resolve("logs/raylet.log"));
      assertTrue(rayletLog.contains("--gcs-address 127.0.0.1:4242"), rayletLog);
      assertTrue(rayletLog.contains("--num-cpus 2"), rayletLog);
      assertTrue(rayletLog.contains("--session-dir " + cluster.sessionDir()), rayletLog);
    }
    for (String daemon : new String[] {"colony-gcs", "colony-raylet"}) {
      long pid = Long.parseLong(Files.readString(bin.resolve(daemon + ".pid")).trim());
      assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), daemon);
    }
  }

  @Test
  void daemonThatExitsIsReportedWithItsLog() throws Exception {
    script("colony-gcs", "#!/bin/sh\necho 'bad flag --port-file'\nexit 3\n");
    script("colony-raylet", SERVING);
    ColonyException e =
        assertThrows(
            ColonyException.class, () -> LocalCluster.start(bin, sessions, "127.0.0.1", null));
    assertTrue(e.getMessage().startsWith("colony-gcs exited with code 3 while starting"));
    assertTrue(e.getMessage().endsWith("bad flag --port-file"), e.getMessage());
  }

  @Test
  void missingBinaryIsNamed() {
    ColonyException e =
        assertThrows(
            ColonyException.class, () -> LocalCluster.start(bin, sessions, "127.0.0.1", null));
    assertTrue(e.getMessage().startsWith("could not start " + bin.resolve("colony-gcs")));
  }
}
