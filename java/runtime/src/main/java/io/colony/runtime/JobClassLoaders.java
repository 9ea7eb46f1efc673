package io.colony.runtime;

import io.colony.api.exception.ColonyException;
import java.io.File;
import java.io.IOException;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;

/**
 * The class loader of a job's code on a worker: the job's code search path (folders, jars, and
 * {@code folder/*} for every jar in a folder) on top of the runtime's own classes.
 */
final class JobClassLoaders {
  private JobClassLoaders() {}

  /** {@code parent} itself when the path is empty. */
  static ClassLoader create(List<String> codeSearchPath, ClassLoader parent) {
    if (codeSearchPath.isEmpty()) {
      return parent;
    }
    List<URL> urls = new ArrayList<>();
    for (String entry : codeSearchPath) {
      for (Path path : expand(entry)) {
        urls.add(toUrl(path));
      }
    }
    return new URLClassLoader("colony-job", urls.toArray(new URL[0]), parent);
  }

  /** Entries of a {@link File#pathSeparator}-separated path; empty ones are skipped. */
  static List<String> split(String path) {
    List<String> entries = new ArrayList<>();
    if (path != null) {
      for (String entry : path.split(File.pathSeparator)) {
        if (!entry.isEmpty()) {
          entries.add(entry);
        }
      }
    }
    return entries;
  }

  private static List<Path> expand(String entry) {
    if (!entry.endsWith("/*")) {
      return List.of(Paths.get(entry));
    }
    List<Path> jars = new ArrayList<>();
    Path dir = Paths.get(entry.substring(0, entry.length() - 2));
    try (DirectoryStream<Path> stream = Files.newDirectoryStream(dir, "*.jar")) {
      stream.forEach(jars::add);
    } catch (IOException e) {
      throw new ColonyException("could not list the jars of code search path entry " + entry, e);
    }
    jars.sort(null); // a stable order, so the same class wins on every worker
    return jars;
  }

  private static URL toUrl(Path path) {
    try {
      return path.toAbsolutePath().toUri().toURL();
    } catch (MalformedURLException e) {
      throw new ColonyException("bad code search path entry " + path, e);
    }
  }
}
