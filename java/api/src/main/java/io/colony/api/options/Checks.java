package io.colony.api.options;

/** Argument checks shared by the option builders; messages name the option and the value. */
final class Checks {
  private Checks() {}

  static String nonEmpty(String option, String value) {
    if (value == null || value.isBlank()) {
      throw new IllegalArgumentException(
          option + " must be a non-empty string; leave it unset for the default");
    }
    return value;
  }

  static void resource(String name, double amount) {
    if (name == null || name.isBlank()) {
      throw new IllegalArgumentException("resource name must be a non-empty string");
    }
    if (!Double.isFinite(amount) || amount < 0) {
      throw new IllegalArgumentException(
          "resource " + name + " must be a finite amount >= 0, got " + amount);
    }
    // Fractions of one unit are shareable; above one only whole units (a task cannot hold
    // 1.5 GPUs). The same rule as the Python SDK's options.
    if (amount > 1 && amount != Math.rint(amount)) {
      throw new IllegalArgumentException(
          "resource " + name + ": quantities above 1 must be whole numbers, got " + amount);
    }
  }

  static long backpressure(long items) {
    if (items < 0) {
      throw new IllegalArgumentException(
          "generatorBackpressureNumObjects must be >= 1, or 0 for no limit, got " + items);
    }
    return items;
  }

  static int atLeast(String option, int value, int minimum, String meaning) {
    if (value < minimum) {
      throw new IllegalArgumentException(option + " must be " + meaning + ", got " + value);
    }
    return value;
  }
}
