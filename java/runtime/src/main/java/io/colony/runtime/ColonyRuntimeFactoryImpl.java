package io.colony.runtime;

import io.colony.api.ColonyConfig;
import io.colony.api.runtime.ColonyRuntime;
import io.colony.api.runtime.ColonyRuntimeFactory;
import io.colony.runtime.cluster.ClusterAddress;
import io.colony.runtime.cluster.LocalCluster;
import io.colony.runtime.generated.Common.JobConfig;
import io.colony.runtime.jni.NativeCoreWorker;
import io.colony.runtime.jni.NativeLibraryLoader;
import io.colony.runtime.logging.DriverLogPrinter;
import java.util.List;

/**
 * Makes driver runtimes for {@code Colony.init}: joins the cluster the config names, or starts a
 * local one. Registered for {@link java.util.ServiceLoader} in {@code META-INF/services}.
 */
public final class ColonyRuntimeFactoryImpl implements ColonyRuntimeFactory {
  @Override
  public ColonyRuntime createDriver(ColonyConfig config) {
    NativeLibraryLoader.load(); // fails fast, before any process is started
    LocalCluster cluster = null;
    String gcsAddress;
    String rayletAddress = ""; // empty: the core worker asks the GCS for this node's raylet
    String token;
    if (config.getAddress() == null) {
      cluster =
          LocalCluster.start(
              LocalCluster.binDirFromEnvironment(),
              LocalCluster.defaultSessionRoot(),
              config.getNodeIp(),
              config.getNumCpus());
      gcsAddress = cluster.gcsAddress();
      rayletAddress = cluster.rayletAddress();
      token = cluster.token();
    } else {
      ClusterAddress address = ClusterAddress.resolve(config.getAddress());
      gcsAddress = address.gcsAddress();
      token = address.token();
    }
    try {
      long worker =
          NativeCoreWorker.initialize(
              gcsAddress,
              rayletAddress,
              config.getNodeIp(),
              token,
              config.getNamespace() == null ? "" : config.getNamespace(),
              true,
              "",
              "",
              jobConfig(config).toByteArray());
      ColonyRuntimeImpl runtime = new ColonyRuntimeImpl(worker, classLoader(), cluster);
      if (config.isLogToDriver()) { // what the job's tasks and actors print, on this terminal
        runtime.setLogPrinter(
            DriverLogPrinter.start(gcsAddress, token, hex(NativeCoreWorker.getJobId(worker))));
      }
      return runtime;
    } catch (RuntimeException e) {
      if (cluster != null) {
        cluster.close();
      }
      throw e;
    }
  }

  private static String hex(byte[] bytes) {
    StringBuilder out = new StringBuilder(bytes.length * 2);
    for (byte b : bytes) {
      out.append(Character.forDigit((b >> 4) & 0xf, 16)).append(Character.forDigit(b & 0xf, 16));
    }
    return out.toString();
  }

  /** Workers load the job's classes from its code search path: by default our class path. */
  static JobConfig jobConfig(ColonyConfig config) {
    List<String> path = config.getCodeSearchPath();
    if (path.isEmpty()) {
      path = JobClassLoaders.split(System.getProperty("java.class.path"));
    }
    // Java actors per JVM (thread-hosted actors); -Dcolony.java-actors-per-worker overrides.
    int actorsPerWorker = Integer.getInteger("colony.java-actors-per-worker", 4);
    // Absolute: workers of a cluster started elsewhere do not share this process's cwd.
    List<String> absolute = new java.util.ArrayList<>();
    for (String entry : path) {
      absolute.add(java.nio.file.Paths.get(entry).toAbsolutePath().normalize().toString());
    }
    return JobConfig.newBuilder()
        .addAllCodeSearchPath(absolute)
        .setJavaActorsPerWorker(actorsPerWorker)
        .build();
  }

  private static ClassLoader classLoader() {
    ClassLoader context = Thread.currentThread().getContextClassLoader();
    return context != null ? context : ColonyRuntimeFactoryImpl.class.getClassLoader();
  }
}
