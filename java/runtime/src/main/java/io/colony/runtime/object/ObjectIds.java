package io.colony.runtime.object;

import java.util.HexFormat;

/** The binary ID layouts of {@code src/core_cpp/common/id.h} that Java needs to compute. */
public final class ObjectIds {
  public static final int TASK_ID_SIZE = 16;
  public static final int OBJECT_ID_SIZE = 20;

  private ObjectIds() {}

  /**
   * The ID of a task's return value: the task ID followed by the return index (from 1) as a
   * little-endian uint32, like {@code ObjectID::ForReturn}.
   */
  public static byte[] forReturn(byte[] taskId, int index) {
    if (taskId.length != TASK_ID_SIZE) {
      throw new IllegalArgumentException(
          "a task ID has " + TASK_ID_SIZE + " bytes, got " + taskId.length);
    }
    byte[] id = new byte[OBJECT_ID_SIZE];
    System.arraycopy(taskId, 0, id, 0, TASK_ID_SIZE);
    for (int i = 0; i < 4; i++) {
      id[TASK_ID_SIZE + i] = (byte) (index >>> (8 * i));
    }
    return id;
  }

  /** The task an object ID returns from (its first 16 bytes). */
  public static byte[] taskIdOf(byte[] objectId) {
    if (objectId.length != OBJECT_ID_SIZE) {
      throw new IllegalArgumentException(
          "an object ID has " + OBJECT_ID_SIZE + " bytes, got " + objectId.length);
    }
    return java.util.Arrays.copyOf(objectId, TASK_ID_SIZE);
  }

  public static String hex(byte[] id) {
    return HexFormat.of().formatHex(id);
  }
}
