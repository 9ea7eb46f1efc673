package io.colony.api.options;

/** Options of one actor method call. */
public final class ActorCallOptions {
  private final String name;

  private ActorCallOptions(Builder builder) {
    this.name = builder.name;
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

    private Builder() {}

    public Builder setName(String name) {
      this.name = Checks.nonEmpty("name", name);
      return this;
    }

    public ActorCallOptions build() {
      return new ActorCallOptions(this);
    }
  }
}
