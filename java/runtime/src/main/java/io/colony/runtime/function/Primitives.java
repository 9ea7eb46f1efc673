package io.colony.runtime.function;

import java.util.Map;

/** Boxed types of primitives, for checking arguments that reflection unboxes. */
final class Primitives {
  private static final Map<Class<?>, Class<?>> BOXES =
      Map.of(
          boolean.class, Boolean.class,
          byte.class, Byte.class,
          char.class, Character.class,
          short.class, Short.class,
          int.class, Integer.class,
          long.class, Long.class,
          float.class, Float.class,
          double.class, Double.class);

  private Primitives() {}

  static Class<?> box(Class<?> type) {
    return type.isPrimitive() ? BOXES.get(type) : type;
  }
}
