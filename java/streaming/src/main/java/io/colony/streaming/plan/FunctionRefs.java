package io.colony.streaming.plan;

import com.google.protobuf.ByteString;
import io.colony.runtime.generated.Common.Language;
import io.colony.runtime.object.ReferenceTracker;
import io.colony.runtime.serialization.XlangCodec;
import io.colony.streaming.PyOperator;
import io.colony.streaming.proto.StreamingPlan.FunctionRef;
import java.lang.reflect.Constructor;
import java.lang.reflect.Modifier;
import java.util.Arrays;
import java.util.List;

/**
 * {@link FunctionRef}s of user functions, checked when the job is built: operator actors create a
 * Java function by class name in another JVM, so it must be a public, concrete, named class with a
 * public constructor taking the given arguments (XLANG values, converted to its parameter types).
 */
public final class FunctionRefs {
  private static final XlangCodec XLANG = new XlangCodec(ReferenceTracker.NONE);

  private FunctionRefs() {}

  /**
   * @throws IllegalArgumentException if {@code type} cannot be created by name with {@code args}
   */
  public static FunctionRef java(Class<?> type, Class<?> expected, Object[] args) {
    if (type == null) {
      throw new IllegalArgumentException("a " + expected.getSimpleName() + " class is needed, got null");
    }
    if (!expected.isAssignableFrom(type)) {
      throw new IllegalArgumentException(
          type.getName() + " does not implement " + expected.getName());
    }
    if (type.isSynthetic() || type.isAnonymousClass() || type.isLocalClass() || type.getName().contains("$$Lambda")) {
      throw new IllegalArgumentException(
          type.getName()
              + " is a lambda, anonymous or local class: operator actors create functions by"
              + " class name, so write a public (static nested) class");
    }
    if (!Modifier.isPublic(type.getModifiers())
        || Modifier.isAbstract(type.getModifiers())
        || (type.getEnclosingClass() != null && !Modifier.isStatic(type.getModifiers()))) {
      throw new IllegalArgumentException(
          type.getName() + " must be a public, concrete, top-level or static nested class");
    }
    if (constructorOfArity(type, args.length) == null) {
      throw new IllegalArgumentException(
          type.getName() + " has no public constructor taking " + args.length + " argument(s)");
    }
    return FunctionRef.newBuilder()
        .setLanguage(Language.JAVA)
        .setJavaClass(type.getName())
        .setArgs(encodeArgs(args, type.getName()))
        .build();
  }

  public static FunctionRef python(PyOperator op) {
    return FunctionRef.newBuilder()
        .setLanguage(Language.PYTHON)
        .setModule(op.getModule())
        .setName(op.getName())
        .setArgs(encodeArgs(op.getArgs().toArray(), op.toString()))
        .build();
  }

  private static ByteString encodeArgs(Object[] args, String owner) {
    if (args.length == 0) {
      return ByteString.EMPTY;
    }
    try {
      return ByteString.copyFrom(XLANG.encode(Arrays.asList(args), null));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "the arguments of " + owner + " must be XLANG values: " + e.getMessage(), e);
    }
  }

  /** The XLANG list of a FunctionRef's arguments (empty bytes: none). */
  public static List<?> decodeArgs(ByteString args) {
    if (args.isEmpty()) {
      return List.of();
    }
    Object decoded = XLANG.decode(args.toByteArray());
    if (!(decoded instanceof List)) {
      throw new IllegalArgumentException("a function's args are not an XLANG list");
    }
    return (List<?>) decoded;
  }

  static Constructor<?> constructorOfArity(Class<?> type, int arity) {
    for (Constructor<?> c : type.getConstructors()) {
      if (c.getParameterCount() == arity) {
        return c;
      }
    }
    return null;
  }
}
