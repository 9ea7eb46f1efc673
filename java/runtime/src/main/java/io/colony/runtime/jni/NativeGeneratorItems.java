package io.colony.runtime.jni;

import io.colony.runtime.object.GeneratorItems;
import java.util.Arrays;

/** {@link GeneratorItems} over the core worker's generator tracker. */
public final class NativeGeneratorItems implements GeneratorItems {
  private final long worker;

  public NativeGeneratorItems(long worker) {
    this.worker = worker;
  }

  @Override
  public Next next(byte[] taskId, long index, long timeoutMs) {
    byte[] found = NativeCoreWorker.generatorNext(worker, taskId, index, timeoutMs);
    switch (found[0]) {
      case NativeCoreWorker.GENERATOR_ITEM:
        return new Next(Kind.ITEM, Arrays.copyOfRange(found, 1, found.length));
      case NativeCoreWorker.GENERATOR_END:
        return new Next(Kind.END, null);
      case NativeCoreWorker.GENERATOR_TIMED_OUT:
        return new Next(Kind.TIMED_OUT, null);
      default:
        return new Next(Kind.UNKNOWN, null);
    }
  }

  @Override
  public void consumed(byte[] taskId, long index) {
    NativeCoreWorker.generatorConsumed(worker, taskId, index);
  }

  @Override
  public void stop(byte[] taskId, boolean forget) {
    NativeCoreWorker.generatorStop(worker, taskId, forget);
  }
}
