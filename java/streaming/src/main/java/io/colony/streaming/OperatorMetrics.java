package io.colony.streaming;

/**
 * One operator's figures, summed over its instances, at the coordinator's last poll.
 *
 * @param operatorId the plan's operator id ("3-reduce")
 * @param name the operator's name
 * @param recordsIn records into the operator (read, for a source) since the job (re)started
 * @param recordsOut records it emitted
 * @param recordsInPerSecond the rate between the last two polls
 * @param recordsOutPerSecond the rate between the last two polls
 * @param backlog messages waiting in its input queues (the first operator of a chain; 0 for the
 *     others, which get records by a plain call)
 */
public record OperatorMetrics(
    String operatorId,
    String name,
    int parallelism,
    long recordsIn,
    long recordsOut,
    double recordsInPerSecond,
    double recordsOutPerSecond,
    long backlog) {}
