package io.colony.api.runtime;

import io.colony.api.ColonyConfig;

/**
 * Creates driver runtimes; found with {@link java.util.ServiceLoader}, so that the API does not
 * depend on the runtime module. The runtime module registers its implementation in {@code
 * META-INF/services/io.colony.api.runtime.ColonyRuntimeFactory}.
 */
public interface ColonyRuntimeFactory {
  /** Connects to (or starts) the cluster that {@code config} names. */
  ColonyRuntime createDriver(ColonyConfig config);
}
