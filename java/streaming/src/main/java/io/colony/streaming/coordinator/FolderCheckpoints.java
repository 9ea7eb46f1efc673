package io.colony.streaming.coordinator;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Checkpoints as files (CheckpointConfig.FOLDER): {@code <folder>/<job>/chk-<id>/<instance>.state}
 * and the plan, then a {@code LATEST} file naming the id, replaced atomically: a checkpoint counts
 * once LATEST names it, so a crash while writing leaves the previous one. A new driver resumes from
 * it ({@code StreamingContext.resume()}). Older checkpoints are removed.
 */
final class FolderCheckpoints implements CheckpointStore {
  private final Path root;
  private final String planJson;

  FolderCheckpoints(String folder, String job, String planJson) {
    this.root = Paths.get(folder).toAbsolutePath().resolve(job);
    this.planJson = planJson;
  }

  @Override
  public void save(long id, Map<String, byte[]> states) throws IOException {
    Path dir = root.resolve("chk-" + id);
    Files.createDirectories(dir);
    for (Map.Entry<String, byte[]> e : states.entrySet()) {
      Files.write(dir.resolve(e.getKey().replace(':', '_') + ".state"), e.getValue());
    }
    Files.write(dir.resolve("plan.json"), planJson.getBytes(UTF_8));
    Path tmp = root.resolve("LATEST.tmp");
    Files.write(tmp, Long.toString(id).getBytes(UTF_8));
    Files.move(tmp, root.resolve("LATEST"), StandardCopyOption.ATOMIC_MOVE);
    removeOlderThan(id);
  }

  private void removeOlderThan(long id) throws IOException {
    try (Stream<Path> dirs = Files.list(root)) {
      for (Path dir : (Iterable<Path>) dirs::iterator) {
        String name = dir.getFileName().toString();
        if (name.startsWith("chk-") && Long.parseLong(name.substring(4)) < id) {
          try (Stream<Path> files = Files.list(dir)) {
            for (Path f : (Iterable<Path>) files::iterator) {
              Files.deleteIfExists(f);
            }
          }
          Files.deleteIfExists(dir);
        }
      }
    }
  }

  @Override
  public Optional<Checkpoint> latest() throws IOException {
    Path latest = root.resolve("LATEST");
    if (!Files.exists(latest)) {
      return Optional.empty();
    }
    long id = Long.parseLong(new String(Files.readAllBytes(latest), UTF_8).trim());
    Path dir = root.resolve("chk-" + id);
    Map<String, byte[]> states = new HashMap<>();
    try (Stream<Path> files = Files.list(dir)) {
      for (Path f : (Iterable<Path>) files::iterator) {
        String name = f.getFileName().toString();
        if (name.endsWith(".state")) {
          String key = name.substring(0, name.length() - ".state".length()).replace('_', ':');
          states.put(key, Files.readAllBytes(f));
        }
      }
    }
    return Optional.of(new Checkpoint(id, states));
  }
}
