package io.colony.tests.cluster;

import io.colony.api.Colony;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** One local cluster (GCS, raylet, Java workers) per test class. */
abstract class ClusterTestBase {
  @BeforeAll
  static void startCluster() {
    Colony.init();
  }

  @AfterAll
  static void stopCluster() {
    Colony.shutdown();
  }
}
