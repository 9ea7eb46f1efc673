package io.colony.api.scheduling;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Runs on a node whose labels satisfy every condition of {@code hard}; among those, nodes that
 * also satisfy {@code soft} are preferred. Work whose hard selector no node satisfies stays
 * pending until such a node joins (docs/scheduling.md).
 *
 * <pre>{@code
 * import static io.colony.api.scheduling.LabelOperator.*;
 * Colony.task(MyJob::f).setSchedulingStrategy(
 *     new NodeLabelSchedulingStrategy(Map.of("zone", in("a", "b")), Map.of("disk", exists())));
 * }</pre>
 */
public final class NodeLabelSchedulingStrategy implements SchedulingStrategy {
  private final Map<String, LabelOperator> hard;
  private final Map<String, LabelOperator> soft;

  /** {@code soft} may be null or empty; {@code hard} may be empty when {@code soft} is not. */
  public NodeLabelSchedulingStrategy(
      Map<String, LabelOperator> hard, Map<String, LabelOperator> soft) {
    this.hard = checked("hard", hard);
    this.soft = checked("soft", soft);
    if (this.hard.isEmpty() && this.soft.isEmpty()) {
      throw new IllegalArgumentException(
          "NodeLabelSchedulingStrategy needs a hard or a soft selector");
    }
  }

  /** A hard selector only. */
  public NodeLabelSchedulingStrategy(Map<String, LabelOperator> hard) {
    this(hard, null);
  }

  private static Map<String, LabelOperator> checked(
      String name, Map<String, LabelOperator> selector) {
    if (selector == null) {
      return Map.of();
    }
    Map<String, LabelOperator> copy = new LinkedHashMap<>();
    selector.forEach(
        (key, op) -> {
          if (key == null || key.isEmpty()) {
            throw new IllegalArgumentException(
                "NodeLabelSchedulingStrategy " + name + ": label keys must be non-empty strings");
          }
          if (op == null) {
            throw new IllegalArgumentException(
                "NodeLabelSchedulingStrategy " + name + "['" + key + "'] must be in(...), "
                    + "notIn(...), exists() or doesNotExist(), got null");
          }
          copy.put(key, op);
        });
    return Collections.unmodifiableMap(copy);
  }

  public Map<String, LabelOperator> getHard() {
    return hard;
  }

  public Map<String, LabelOperator> getSoft() {
    return soft;
  }

  @Override
  public String toString() {
    return "NodeLabelSchedulingStrategy(hard=" + hard + ", soft=" + soft + ")";
  }
}
