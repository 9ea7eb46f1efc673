package io.colony.runtime.arrow;

import io.colony.runtime.jni.SharedBytes;
import org.apache.arrow.memory.ForeignAllocation;

/**
 * A shared-memory object as Arrow memory: when the last buffer sliced from it is closed, the
 * object is given back to the store.
 */
final class SharedAllocation extends ForeignAllocation {
  private final SharedBytes shared;

  SharedAllocation(SharedBytes shared) {
    super(shared.size(), shared.address());
    this.shared = shared;
  }

  @Override
  protected void release0() {
    shared.release();
  }
}
