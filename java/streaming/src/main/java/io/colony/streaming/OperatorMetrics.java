package io.colony.streaming;

/**
 * One chain's figures (a chain is one or more operators run together), summed over its instances.
 *
 * @param name the chain's operator names, "a -> b"
 * @param recordsIn records taken from inputs (read, for a source) since the job (re)started
 * @param recordsOut records sent on
 * @param recordsInPerSecond the rate between the last two polls
 * @param recordsOutPerSecond the rate between the last two polls
 * @param backlog messages waiting in the chain's input queues
 */
public record OperatorMetrics(
    String name,
    int parallelism,
    long recordsIn,
    long recordsOut,
    double recordsInPerSecond,
    double recordsOutPerSecond,
    long backlog) {}
