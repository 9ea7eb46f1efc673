package io.colony.runtime.arrow;

import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;

/**
 * The allocator of the Arrow data Colony reads and writes in this JVM. Vectors read from shared
 * memory are accounted here too (as foreign allocations) until they are closed.
 */
public final class ArrowMemory {
  private static final class Holder {
    static final BufferAllocator ROOT = new RootAllocator();
  }

  private ArrowMemory() {}

  public static BufferAllocator allocator() {
    return Holder.ROOT;
  }
}
