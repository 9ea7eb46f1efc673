package io.colony.runtime.serialization;

import java.lang.reflect.Array;
import java.lang.reflect.GenericArrayType;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.lang.reflect.TypeVariable;
import java.lang.reflect.WildcardType;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;

/**
 * Converts decoded XLANG values ({@link XlangCodec}: {@code Long}, {@code BigInteger}, {@code
 * Double}, {@code ArrayList}, ...) to the Java types a method declares, following generic parameter
 * types into lists, sets, maps and arrays.
 *
 * <ul>
 *   <li>integers to {@code long}, {@code int}, {@code short}, {@code byte} (range-checked), {@code
 *       BigInteger}, {@code double}, {@code float};
 *   <li>floats to {@code double} and {@code float} (range-checked);
 *   <li>a one-character string to {@code char};
 *   <li>lists to {@code List}/{@code Collection}/{@code Iterable}, {@code Set} (a {@code
 *       LinkedHashSet}) and arrays, element by element;
 *   <li>maps to {@code Map}, key by key and value by value;
 *   <li>anything else only if it already is of the type ({@code boolean}, {@code String}, {@code
 *       byte[]}, {@code ObjectRef}, {@code ActorHandle}, {@code Object}).
 * </ul>
 */
public final class XlangConversions {
  private XlangConversions() {}

  /** A value that does not convert; the message says why (without naming the argument). */
  public static final class ConversionException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;
    private final boolean outOfRange;

    ConversionException(String message, boolean outOfRange) {
      super(message);
      this.outOfRange = outOfRange;
    }

