package io.colony.runtime.arrow;

import java.lang.reflect.Type;
import java.util.List;
import org.apache.arrow.vector.BaseIntVector;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.FloatingPointVector;
import org.apache.arrow.vector.VectorSchemaRoot;

/**
 * An {@code ARROW} value as a Java parameter or result type: the {@link VectorSchemaRoot} itself,
 * or, for a one-column numeric table (what a 1-D numpy array becomes), a copy of the column as
 * {@code double[]}, {@code float[]}, {@code long[]} or {@code int[]}.
 */
public final class ArrowConversions {
  /** The types an ARROW value converts to, for error messages. */
  public static final String ACCEPTED =
      "VectorSchemaRoot, Object, or (one numeric column) double[], float[], long[], int[]";

  private ArrowConversions() {}

  /** Whether {@link #convert} returns the root itself (the caller then owns it). */
  public static boolean keepsRoot(Type type) {
    return type == VectorSchemaRoot.class || type == Object.class;
  }

  /**
   * @throws IllegalArgumentException naming the type when the value does not convert
   */
  public static Object convert(VectorSchemaRoot root, Type type) {
    if (keepsRoot(type)) {
      return root;
    }
    if (type == double[].class) {
      FieldVector column = numericColumn(root, type);
      double[] out = new double[root.getRowCount()];
      for (int i = 0; i < out.length; i++) {
        out[i] = asDouble(column, i);
      }
      return out;
    }
    if (type == float[].class) {
      FieldVector column = numericColumn(root, type);
      float[] out = new float[root.getRowCount()];
      for (int i = 0; i < out.length; i++) {
        out[i] = (float) asDouble(column, i);
      }
      return out;
    }
    if (type == long[].class) {
      FieldVector column = integerColumn(root, type);
      long[] out = new long[root.getRowCount()];
      for (int i = 0; i < out.length; i++) {
        out[i] = ((BaseIntVector) column).getValueAsLong(i);
      }
      return out;
    }
    if (type == int[].class) {
      FieldVector column = integerColumn(root, type);
      int[] out = new int[root.getRowCount()];
      for (int i = 0; i < out.length; i++) {
        out[i] = Math.toIntExact(((BaseIntVector) column).getValueAsLong(i));
      }
      return out;
    }
    throw new IllegalArgumentException(
        "an Arrow table (ARROW) cannot be read as " + type.getTypeName() + "; it converts to "
            + ACCEPTED);
  }

  private static double asDouble(FieldVector column, int index) {
    return column instanceof FloatingPointVector
        ? ((FloatingPointVector) column).getValueAsDouble(index)
        : ((BaseIntVector) column).getValueAsLong(index);
  }

  private static FieldVector numericColumn(VectorSchemaRoot root, Type type) {
    FieldVector column = onlyColumn(root, type);
    if (!(column instanceof FloatingPointVector) && !(column instanceof BaseIntVector)) {
      throw notConvertible(root, type, "its column is not numeric");
    }
    return column;
  }

  private static FieldVector integerColumn(VectorSchemaRoot root, Type type) {
    FieldVector column = onlyColumn(root, type);
    if (!(column instanceof BaseIntVector)) {
      throw notConvertible(root, type, "its column is not of integers");
    }
    return column;
  }

  private static FieldVector onlyColumn(VectorSchemaRoot root, Type type) {
    List<FieldVector> columns = root.getFieldVectors();
    if (columns.size() != 1) {
      throw notConvertible(root, type, "it has " + columns.size() + " columns, not 1");
    }
    FieldVector column = columns.get(0);
    if (column.getNullCount() > 0) {
      throw notConvertible(root, type, "its column has nulls");
    }
    return column;
  }

  private static IllegalArgumentException notConvertible(
      VectorSchemaRoot root, Type type, String why) {
    return new IllegalArgumentException(
        "an Arrow table (ARROW, schema "
            + root.getSchema()
            + ") cannot be read as "
            + type.getTypeName()
            + ": "
            + why);
  }
}
