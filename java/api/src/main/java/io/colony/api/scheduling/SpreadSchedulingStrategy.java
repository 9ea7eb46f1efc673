package io.colony.api.scheduling;

/** Spreads work over the nodes that fit: {@link SchedulingStrategy#spread()}. */
public final class SpreadSchedulingStrategy implements SchedulingStrategy {
  static final SpreadSchedulingStrategy INSTANCE = new SpreadSchedulingStrategy();

  private SpreadSchedulingStrategy() {}

  @Override
  public String toString() {
    return "SPREAD";
  }
}