    /** True if a conversion exists but the value does not fit (an int above 2^31-1). */
    public boolean isOutOfRange() {
      return outOfRange;
    }
  }

  /**
   * {@code value} as a {@code type} (a class or a generic type such as {@code List<Integer>}).
   *
   * @throws ConversionException if it does not convert
   */
  public static Object convert(Object value, Type type) {
    Class<?> raw = rawClass(type);
    if (value == null) {
      if (raw.isPrimitive()) {
        throw new ConversionException("null cannot become " + raw.getName(), false);
      }
      return null;
    }
    Class<?> target = box(raw);
    if (target == Object.class) {
      return value;
    }
    if (value instanceof List) {
      return convertList((List<?>) value, type, raw);
    }
    if (value instanceof Map && target.isAssignableFrom(LinkedHashMap.class)) {
      return convertMap((Map<?, ?>) value, type);
    }
    if (target.isInstance(value)) {
      return value;
    }
    if (value instanceof Long || value instanceof BigInteger) {
      return convertInteger((Number) value, target, raw);
    }
    if (value instanceof Double || value instanceof Float) {
      return convertFloat(((Number) value).doubleValue(), target, raw);
    }
    if (value instanceof String && target == Character.class && ((String) value).length() == 1) {
      return ((String) value).charAt(0);
    }
    throw noRule(value, raw);
  }

  /**
   * A call's result as the caller asked for it: converted where a rule exists, as decoded where
   * none does.
   *
   * @throws ConversionException if a rule exists but the value does not fit
   */
  public static Object convertResult(Object value, Class<?> type) {
    try {
      return convert(value, type);
    } catch (ConversionException e) {
      if (e.isOutOfRange()) {
        throw e;
      }
      return value;
    }
  }

  private static Object convertInteger(Number value, Class<?> target, Class<?> raw) {
    BigInteger big =
        value instanceof BigInteger ? (BigInteger) value : BigInteger.valueOf(value.longValue());
    if (target == Long.class) {
      checkRange(big, Long.MIN_VALUE, Long.MAX_VALUE, value, raw);
      return big.longValue();
    }
    if (target == Integer.class) {
      checkRange(big, Integer.MIN_VALUE, Integer.MAX_VALUE, value, raw);
      return big.intValue();
    }
    if (target == Short.class) {
      checkRange(big, Short.MIN_VALUE, Short.MAX_VALUE, value, raw);
      return big.shortValue();
    }
    if (target == Byte.class) {
      checkRange(big, Byte.MIN_VALUE, Byte.MAX_VALUE, value, raw);
      return big.byteValue();
    }
    if (target == BigInteger.class || target == Number.class) {
      return big;
    }
    if (target == Double.class) {
      double d = big.doubleValue();
      if (Double.isInfinite(d)) {
        throw outOfRange(value, raw);
      }
      return d;
    }
    if (target == Float.class) {
      float f = big.floatValue();
      if (Float.isInfinite(f)) {
        throw outOfRange(value, raw);
      }
      return f;
    }
    throw noRule(value, raw);
  }

  private static void checkRange(BigInteger value, long min, long max, Number shown, Class<?> raw) {
    if (value.compareTo(BigInteger.valueOf(min)) < 0
        || value.compareTo(BigInteger.valueOf(max)) > 0) {
      throw outOfRange(shown, raw);
    }
  }

  private static Object convertFloat(double value, Class<?> target, Class<?> raw) {
    if (target == Double.class || target == Number.class) {
      return value;
    }
    if (target == Float.class) {
      if (Double.isFinite(value) && Math.abs(value) > Float.MAX_VALUE) {
        throw outOfRange(value, raw);
      }
      return (float) value;
    }
    throw noRule(value, raw);
  }

  private static Object convertList(List<?> list, Type type, Class<?> raw) {
    if (raw.isArray()) {
      Type component = componentType(type);
      Class<?> componentClass = raw.getComponentType();
      Object array = Array.newInstance(componentClass, list.size());
      for (int i = 0; i < list.size(); i++) {
        Array.set(array, i, element(list.get(i), component, "element " + i));
      }
      return array;
    }
    Type element = typeArgument(type, 0);
    if (raw.isAssignableFrom(ArrayList.class)) {
      if (element == Object.class) {
        return list;
      }
      List<Object> out = new ArrayList<>(list.size());
      for (int i = 0; i < list.size(); i++) {
        out.add(element(list.get(i), element, "element " + i));
      }
      return out;
    }
    if (raw.isAssignableFrom(LinkedHashSet.class)) {
      LinkedHashSet<Object> out = new LinkedHashSet<>();
      for (int i = 0; i < list.size(); i++) {
        out.add(element(list.get(i), element, "element " + i));
      }
      return out;
    }
    throw noRule(list, raw);
  }

  private static Object convertMap(Map<?, ?> map, Type type) {
    Type keyType = typeArgument(type, 0);
    Type valueType = typeArgument(type, 1);
    if (keyType == Object.class && valueType == Object.class) {
      return map;
    }
    Map<Object, Object> out = new LinkedHashMap<>();
    for (Map.Entry<?, ?> entry : map.entrySet()) {
      Object key = element(entry.getKey(), keyType, "key " + shown(entry.getKey()));
      out.put(key, element(entry.getValue(), valueType, "value of key " + shown(entry.getKey())));
    }
    return out;
  }

  private static Object element(Object value, Type type, String where) {
    try {
      return convert(value, type);
    } catch (ConversionException e) {
      throw new ConversionException(where + ": " + e.getMessage(), e.isOutOfRange());
    }
  }

  /** The class of a type, erasing generics (a type variable becomes its first bound). */
  static Class<?> rawClass(Type type) {
    if (type instanceof Class) {
      return (Class<?>) type;
    }
    if (type instanceof ParameterizedType) {
      return rawClass(((ParameterizedType) type).getRawType());
    }
    if (type instanceof WildcardType) {
      return rawClass(((WildcardType) type).getUpperBounds()[0]);
    }
    if (type instanceof TypeVariable) {
      Type[] bounds = ((TypeVariable<?>) type).getBounds();
      return bounds.length == 0 ? Object.class : rawClass(bounds[0]);
    }
    if (type instanceof GenericArrayType) {
      Class<?> component = rawClass(((GenericArrayType) type).getGenericComponentType());
      return Array.newInstance(component, 0).getClass();
    }
    return Object.class;
  }

  private static Type componentType(Type type) {
    if (type instanceof GenericArrayType) {
      return ((GenericArrayType) type).getGenericComponentType();
    }
    return rawClass(type).getComponentType();
  }

  /** The {@code index}th type argument of a parameterized type; Object when there is none. */
  private static Type typeArgument(Type type, int index) {
    if (type instanceof ParameterizedType) {
      Type[] arguments = ((ParameterizedType) type).getActualTypeArguments();
      if (index < arguments.length) {
        Type argument = arguments[index];
        return rawClass(argument) == Object.class && !(argument instanceof Class)
            ? Object.class
            : argument;
      }
    }
    return Object.class;
  }

  private static Class<?> box(Class<?> type) {
    if (!type.isPrimitive()) {
      return type;
    }
    if (type == int.class) {
      return Integer.class;
    } else if (type == long.class) {
      return Long.class;
    } else if (type == double.class) {
      return Double.class;
    } else if (type == float.class) {
      return Float.class;
    } else if (type == boolean.class) {
      return Boolean.class;
    } else if (type == short.class) {
      return Short.class;
    } else if (type == byte.class) {
      return Byte.class;
    } else if (type == char.class) {
      return Character.class;
    }
    return Void.class;
  }

  private static ConversionException outOfRange(Object value, Class<?> type) {
    return new ConversionException(
        "the value " + shown(value) + " does not fit " + type.getName(), true);
  }

  private static ConversionException noRule(Object value, Class<?> type) {
    return new ConversionException(
        "a "
            + value.getClass().getName()
            + " ("
            + shown(value)
            + ") cannot become "
            + type.getName(),
        false);
  }

  /** A short text of a value for messages. */
  static String shown(Object value) {
    String text;
    if (value instanceof String) {
      text = "\"" + value + "\"";
    } else if (value instanceof byte[]) {
      text = ((byte[]) value).length + " bytes";
    } else {
      text = String.valueOf(value);
    }
    return text.length() > 60 ? text.substring(0, 57) + "..." : text;
  }
}
