package io.colony.streaming.runtime;

import io.colony.runtime.generated.Common.Language;
import io.colony.runtime.serialization.XlangConversions;
import io.colony.streaming.plan.FunctionRefs;
import io.colony.streaming.proto.StreamingPlan.FunctionRef;
import io.colony.streaming.proto.StreamingPlan.Operator;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Type;
import java.util.List;

/** Creates an operator's Java function from its {@link FunctionRef}: class name + arguments. */
final class Functions {
  private Functions() {}

  static Object create(Operator op, ClassLoader loader) throws Exception {
    FunctionRef ref = op.getFunction();
    if (ref.getLanguage() != Language.JAVA || ref.getJavaClass().isEmpty()) {
      throw new IllegalArgumentException(
          "operator " + op.getId() + " (" + op.getName() + ") has no Java function (java_class)");
    }
    Class<?> type;
    try {
      type = Class.forName(ref.getJavaClass(), true, loader);
    } catch (ClassNotFoundException e) {
      throw new IllegalArgumentException(
          "operator "
              + op.getId()
              + ": class "
              + ref.getJavaClass()
              + " is not on the job's code search path",
          e);
    }
    List<?> args = FunctionRefs.decodeArgs(ref.getArgs());
    for (Constructor<?> c : type.getConstructors()) {
      if (c.getParameterCount() != args.size()) {
        continue;
      }
      Type[] types = c.getGenericParameterTypes();
      Object[] converted = new Object[args.size()];
      for (int i = 0; i < converted.length; i++) {
        try {
          converted[i] = XlangConversions.convert(args.get(i), types[i]);
        } catch (IllegalArgumentException e) {
          throw new IllegalArgumentException(
              "operator " + op.getId() + ": argument " + i + " of " + type.getName() + ": " + e.getMessage(), e);
        }
      }
      try {
        return c.newInstance(converted);
      } catch (InvocationTargetException e) {
        Throwable cause = e.getCause();
        throw cause instanceof Exception ? (Exception) cause : e;
      }
    }
    throw new IllegalArgumentException(
        "operator "
            + op.getId()
            + ": "
            + type.getName()
            + " has no public constructor taking "
            + args.size()
            + " argument(s)");
  }
}
