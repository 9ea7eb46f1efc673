package io.colony.api.metrics;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.logging.Logger;

/**
 * Sends this JVM's metrics to its node's metrics agent, as Python's
 * colony._private.metrics_reporter does: the whole state as JSON every second while something
 * changed, at least every 10 s. A worker finds the agent through its raylet's session folder
 * ({@code $COLONY_SESSION_DIR/metrics_agent.port}); a JVM without one (a driver) keeps its
 * metrics to itself. Starts with the JVM's first metric; a daemon thread.
 */
final class MetricsReporter {
  private static final Logger LOG = Logger.getLogger(MetricsReporter.class.getName());
  private static final long KEEPALIVE_MS = 10_000;
  private static Thread thread;

  private MetricsReporter() {}

  static synchronized void start(MetricsRegistry registry) {
    if (thread != null) {
      return;
    }
    thread = new Thread(() -> loop(registry), "colony-metrics");
    thread.setDaemon(true);
    thread.start();
  }

  private static String agentAddress() {
    String session = System.getenv("COLONY_SESSION_DIR");
    if (session == null) {
      return null;
    }
    try {
      String port = Files.readString(Path.of(session, "metrics_agent.port")).trim();
      String ip = System.getenv().getOrDefault("COLONY_NODE_IP", "127.0.0.1");
      return ip + ":" + Integer.parseInt(port);
    } catch (IOException | NumberFormatException e) {
      return null;
    }
  }

  private static void loop(MetricsRegistry registry) {
    long intervalMs = (long) (1000 * Double.parseDouble(
        System.getenv().getOrDefault("COLONY_METRICS_REPORT_INTERVAL_S", "1.0")));
    HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5))
        .proxy(HttpClient.Builder.NO_PROXY).build();
    String token = System.getenv().getOrDefault("COLONY_CLUSTER_TOKEN", "");
    String workerId = "jvm-" + ProcessHandle.current().pid();
    long last = 0;
    boolean warned = false;
    String address = null;
    while (true) {
      try {
        Thread.sleep(intervalMs);
      } catch (InterruptedException e) {
        return;
      }
      if (!registry.changed() && System.currentTimeMillis() - last < KEEPALIVE_MS) {
        continue;
      }
      try {
        address = address != null ? address : agentAddress();
        if (address == null) {
          continue;
        }
        String body = "{\"worker_id\":" + MetricsRegistry.quote(workerId) + ",\"pid\":"
            + ProcessHandle.current().pid() + ",\"job_id\":"
            + MetricsRegistry.quote(System.getenv().getOrDefault("COLONY_JOB_ID", ""))
            + ",\"metrics\":" + registry.snapshotJson() + "}";
        HttpRequest request = HttpRequest.newBuilder(
                URI.create("http://" + address + "/api/metrics/push"))
            .timeout(Duration.ofSeconds(5))
            .header("Authorization", "Bearer " + token)
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8)).build();
        HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
          throw new IOException("the agent answered " + response.statusCode() + ": "
              + response.body());
        }
        last = System.currentTimeMillis();
        warned = false;
      } catch (IOException | RuntimeException e) {
        registry.markChanged();
        address = null;  // a restarted agent may listen elsewhere
        if (!warned) {
          LOG.warning("could not report metrics to the node's metrics agent: " + e);
          warned = true;
        }
      } catch (InterruptedException e) {
        return;
      }
    }
  }
}
