package io.colony.runtime.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.colony.api.exception.ColonyException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipalLookupService;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StateDirTest {
  @TempDir Path tmp;

  private static String mode(Path p) throws Exception {
    return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
  }

  @Test
  void createsAnOwnerOnlyFolder() throws Exception {
    Path dir = StateDir.ensure(tmp.resolve("state"));
    assertEquals("rwx------", mode(dir));
  }

  @Test
  void tightensOurOwnLooseFolder() throws Exception {
    Path dir = Files.createDirectory(tmp.resolve("state"));
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxrwx"));
    StateDir.ensure(dir);
    assertEquals("rwx------", mode(dir));
  }

  @Test
  void refusesALink() throws Exception {
    Path target = Files.createDirectory(tmp.resolve("target"));
    Path link = Files.createSymbolicLink(tmp.resolve("state"), target);
    ColonyException e = assertThrows(ColonyException.class, () -> StateDir.ensure(link));
    assertTrue(e.getMessage().contains("not a link"), e.getMessage());
  }

  @Test
  void refusesAFolderOfAnotherUser() throws Exception {
    assumeTrue(StateDir.currentUid() == 0, "needs root to chown to nobody");
    Path dir = Files.createDirectory(tmp.resolve("state"));
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
    UserPrincipalLookupService users = dir.getFileSystem().getUserPrincipalLookupService();
    Files.setOwner(dir, users.lookupPrincipalByName("nobody"));
    ColonyException e = assertThrows(ColonyException.class, () -> StateDir.ensure(dir));
    assertTrue(e.getMessage().contains("belongs to uid 65534"), e.getMessage());
  }
}
