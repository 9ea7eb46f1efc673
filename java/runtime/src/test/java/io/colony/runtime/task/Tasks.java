package io.colony.runtime.task;

import com.google.protobuf.ByteString;
import io.colony.runtime.generated.Common.TaskArg;
import io.colony.runtime.generated.Common.TaskSpec;
import io.colony.runtime.generated.Common.TaskType;
import io.colony.runtime.object.Refs;
import java.util.concurrent.atomic.AtomicInteger;

/** What the core worker adds to a spec before it reaches an executor, for tests. */
final class Tasks {
  private static final AtomicInteger NEXT_ID = new AtomicInteger(1);

  private Tasks() {}

  static TaskSpec submitted(TaskSpec spec, TaskType type) {
    return spec.toBuilder()
        .setTaskId(ByteString.copyFrom(Refs.id(NEXT_ID.getAndIncrement(), 16)))
        .setType(type)
        .build();
  }

  /** The inline arguments' metadata, as the core hands them to the executor. */
  static byte[][] metadata(TaskSpec spec) {
    return spec.getArgsList().stream()
        .map(a -> value(a).getMetadata().toByteArray())
        .toArray(byte[][]::new);
  }

  static byte[][] data(TaskSpec spec) {
    return spec.getArgsList().stream()
        .map(a -> value(a).getData().toByteArray())
        .toArray(byte[][]::new);
  }

  private static io.colony.runtime.generated.Common.ObjectValue value(TaskArg arg) {
    if (!arg.hasValue()) {
      throw new IllegalArgumentException("test specs pass arguments inline");
    }
    return arg.getValue();
  }
}
