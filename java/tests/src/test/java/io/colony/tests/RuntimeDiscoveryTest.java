package io.colony.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.colony.api.Colony;
import io.colony.api.ColonyConfig;
import io.colony.api.exception.ColonyException;
import io.colony.api.runtime.ColonyRuntimeFactory;
import io.colony.runtime.ColonyRuntimeFactoryImpl;
import java.util.List;
import java.util.ServiceLoader;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The API finds the runtime on the class path; without the JNI library init fails clearly. */
class RuntimeDiscoveryTest {
  @Test
  void serviceLoaderFindsTheRuntime() {
    List<Class<?>> factories =
        ServiceLoader.load(ColonyRuntimeFactory.class).stream()
            .map(ServiceLoader.Provider::type)
            .collect(Collectors.toList());
    assertEquals(List.of(ColonyRuntimeFactoryImpl.class), factories);
  }

  @Test
  void initWithoutTheJniLibraryNamesThePathAndStaysUninitialized() {
    String old = System.getProperty("colony.jni.path");
    System.setProperty("colony.jni.path", "/nonexistent/libcolony_jni.so");
    try {
      ColonyConfig config = ColonyConfig.builder().setAddress("127.0.0.1:1").build();
      ColonyException e = assertThrows(ColonyException.class, () -> Colony.init(config));
      assertTrue(e.getMessage().contains("/nonexistent/libcolony_jni.so"), e.getMessage());
      assertFalse(Colony.isInitialized());
    } finally {
      if (old == null) {
        System.clearProperty("colony.jni.path");
      } else {
        System.setProperty("colony.jni.path", old);
      }
    }
  }
}
