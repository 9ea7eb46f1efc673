package io.colony.api;

import io.colony.api.function.ColonyFunc;
import io.colony.api.function.PyFunction;
import io.colony.api.options.CallOptions;
import io.colony.api.runtime.RuntimeHolder;
import io.colony.api.scheduling.SchedulingStrategy;
import java.util.Objects;

/**
 * A task call being prepared: set options, then {@link #remote()} submits it.
 *
 * <pre>{@code
 * ObjectRef<Integer> ref = Colony.task(MyJob::square, 3).setResource("CPU", 2).remote();
 * }</pre>
 *
 * <p>The function is a Java method reference or, for a cross-language call, a {@link PyFunction}.
 *
 * @param <R> the task's return type ({@link Void} for void methods)
 */
public final class TaskCaller<R> {
  private final ColonyFunc function; // exactly one of function and pyFunction is set
  private final PyFunction<R> pyFunction;
  private final Object[] args;
  private final CallOptions.Builder options = CallOptions.builder();

  TaskCaller(ColonyFunc function, Object[] args) {
    this.function = Colony.checkFunction(function);
    this.pyFunction = null;
    this.args = args;
  }

  TaskCaller(PyFunction<R> function, Object[] args) {
    this.function = null;
    this.pyFunction = Objects.requireNonNull(function, "the Python function must not be null");
    this.args = Colony.checkArgs(args);
  }

  /** Asks for {@code amount} of a resource ("CPU", "GPU", "memory" or a custom one). */
  public TaskCaller<R> setResource(String name, double amount) {
    options.setResource(name, amount);
    return this;
  }

  /** How often the task is re-run when its worker dies; -1 retries forever. Default 3. */
  public TaskCaller<R> setMaxRetries(int maxRetries) {
    options.setMaxRetries(maxRetries);
    return this;
  }

  /** Also retry (up to maxRetries) when the task throws an exception. */
  public TaskCaller<R> setRetryExceptions(boolean retryExceptions) {
    options.setRetryExceptions(retryExceptions);
    return this;
  }

  /** The task's display name; default {@code Class.method}. */
  public TaskCaller<R> setName(String name) {
    options.setName(name);
    return this;
  }

  /**
   * Where the task may run: {@link io.colony.api.scheduling.NodeLabelSchedulingStrategy}, {@link
   * io.colony.api.scheduling.NodeAffinitySchedulingStrategy} or {@link
   * SchedulingStrategy#spread()}; null (the default) packs, then spreads.
   */
  public TaskCaller<R> setSchedulingStrategy(SchedulingStrategy strategy) {
    options.setSchedulingStrategy(strategy);
    return this;
  }

  /**
   * For {@link #remoteGenerator()}: the task pauses once its caller has this many items it has not
   * taken (0, the default: no limit).
   */
  public TaskCaller<R> setGeneratorBackpressureNumObjects(long items) {
    options.setGeneratorBackpressureNumObjects(items);
    return this;
  }

  /**
   * Submits the task as a streaming generator: the function returns an {@link java.util.Iterator},
   * {@link Iterable} or {@link java.util.stream.Stream} (a Python callee: a generator), and each
   * item becomes available to the caller as soon as it is produced. {@code T} is the items' type.
   */
  public <T> ObjectRefGenerator<T> remoteGenerator() {
    if (pyFunction != null) {
      return RuntimeHolder.get().submitPythonGenerator(pyFunction, args, options.build());
    }
    return RuntimeHolder.get().submitGenerator(function, args, options.build());
  }

  /** Submits the task; its result will be the object of the returned ref. */
  public ObjectRef<R> remote() {
    if (pyFunction != null) {
      return RuntimeHolder.get().submitPythonTask(pyFunction, args, options.build());
    }
    return RuntimeHolder.get().submitTask(function, args, options.build());
  }
}
