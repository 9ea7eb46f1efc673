package io.colony.api.options;

import io.colony.api.scheduling.SchedulingStrategy;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Options of a task call. Tasks ask for one CPU unless {@code setResource("CPU", n)} says otherwise
 * (0 frees them from CPU accounting), and are retried 3 times if their worker dies.
 */
public final class CallOptions {
  public static final int DEFAULT_MAX_RETRIES = 3;

  private final Map<String, Double> resources;
  private final int maxRetries;
  private final boolean retryExceptions;
  private final String name;
  private final SchedulingStrategy schedulingStrategy;
  private final long generatorBackpressureNumObjects;

  private CallOptions(Builder builder) {
    this.resources = Collections.unmodifiableMap(new LinkedHashMap<>(builder.resources));
    this.maxRetries = builder.maxRetries;
    this.retryExceptions = builder.retryExceptions;
    this.name = builder.name;
    this.schedulingStrategy = builder.schedulingStrategy;
    this.generatorBackpressureNumObjects = builder.generatorBackpressureNumObjects;
  }

  /** A streaming task pauses after this many items its caller has not taken; 0: no limit. */
  public long getGeneratorBackpressureNumObjects() {
    return generatorBackpressureNumObjects;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Resource name to amount; may hold zero amounts, which request nothing. */
  public Map<String, Double> getResources() {
    return resources;
  }

  public int getMaxRetries() {
    return maxRetries;
  }

  public boolean isRetryExceptions() {
    return retryExceptions;
  }

  /** The task's display name, or null for {@code Class.method}. */
  public String getName() {
    return name;
  }

  /** Where the task may run, or null for the default policy. */
  public SchedulingStrategy getSchedulingStrategy() {
    return schedulingStrategy;
  }

  /** Collects and checks task options; every setter rejects bad values at once. */
  public static final class Builder {
    private final Map<String, Double> resources = new LinkedHashMap<>(Map.of("CPU", 1.0));
    private int maxRetries = DEFAULT_MAX_RETRIES;
    private boolean retryExceptions;
    private String name;
    private SchedulingStrategy schedulingStrategy;
    private long generatorBackpressureNumObjects;

    private Builder() {}

    /** For streaming calls: items the caller may leave untaken before the task pauses. */
    public Builder setGeneratorBackpressureNumObjects(long items) {
      this.generatorBackpressureNumObjects = Checks.backpressure(items);
      return this;
    }

    public Builder setResource(String name, double amount) {
      Checks.resource(name, amount);
      resources.put(name, amount);
      return this;
    }

    /** How often the task is re-run when its worker dies; -1 retries forever. */
    public Builder setMaxRetries(int maxRetries) {
      this.maxRetries = Checks.atLeast("maxRetries", maxRetries, -1, ">= 0, or -1 for no limit");
      return this;
    }

    /** Also retry (up to maxRetries) when the task throws an exception. */
    public Builder setRetryExceptions(boolean retryExceptions) {
      this.retryExceptions = retryExceptions;
      return this;
    }

    public Builder setName(String name) {
      this.name = Checks.nonEmpty("name", name);
      return this;
    }

    /** Where the task may run; null restores the default policy. */
    public Builder setSchedulingStrategy(SchedulingStrategy schedulingStrategy) {
      this.schedulingStrategy = schedulingStrategy;
      return this;
    }

    public CallOptions build() {
      return new CallOptions(this);
    }
  }
}
