package io.colony.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.io.File;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JobClassLoadersTest {
  @TempDir Path dir;

  @Test
  void emptyPathIsTheParent() {
    ClassLoader parent = getClass().getClassLoader();
    assertSame(parent, JobClassLoaders.create(List.of(), parent));
  }

  @Test
  void pathIsSplitWithoutEmptyEntries() {
    String sep = File.pathSeparator;
    assertEquals(List.of("/a", "/b.jar"), JobClassLoaders.split("/a" + sep + sep + "/b.jar"));
    assertEquals(List.of(), JobClassLoaders.split(null));
  }

  @Test
  void folderWildcardAddsItsJarsInOrder() throws Exception {
    Files.write(dir.resolve("b.jar"), new byte[0]);
    Files.write(dir.resolve("a.jar"), new byte[0]);
    Files.write(dir.resolve("notes.txt"), new byte[0]);
    URLClassLoader loader =
        (URLClassLoader) JobClassLoaders.create(List.of(dir + "/*", dir.toString()), null);
    URL[] urls = loader.getURLs();
    assertEquals(3, urls.length);
    assertEquals(dir.resolve("a.jar").toUri().toURL(), urls[0]);
    assertEquals(dir.resolve("b.jar").toUri().toURL(), urls[1]);
  }
}
