package io.colony.runtime.object;

import com.google.protobuf.ByteString;
import io.colony.runtime.generated.Common.Address;
import java.util.Arrays;

/** Refs and addresses for tests. */
public final class Refs {
  private Refs() {}

  public static byte[] id(int seed, int size) {
    byte[] id = new byte[size];
    Arrays.fill(id, (byte) seed);
    return id;
  }

  public static byte[] address(int port) {
    return Address.newBuilder()
        .setIp("127.0.0.1")
        .setPort(port)
        .setWorkerId(ByteString.copyFrom(id(port, 16)))
        .build()
        .toByteArray();
  }

  public static <T> ObjectRefImpl<T> ref(int seed) {
    return new ObjectRefImpl<>(
        id(seed, ObjectIds.OBJECT_ID_SIZE), address(1000 + seed), ReferenceTracker.NONE);
  }
}
