package io.colony.streaming.plan;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import io.colony.streaming.proto.StreamingPlan.JobPlan;

/**
 * The plan's form on the wire: proto3 JSON (docs/streaming.md, "The plan"). Readers accept proto
 * field names and camelCase ones and ignore unknown fields, as Python's reader does.
 */
public final class PlanJson {
  private static final JsonFormat.Printer PRINTER = JsonFormat.printer().omittingInsignificantWhitespace();
  private static final JsonFormat.Parser PARSER = JsonFormat.parser().ignoringUnknownFields();

  private PlanJson() {}

  public static String toJson(JobPlan plan) {
    try {
      return PRINTER.print(plan);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("a JobPlan could not be printed as JSON", e);
    }
  }

  /**
   * @throws IllegalArgumentException if {@code json} is not a valid plan, saying why
   */
  public static JobPlan fromJson(String json) {
    JobPlan.Builder plan = JobPlan.newBuilder();
    try {
      PARSER.merge(json, plan);
    } catch (InvalidProtocolBufferException | RuntimeException e) {
      throw new IllegalArgumentException("the plan is not valid JobPlan JSON: " + e.getMessage(), e);
    }
    JobPlan built = plan.build();
    PlanValidator.validate(built);
    return built;
  }
}
