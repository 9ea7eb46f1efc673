package io.colony.runtime.jni;

import java.lang.ref.Cleaner;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The bytes of an object in the node's shared-memory store, mapped in this process: what the
 * native side hands Java instead of a copy for values that live there. The object stays mapped and
 * referenced until {@link #release()}; Arrow values keep it until their buffers are closed, other
 * values are copied out and released at once.
 *
 * <p>Made by the native side ({@code SharedToJava} in {@code colony_jni.cc}).
 */
public final class SharedBytes {
  private static final Cleaner CLEANER = Cleaner.create();

  private final ByteBuffer buffer;
  private final long address;
  private final Release release;
  private final Cleaner.Cleanable cleanable;

  /**
   * @param buffer a direct buffer over the mapped bytes
   * @param address where they start in this process
   * @param handle what {@link NativeCoreWorker#releaseShared} takes to drop the reference
   */
  SharedBytes(ByteBuffer buffer, long address, long handle) {
    this.buffer = buffer.asReadOnlyBuffer().order(ByteOrder.LITTLE_ENDIAN);
    this.address = address;
    this.release = new Release(handle);
    // A holder that forgets to release still lets the object go once this is unreachable.
    this.cleanable = CLEANER.register(this, release);
  }

  /** A read-only, little-endian view of the bytes (position 0, limit the size). */
  public ByteBuffer buffer() {
    return buffer.duplicate().order(ByteOrder.LITTLE_ENDIAN);
  }

  public long size() {
    return buffer.capacity();
  }

  /** The address of the first byte in this process. */
  public long address() {
    return address;
  }

  /** A heap copy of the bytes; this object is released. */
  public byte[] copyAndRelease() {
    byte[] copy = new byte[buffer.capacity()];
    buffer().get(copy);
    release();
    return copy;
  }

  /** Gives the object back to the store (once; later calls do nothing). */
  public void release() {
    cleanable.clean();
  }

  private static final class Release implements Runnable {
    private final long handle;
    private final AtomicBoolean done = new AtomicBoolean();

    Release(long handle) {
      this.handle = handle;
    }

    @Override
    public void run() {
      if (done.compareAndSet(false, true)) {
        NativeCoreWorker.releaseShared(handle);
      }
    }
  }
}
