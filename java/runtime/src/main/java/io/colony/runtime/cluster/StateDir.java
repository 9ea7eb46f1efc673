package io.colony.runtime.cluster;

import io.colony.api.exception.ColonyException;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.Set;

/**
 * This user's private Colony folder, the same one the Python side uses: {@code
 * $COLONY_STATE_DIR}, else {@code $TMPDIR/colony-<uid>} (or {@code /tmp/colony-<uid>}). It holds
 * the cluster file with the cluster token and the session folders, so it must be mode 0700 and
 * belong to this user: one of another user is refused, ours with a looser mode is tightened.
 */
public final class StateDir {
  public static final String ENV = "COLONY_STATE_DIR";
  private static final Set<PosixFilePermission> OWNER_ONLY =
      PosixFilePermissions.fromString("rwx------");

  private StateDir() {}

  /** Where the folder is for this environment (not created). */
  public static Path path(Map<String, String> env) {
    String chosen = env.getOrDefault(ENV, "");
    if (!chosen.isEmpty()) {
      return Paths.get(chosen);
    }
    String tmp = env.getOrDefault("TMPDIR", "");
    return Paths.get(tmp.isEmpty() ? "/tmp" : tmp, "colony-" + currentUid());
  }

  /** The folder for the real environment, created or checked by {@link #ensure}. */
  public static Path ensure() {
    return ensure(path(System.getenv()));
  }

  /** Creates {@code dir} as a 0700 folder of this user, or checks that it is one. */
  public static Path ensure(Path dir) {
    try {
      try {
        // Created with its mode in one step: nobody sees it with a looser one.
        Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
      } catch (FileAlreadyExistsException e) {
        // checked below
      }
      PosixFileAttributes attrs =
          Files.readAttributes(dir, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
      if (!attrs.isDirectory()) {
        throw new ColonyException(
            "cannot use " + dir + " as Colony's private folder: it must be a folder, not a link "
                + "or a file; set " + ENV + " to use another");
      }
      int owner = (Integer) Files.getAttribute(dir, "unix:uid", LinkOption.NOFOLLOW_LINKS);
      int me = currentUid();
      if (owner != me) {
        throw new ColonyException(
            "refusing to use " + dir + ": it belongs to uid " + owner + ", not to this user (uid "
                + me + "); another user may have created it to read your cluster token. Remove it "
                + "or set " + ENV + " to a folder of yours");
      }
      if (!attrs.permissions().equals(OWNER_ONLY)) {
        Files.setPosixFilePermissions(dir, OWNER_ONLY);
      }
      return dir;
    } catch (IOException e) {
      throw new ColonyException("cannot use " + dir + " as Colony's private folder: " + e, e);
    }
  }

  /** The effective uid of this process: the owner of /proc/self. */
  static int currentUid() {
    try {
      return (Integer) Files.getAttribute(Paths.get("/proc/self"), "unix:uid");
    } catch (IOException e) {
      throw new ColonyException("cannot find this process's uid: " + e, e);
    }
  }
}
