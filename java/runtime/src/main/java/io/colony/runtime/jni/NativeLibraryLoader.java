package io.colony.runtime.jni;

import io.colony.api.exception.ColonyException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.util.Locale;

/**
 * Loads {@code libcolony_jni.so}: from {@code -Dcolony.jni.path=/path/to/lib} if given (a
 * development build), else extracted from the runtime jar's {@code native/<platform>/} to a
 * temporary folder, since {@link System#load} needs a file.
 */
public final class NativeLibraryLoader {
  public static final String PATH_PROPERTY = "colony.jni.path";
  public static final String LIBRARY_NAME = "libcolony_jni.so";

  private static boolean loaded;

  private NativeLibraryLoader() {}

  /** Loads the library once per JVM; throws ColonyException saying where it looked. */
  public static synchronized void load() {
    if (loaded) {
      return;
    }
    Path library =
        locate(System.getProperty(PATH_PROPERTY), NativeLibraryLoader.class.getClassLoader());
    try {
      System.load(library.toString());
    } catch (UnsatisfiedLinkError e) {
      throw new ColonyException("could not load the Colony JNI library " + library + ": " + e, e);
    }
    loaded = true;
  }

  /** The library file to load: the override, else the jar's copy extracted to a file. */
  static Path locate(String override, ClassLoader loader) {
    if (override != null && !override.isEmpty()) {
      Path path = Paths.get(override).toAbsolutePath();
      if (!Files.isRegularFile(path)) {
        throw new ColonyException("-D" + PATH_PROPERTY + "=" + override + " does not name a file");
      }
      return path;
    }
    String resource = resourcePath();
    try (InputStream in = loader.getResourceAsStream(resource)) {
      if (in == null) {
        throw new ColonyException(
            "the Colony JNI library is not in the runtime jar ("
                + resource
                + "); build it into the jar with -Dcolony.native.dir=<folder of "
                + LIBRARY_NAME
                + ">, or run with -D"
                + PATH_PROPERTY
                + "=/path/to/"
                + LIBRARY_NAME);
      }
      return extract(in);
    } catch (IOException e) {
      throw new ColonyException("could not extract " + resource + ": " + e, e);
    }
  }

  /** {@code native/linux-x86_64/libcolony_jni.so} on the platform the library is built for. */
  static String resourcePath() {
    return "native/" + platform() + "/" + LIBRARY_NAME;
  }

  static String platform() {
    String os = System.getProperty("os.name").toLowerCase(Locale.ROOT).replace(" ", "");
    String arch = System.getProperty("os.arch").toLowerCase(Locale.ROOT);
    if (arch.equals("amd64") || arch.equals("x86_64")) {
      arch = "x86_64";
    } else if (arch.equals("arm64")) {
      arch = "aarch64";
    }
    return os + "-" + arch;
  }

  private static Path extract(InputStream in) throws IOException {
    Path dir = Files.createTempDirectory("colony-jni-");
    Path target = dir.resolve(LIBRARY_NAME);
    Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
    // Deleted in reverse order of registration: the file, then its folder.
    dir.toFile().deleteOnExit();
    target.toFile().deleteOnExit();
    return target;
  }
}
