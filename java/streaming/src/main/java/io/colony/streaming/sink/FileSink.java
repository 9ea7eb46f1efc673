package io.colony.streaming.sink;

import com.google.gson.Gson;
import io.colony.streaming.function.Sink;
import java.io.BufferedWriter;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Writes each checkpoint's records of an instance as one file of JSON lines, {@code
 * <folder>/part-<instance>-<checkpoint>.jsonl} (the layout of Python's {@code FileSink}, so either
 * language reads the other's output). A staged file ends in {@code .pending} and is renamed at
 * commit, which is atomic on one file system. Records are written with Gson: strings, numbers,
 * booleans, lists, maps and simple objects.
 *
 * <p>Builder: {@code stream.sink(FileSink.class, folder)}.
 */
public final class FileSink<T> implements Sink<T> {
  private static final Gson GSON = new Gson();
  private final Path folder;
  private int instance;

  public FileSink(String folder) {
    this.folder = Paths.get(folder).toAbsolutePath();
  }

  @Override
  public void open(int instance, int parallelism) throws IOException {
    Files.createDirectories(folder);
    this.instance = instance;
  }

  @Override
  public Object stage(long checkpointId, List<T> records) throws IOException {
    Path target = folder.resolve(String.format("part-%04d-%010d.jsonl", instance, checkpointId));
    Path pending = Paths.get(target + ".pending");
    try (FileOutputStream stream = new FileOutputStream(pending.toFile());
        BufferedWriter out =
            new BufferedWriter(new OutputStreamWriter(stream, StandardCharsets.UTF_8))) {
      for (T record : records) {
        out.write(GSON.toJson(record));
        out.write('\n');
      }
      out.flush();
      stream.getFD().sync(); // durable before the checkpoint counts on it
    }
    return target.toString();
  }

  @Override
  public void commit(Object transaction) throws IOException {
    Path target = Paths.get((String) transaction);
    Path pending = Paths.get(target + ".pending");
    if (Files.exists(pending)) {
      Files.move(pending, target, StandardCopyOption.ATOMIC_MOVE);
    }
  }

  /** The committed lines of a FileSink folder, in (instance, checkpoint, line) order. */
  public static List<String> readLines(String folder) throws IOException {
    List<Path> parts = new ArrayList<>();
    try (Stream<Path> files = Files.list(Paths.get(folder))) {
      files
          .filter(p -> p.getFileName().toString().startsWith("part-"))
          .filter(p -> p.getFileName().toString().endsWith(".jsonl"))
          .forEach(parts::add);
    }
    parts.sort(null);
    List<String> lines = new ArrayList<>();
    for (Path part : parts) {
      for (String line : Files.readAllLines(part, StandardCharsets.UTF_8)) {
        if (!line.isBlank()) {
          lines.add(line);
        }
      }
    }
    return lines;
  }
}
