package io.colony.runtime.actor;

import io.colony.api.ConcurrencyGroup;
import java.lang.reflect.Method;
import java.util.Map;
import java.util.TreeSet;

/** Creation-time check of a Java actor's {@link ConcurrencyGroup} methods against its groups. */
public final class ConcurrencyGroups {
  private ConcurrencyGroups() {}

  /**
   * @throws IllegalArgumentException naming the first method (by name) whose group {@code
   *     declared} lacks
   */
  public static void checkDeclared(Class<?> actorClass, Map<String, Integer> declared) {
    TreeSet<String> problems = new TreeSet<>();
    for (Class<?> c = actorClass; c != null && c != Object.class; c = c.getSuperclass()) {
      for (Method method : c.getDeclaredMethods()) {
        ConcurrencyGroup group = method.getAnnotation(ConcurrencyGroup.class);
        if (group != null && !declared.containsKey(group.value())) {
          problems.add(c.getSimpleName() + "." + method.getName() + " uses '" + group.value() + "'");
        }
      }
    }
    if (!problems.isEmpty()) {
      throw new IllegalArgumentException(
          actorClass.getSimpleName()
              + ": @ConcurrencyGroup names groups the actor does not declare ("
              + String.join(", ", problems)
              + "); declared: "
              + new TreeSet<>(declared.keySet())
              + " (setConcurrencyGroups)");
    }
  }
}
