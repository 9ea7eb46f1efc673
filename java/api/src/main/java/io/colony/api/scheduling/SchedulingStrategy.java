package io.colony.api.scheduling;

/**
 * Where a task or actor may run ({@code setSchedulingStrategy} on task and actor options); unset,
 * the default policy packs work onto the submitting node until it is busy, then spreads it
 * (docs/scheduling.md). The runtime turns each kind into the core's {@code SchedulingStrategy}
 * message, the one the Python SDK's strategies become.
 */
public interface SchedulingStrategy {
  /** Takes turns over the nodes that fit, as Python's {@code "SPREAD"}. */
  static SchedulingStrategy spread() {
    return SpreadSchedulingStrategy.INSTANCE;
  }
}
