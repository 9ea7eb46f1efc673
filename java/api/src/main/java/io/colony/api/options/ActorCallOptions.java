package io.colony.api.options;

/** Options of one actor method call. */
public final class ActorCallOptions {
  private final String name;
  private final String concurrencyGroup;
  private final long generatorBackpressureNumObjects;

  private ActorCallOptions(Builder builder) {
    this.name = builder.name;
    this.concurrencyGroup = builder.concurrencyGroup;
    this.generatorBackpressureNumObjects = builder.generatorBackpressureNumObjects;
  }

  /** A streaming call pauses after this many items its caller has not taken; 0: no limit. */
  public long getGeneratorBackpressureNumObjects() {
    return generatorBackpressureNumObjects;
  }

  /** The concurrency group the call runs in, or null for the method's own (or the default). */
  public String getConcurrencyGroup() {
    return concurrencyGroup;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** The call's display name, or null for {@code Class.method}. */
  public String getName() {
    return name;
  }

  /** Collects and checks actor call options. */
  public static final class Builder {
    private String name;
    private String concurrencyGroup;
    private long generatorBackpressureNumObjects;

    private Builder() {}

    /** For streaming calls: items the caller may leave untaken before the call pauses. */
    public Builder setGeneratorBackpressureNumObjects(long items) {
      this.generatorBackpressureNumObjects = Checks.backpressure(items);
      return this;
    }

    public Builder setConcurrencyGroup(String concurrencyGroup) {
      this.concurrencyGroup = Checks.nonEmpty("concurrencyGroup", concurrencyGroup);
      return this;
    }

    public Builder setName(String name) {
      this.name = Checks.nonEmpty("name", name);
      return this;
    }

    public ActorCallOptions build() {
      return new ActorCallOptions(this);
    }
  }
}
