package io.colony.runtime.cluster;

import io.colony.api.exception.ColonyException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.security.SecureRandom;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A one-node cluster that a driver starts for itself: {@code colony-gcs} and {@code colony-raylet}
 * as child processes, in a fresh session folder, stopped by {@link #close()}. The binaries are
 * found in {@code -Dcolony.bin.dir} or {@code $COLONY_BIN_DIR}.
 */
public final class LocalCluster implements AutoCloseable {
  public static final String BIN_DIR_PROPERTY = "colony.bin.dir";
  public static final String BIN_DIR_ENV = "COLONY_BIN_DIR";
  private static final long START_TIMEOUT_MS = 30_000;
  private static final long STOP_TIMEOUT_MS = 5_000;

  private final Path binDir;
  private final Path sessionDir;
  private final String nodeIp;
  private final String token;
  private final List<Process> processes = new ArrayList<>();
  private String gcsAddress;
  private String rayletAddress;

  private LocalCluster(Path binDir, Path sessionDir, String nodeIp) {
    this.binDir = binDir;
    this.sessionDir = sessionDir;
    this.nodeIp = nodeIp;
    byte[] secret = new byte[16];
    new SecureRandom().nextBytes(secret);
    this.token = HexFormat.of().formatHex(secret);
  }

  /**
   * Starts a GCS and a raylet; {@code numCpus} null lets the raylet count hardware threads.
   *
   * @throws ColonyException naming the process that failed and the end of its log
   */
  public static LocalCluster start(Path binDir, Path sessionRoot, String nodeIp, Integer numCpus) {
    LocalCluster cluster = new LocalCluster(binDir, newSessionDir(sessionRoot), nodeIp);
    try {
      cluster.gcsAddress = cluster.startDaemon("colony-gcs", "gcs", List.of("--port", "0"));
      List<String> raylet = new ArrayList<>(List.of("--gcs-address", cluster.gcsAddress));
      raylet.addAll(List.of("--node-ip", nodeIp));
      if (numCpus != null) {
        raylet.addAll(List.of("--num-cpus", numCpus.toString()));
      }
      cluster.rayletAddress = cluster.startDaemon("colony-raylet", "raylet", raylet);
      return cluster;
    } catch (RuntimeException e) {
      cluster.close();
      throw e;
    }
  }

  /** {@code -Dcolony.bin.dir}, else {@code $COLONY_BIN_DIR}; throws if neither is set. */
  public static Path binDirFromEnvironment() {
    String dir = System.getProperty(BIN_DIR_PROPERTY);
    if (dir == null || dir.isEmpty()) {
      dir = System.getenv(BIN_DIR_ENV);
    }
    if (dir == null || dir.isEmpty()) {
      throw new ColonyException(
          "starting a local cluster needs colony-gcs and colony-raylet: set "
              + BIN_DIR_ENV
              + " (or -D"
              + BIN_DIR_PROPERTY
              + ") to their folder, or join a running cluster "
              + "with -Dcolony.address=HOST:PORT");
    }
    return Paths.get(dir);
  }

  /**
   * This user's private folder ({@link StateDir}: 0700, refused if another user owns it), where
   * Python drivers put sessions too.
   */
  public static Path defaultSessionRoot() {
    return StateDir.path(System.getenv());
  }

  public String gcsAddress() {
    return gcsAddress;
  }

  public String rayletAddress() {
    return rayletAddress;
  }

  public String token() {
    return token;
  }

  public Path sessionDir() {
    return sessionDir;
  }

  /** Stops the raylet, then the GCS: SIGTERM, then SIGKILL after 5 s. */
  @Override
  public void close() {
    for (int i = processes.size() - 1; i >= 0; i--) {
      stop(processes.get(i));
    }
    processes.clear();
  }

  private static void stop(Process process) {
    process.destroy();
    try {
      if (!process.waitFor(STOP_TIMEOUT_MS, TimeUnit.MILLISECONDS)) {
        process.destroyForcibly().waitFor();
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }

  private static Path newSessionDir(Path root) {
    try {
      if (root.getParent() != null) {
        Files.createDirectories(root.getParent());
      }
      StateDir.ensure(root);
      String stamp = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyy-MM-dd_HH-mm-ss"));
      // Created exclusively (and 0700): two sessions never share port files.
      Path dir = Files.createTempDirectory(root, "session_" + stamp + "_");
      Files.createDirectories(dir.resolve("logs"));
      return dir;
    } catch (IOException e) {
      throw new ColonyException("could not create a session folder in " + root + ": " + e, e);
    }
  }

  /** Starts a daemon and waits for the port it writes once it serves; returns IP:PORT. */
  private String startDaemon(String binary, String name, List<String> args) {
    Path portFile = sessionDir.resolve(name + ".port");
    Path log = sessionDir.resolve("logs").resolve(name + ".log");
    List<String> command = new ArrayList<>();
    command.add(binDir.resolve(binary).toString());
    command.addAll(args);
    command.addAll(List.of("--port-file", portFile.toString()));
    command.addAll(List.of("--session-dir", sessionDir.toString()));
    ProcessBuilder builder =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    builder.environment().put(ClusterAddress.TOKEN_ENV, token);
    // A JVM cannot make its children die with it: the daemons watch this pid themselves.
    builder.environment().put("COLONY_EXIT_WITH_PID", Long.toString(ProcessHandle.current().pid()));
    Process process;
    try {
      process = builder.start();
      process.getOutputStream().close();
    } catch (IOException e) {
      throw new ColonyException("could not start " + command.get(0) + ": " + e, e);
    }
    processes.add(process);
    return nodeIp + ":" + waitForPort(portFile, process, binary, log);
  }

  private static int waitForPort(Path portFile, Process process, String binary, Path log) {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(START_TIMEOUT_MS);
    while (System.nanoTime() < deadline) {
      String port = readTrimmed(portFile);
      if (!port.isEmpty()) {
        return Integer.parseInt(port);
      }
      if (!process.isAlive()) {
        throw new ColonyException(
            binary
                + " exited with code "
                + process.exitValue()
                + " while starting; its log "
                + log
                + " ends with:\n"
                + tail(log));
      }
      sleep(10);
    }
    throw new ColonyException(
        binary
            + " did not start within "
            + START_TIMEOUT_MS / 1000
            + " s; see "
            + log
            + ":\n"
            + tail(log));
  }

  private static String readTrimmed(Path file) {
    try {
      return Files.readString(file, StandardCharsets.UTF_8).trim();
    } catch (IOException e) {
      return "";
    }
  }

  private static String tail(Path log) {
    try {
      List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
    } catch (IOException e) {
      return "";
    }
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ColonyException("interrupted while starting the local cluster");
    }
  }
}
