package io.colony.api.options;

import io.colony.api.scheduling.SchedulingStrategy;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Options of an actor. Actors hold no CPU unless {@code setResource("CPU", n)} asks for it (as in
 * Ray), so many fit on a small node; they are not restarted and run one call at a time.
 */
public final class ActorCreationOptions {
  private final String name;
  private final String namespace;
  private final ActorLifetime lifetime;
  private final Map<String, Double> resources;
  private final int maxRestarts;
  private final int maxTaskRetries;
  private final int maxConcurrency;
  private final int maxPendingCalls;
  private final boolean getIfExists;
  private final List<String> jvmOptions;
  private final SchedulingStrategy schedulingStrategy;
  private final Map<String, Integer> concurrencyGroups;

  private ActorCreationOptions(Builder builder) {
    this.name = builder.name;
    this.namespace = builder.namespace;
    this.lifetime = builder.lifetime;
    this.resources = Collections.unmodifiableMap(new LinkedHashMap<>(builder.resources));
    this.maxRestarts = builder.maxRestarts;
    this.maxTaskRetries = builder.maxTaskRetries;
    this.maxConcurrency = builder.maxConcurrency;
    this.maxPendingCalls = builder.maxPendingCalls;
    this.getIfExists = builder.getIfExists;
    this.jvmOptions = List.copyOf(builder.jvmOptions);
    this.schedulingStrategy = builder.schedulingStrategy;
    this.concurrencyGroups =
        Collections.unmodifiableMap(new LinkedHashMap<>(builder.concurrencyGroups));
  }

  /** Named concurrency groups and how many calls each runs at once; empty: none. */
  public Map<String, Integer> getConcurrencyGroups() {
    return concurrencyGroups;
  }

  /** Where the actor may be placed, or null for the default policy. */
  public SchedulingStrategy getSchedulingStrategy() {
    return schedulingStrategy;
  }

  /** JVM flags for a JVM of the actor's own; empty: it shares a JVM with other actors. */
  public List<String> getJvmOptions() {
    return jvmOptions;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** The actor's name in its namespace, or null for an anonymous actor. */
  public String getName() {
    return name;
  }

  /** The namespace of a named actor, or null for the job's namespace. */
  public String getNamespace() {
    return namespace;
  }

  public ActorLifetime getLifetime() {
    return lifetime;
  }

  public Map<String, Double> getResources() {
    return resources;
  }

  public int getMaxRestarts() {
    return maxRestarts;
  }

  public int getMaxTaskRetries() {
    return maxTaskRetries;
  }

  public int getMaxConcurrency() {
    return maxConcurrency;
  }

  /** -1 for no limit. */
  public int getMaxPendingCalls() {
    return maxPendingCalls;
  }

  public boolean isGetIfExists() {
    return getIfExists;
  }

  /** Collects and checks actor options; every setter rejects bad values at once. */
  public static final class Builder {
    private String name;
    private String namespace;
    private ActorLifetime lifetime = ActorLifetime.NON_DETACHED;
    private final Map<String, Double> resources = new LinkedHashMap<>();
    private int maxRestarts;
    private int maxTaskRetries;
    private int maxConcurrency = 1;
    private int maxPendingCalls = -1;
    private List<String> jvmOptions = List.of();
    private boolean getIfExists;
    private SchedulingStrategy schedulingStrategy;
    private final Map<String, Integer> concurrencyGroups = new LinkedHashMap<>();

    private Builder() {}

    /**
     * Declares the actor's named concurrency groups: name to how many of its calls run at once
     * (each group on threads of its own, besides the {@code maxConcurrency} of the default one).
     * Replaces groups declared before.
     */
    public Builder setConcurrencyGroups(Map<String, Integer> groups) {
      if (groups == null) {
        throw new IllegalArgumentException("concurrencyGroups must be a map, got null");
      }
      Map<String, Integer> checked = new LinkedHashMap<>();
      groups.forEach(
          (name, concurrency) -> {
            if (name == null || name.isEmpty()) {
              throw new IllegalArgumentException(
                  "concurrencyGroups: group names must be non-empty strings");
            }
            if (concurrency == null || concurrency < 1) {
              throw new IllegalArgumentException(
                  "concurrencyGroups['" + name + "'] must be >= 1, got " + concurrency);
            }
            checked.put(name, concurrency);
          });
      concurrencyGroups.clear();
      concurrencyGroups.putAll(checked);
      return this;
    }

    /** Where the actor may be placed; null restores the default policy. */
    public Builder setSchedulingStrategy(SchedulingStrategy schedulingStrategy) {
      this.schedulingStrategy = schedulingStrategy;
      return this;
    }

    /** Names the actor so that {@code Colony.getActor(name)} finds it. */
    public Builder setName(String name) {
      this.name = Checks.nonEmpty("name", name);
      return this;
    }

    public Builder setNamespace(String namespace) {
      this.namespace = Checks.nonEmpty("namespace", namespace);
      return this;
    }

    public Builder setLifetime(ActorLifetime lifetime) {
      if (lifetime == null) {
        throw new IllegalArgumentException("lifetime must be DETACHED or NON_DETACHED, got null");
      }
      this.lifetime = lifetime;
      return this;
    }

    public Builder setResource(String name, double amount) {
      Checks.resource(name, amount);
      resources.put(name, amount);
      return this;
    }

    /** How often the actor is restarted when its process dies; -1 restarts forever. */
    public Builder setMaxRestarts(int maxRestarts) {
      this.maxRestarts = Checks.atLeast("maxRestarts", maxRestarts, -1, ">= 0, or -1 for no limit");
      return this;
    }

    /** How often a call is resent to a restarted actor; -1 resends forever. */
    public Builder setMaxTaskRetries(int maxTaskRetries) {
      this.maxTaskRetries =
          Checks.atLeast("maxTaskRetries", maxTaskRetries, -1, ">= 0, or -1 for no limit");
      return this;
    }

    /** How many calls may run at once (on that many threads). */
    public Builder setMaxConcurrency(int maxConcurrency) {
      this.maxConcurrency = Checks.atLeast("maxConcurrency", maxConcurrency, 1, ">= 1");
      return this;
    }

    /**
     * How many calls a handle may have pending before further calls throw {@code
     * PendingCallsLimitExceededException}; -1 for no limit.
     */
    public Builder setMaxPendingCalls(int maxPendingCalls) {
      if (maxPendingCalls == 0 || maxPendingCalls < -1) {
        throw new IllegalArgumentException(
            "maxPendingCalls must be >= 1, or -1 for no limit, got " + maxPendingCalls);
      }
      this.maxPendingCalls = maxPendingCalls;
      return this;
    }

    /**
     * Starts the actor in a JVM of its own with these flags (e.g. {@code -Xmx4g}) instead of
     * one it shares with other actors.
     */
    public Builder setJvmOptions(List<String> jvmOptions) {
      for (String option : jvmOptions) {
        if (option == null || option.isBlank()) {
          throw new IllegalArgumentException("jvmOptions must not hold empty entries");
        }
      }
      this.jvmOptions = List.copyOf(jvmOptions);
      return this;
    }

    /** With a name: return the live actor of that name instead of failing. */
    public Builder setGetIfExists(boolean getIfExists) {
      this.getIfExists = getIfExists;
      return this;
    }

    /** Checks the options that depend on each other. */
    public ActorCreationOptions build() {
      if (getIfExists && name == null) {
        throw new IllegalArgumentException("getIfExists needs a name: call setName first");
      }
      return new ActorCreationOptions(this);
    }
  }
}
