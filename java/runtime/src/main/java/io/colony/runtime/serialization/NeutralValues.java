package io.colony.runtime.serialization;

import io.colony.runtime.actor.ActorHandleImpl;
import io.colony.runtime.object.ObjectRefImpl;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;

/**
 * Which Java values are language-neutral: stored as XLANG they read back in Java as an equal value
 * that code can use as the type it was put as, and Python reads them as plain data. The Java twin
 * of Python's rule that exact {@code dict}, {@code list}, {@code str}, {@code int}, {@code float},
 * {@code bool} and {@code None} are stored as XLANG.
 *
 * <p>Neutral: {@code null}, {@code Boolean}, {@code Long}, {@code Double}, {@code String} (valid
 * UTF-16), {@code byte[]}, {@link ObjectRefImpl}, {@link ActorHandleImpl}, and lists and maps of
 * neutral values. A list is an {@link ArrayList} or one of java.util's non-public lists ({@code
 * List.of}, {@code Arrays.asList}, {@code Collections.unmodifiableList}): a reader can only use
 * those as a {@code List}, which the decoded {@code ArrayList} is. A map is a {@link HashMap}, a
 * {@link LinkedHashMap} or a non-public java.util map ({@code Map.of}) but not a sorted one, with
 * keys that are null, Boolean, Long, Double or String (what Python can use as dict keys).
 *
 * <p>Not neutral (stored as JAVA, readable in Java only): {@code Integer}, {@code Short}, {@code
 * Byte}, {@code Float}, {@code Character} and small {@code BigInteger}s, which XLANG gives back as
 * {@code Long}, {@code Double} or {@code String}; arrays other than {@code byte[]}; sets, sorted
 * maps, {@code LinkedList}; user classes. Shared sub-values are written once per use, as Python's
 * XLANG does.
 */
final class NeutralValues {
  private NeutralValues() {}

  /** True if {@code value} is neutral (see the class comment). */
  static boolean isNeutral(Object value) {
    return check(value, 0);
  }

  private static boolean check(Object value, int depth) {
    if (depth > XlangCodec.MAX_DEPTH) {
      return false; // also ends self-containing lists
    }
    if (isScalar(value)) {
      return true;
    }
    if (value instanceof byte[] || value instanceof ObjectRefImpl) {
      return true;
    }
    if (value instanceof ActorHandleImpl) {
      return true;
    }
    if (value instanceof List) {
      if (!isPlainList(value.getClass())) {
        return false;
      }
      for (Object item : (List<?>) value) {
        if (!check(item, depth + 1)) {
          return false;
        }
      }
      return true;
    }
    if (value instanceof Map) {
      if (!isPlainMap(value)) {
        return false;
      }
      for (Map.Entry<?, ?> entry : ((Map<?, ?>) value).entrySet()) {
        if (!isScalar(entry.getKey()) || !check(entry.getValue(), depth + 1)) {
          return false;
        }
      }
      return true;
    }
    return false;
  }

  /** A value that reads back as itself and can be a key on both sides. */
  private static boolean isScalar(Object value) {
    if (value == null) {
      return true;
    }
    Class<?> type = value.getClass();
    if (type == Boolean.class || type == Long.class || type == Double.class) {
      return true;
    }
    return type == String.class && isValidUtf16((String) value);
  }

  /** Lone surrogates cannot be written as UTF-8: such a string would not come back equal. */
  private static boolean isValidUtf16(String text) {
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (Character.isHighSurrogate(c)) {
        if (i + 1 >= text.length() || !Character.isLowSurrogate(text.charAt(i + 1))) {
          return false;
        }
        i++;
      } else if (Character.isLowSurrogate(c)) {
        return false;
      }
    }
    return true;
  }

  private static boolean isPlainList(Class<?> type) {
    return type == ArrayList.class || isHiddenJavaUtil(type);
  }

  private static boolean isPlainMap(Object map) {
    Class<?> type = map.getClass();
    if (type == HashMap.class || type == LinkedHashMap.class) {
      return true;
    }
    return isHiddenJavaUtil(type) && !(map instanceof SortedMap);
  }

  /** A java.util class code outside the JDK cannot name (List.of's, Map.of's, wrappers). */
  private static boolean isHiddenJavaUtil(Class<?> type) {
    Class<?> outer = type;
    while (outer.getEnclosingClass() != null) {
      outer = outer.getEnclosingClass();
    }
    return "java.util".equals(type.getPackageName())
        && (!Modifier.isPublic(type.getModifiers()) || !Modifier.isPublic(outer.getModifiers()));
  }
}
