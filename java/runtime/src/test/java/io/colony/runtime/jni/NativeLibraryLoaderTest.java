package io.colony.runtime.jni;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.colony.api.exception.ColonyException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NativeLibraryLoaderTest {
  @TempDir Path dir;

  @Test
  void overridePathIsUsedAsIs() throws Exception {
    Path lib = Files.write(dir.resolve("libcolony_jni.so"), new byte[] {1});
    assertEquals(lib, NativeLibraryLoader.locate(lib.toString(), emptyLoader()));
  }

  @Test
  void overrideThatIsNoFileSaysSo() {
    ColonyException e =
        assertThrows(
            ColonyException.class,
            () -> NativeLibraryLoader.locate("/nonexistent/libcolony_jni.so", emptyLoader()));
    assertEquals(
        "-Dcolony.jni.path=/nonexistent/libcolony_jni.so does not name a file", e.getMessage());
  }

  @Test
  void libraryInTheJarIsExtractedToAFile() throws Exception {
    Path resource = dir.resolve(NativeLibraryLoader.resourcePath());
    Files.createDirectories(resource.getParent());
    Files.write(resource, new byte[] {7, 8, 9});
    try (URLClassLoader jar = new URLClassLoader(new URL[] {dir.toUri().toURL()}, null)) {
      Path extracted = NativeLibraryLoader.locate(null, jar);
      assertNotEquals(resource, extracted);
      assertEquals("libcolony_jni.so", extracted.getFileName().toString());
      assertArrayEquals(new byte[] {7, 8, 9}, Files.readAllBytes(extracted));
    }
  }

  @Test
  void missingLibraryNamesBothWaysToProvideIt() throws Exception {
    try (URLClassLoader empty = emptyLoader()) {
      ColonyException e =
          assertThrows(ColonyException.class, () -> NativeLibraryLoader.locate("", empty));
      assertTrue(e.getMessage().contains(NativeLibraryLoader.resourcePath()), e.getMessage());
      assertTrue(e.getMessage().contains("-Dcolony.native.dir="), e.getMessage());
      assertTrue(e.getMessage().contains("-Dcolony.jni.path="), e.getMessage());
    }
  }

  @Test
  void platformOfThisBuildMachine() {
    assertEquals("native/linux-x86_64/libcolony_jni.so", NativeLibraryLoader.resourcePath());
  }

  private static URLClassLoader emptyLoader() {
    return new URLClassLoader(new URL[0], null);
  }
}
