/**
 * User-defined metrics ({@link io.colony.api.metrics.Counter}, {@link
 * io.colony.api.metrics.Gauge}, {@link io.colony.api.metrics.Histogram}) that appear, with their
 * tags, on the /metrics of the node's metrics agent (docs/observability.md). Names and tag keys
 * follow the same rules as Python's colony.util.metrics; bad input throws
 * IllegalArgumentException naming the problem.
 */
package io.colony.api.metrics;
