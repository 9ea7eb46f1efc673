package io.colony.tests.cluster;

import io.colony.api.ConcurrencyGroup;

/** Uses a group it is never created with: its creation must fail (ConcurrencyGroupTest). */
public class UndeclaredGroupActor {
  public UndeclaredGroupActor() {}

  @ConcurrencyGroup("compute")
  public int work() {
    return 1;
  }
}
