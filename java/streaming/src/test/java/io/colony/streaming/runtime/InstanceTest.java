package io.colony.streaming.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.colony.api.ActorHandle;
import io.colony.streaming.StreamingContext;
import io.colony.streaming.fixtures.Upper;
import io.colony.streaming.sink.FileSink;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** An instance's channels, credits and barriers, with fake peers (no cluster). */
class InstanceTest {
  private static final long DEADLINE_MS = 30_000;

  @TempDir Path tmp;
  private final FakePeers peers = new FakePeers();
  private final List<Instance> opened = new ArrayList<>();

  @AfterEach
  void closeInstances() {
    for (Instance instance : opened) {
      instance.close();
    }
  }

  /** Records what the instance sends, in order. */
  static final class FakePeers implements PeerCalls {
    final List<Object[]> pushes = Collections.synchronizedList(new ArrayList<>());
    final List<Object[]> credits = Collections.synchronizedList(new ArrayList<>());

    @Override
    public void push(ActorHandle<?> target, String channel, Map<String, Object> message) {
      pushes.add(new Object[] {channel, message});
    }

    @Override
    public void credit(ActorHandle<?> upstream, String channel, long n) {
      credits.add(new Object[] {channel, n});
    }

    List<Map<String, Object>> messages() {
      List<Map<String, Object>> out = new ArrayList<>();
      synchronized (pushes) {
        for (Object[] p : pushes) {
          @SuppressWarnings("unchecked")
          Map<String, Object> m = (Map<String, Object>) p[1];
          out.add(m);
        }
      }
      return out;
    }
  }

  static final class FakeHandle implements ActorHandle<Object> {
    private final String id;

    FakeHandle(String id) {
      this.id = id;
    }

    @Override
    public String getId() {
      return id;
    }
  }

  private static void await(BooleanSupplier condition, String what) throws InterruptedException {
    long deadline = System.nanoTime() + DEADLINE_MS * 1_000_000L;
    while (!condition.getAsBoolean()) {
      assertTrue(System.nanoTime() < deadline, "timed out waiting for " + what);
      Thread.sleep(2);
    }
  }

  private Instance open(StreamingContext ctx, List<String> operators, List<Object> inputs, List<Object> outputs)
      throws Exception {
    Map<String, Object> config = new LinkedHashMap<>();
    config.put("job", ctx.getName());
    config.put("plan", ctx.planJson());
    config.put("operators", new ArrayList<>(operators));
    config.put("instance", 0L);
    config.put("attempt", 0L);
    config.put("inputs", inputs);
    config.put("outputs", outputs);
    config.put("restore", null);
    Instance instance = new Instance(config, peers);
    opened.add(instance);
    return instance;
  }

  private static Map<String, Object> input(String channel) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("channel", channel);
    m.put("edge", 0L);
    m.put("upstream", new FakeHandle("up-" + channel));
    return m;
  }

  private static Map<String, Object> output(String channel, String partitioning) {
    Map<String, Object> target = new LinkedHashMap<>();
    target.put("channel", channel);
    target.put("handle", new FakeHandle("down-" + channel));
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("edge", 0L);
    m.put("partitioning", partitioning);
    m.put("encoding", "XLANG");
    m.put("targets", new ArrayList<>(List.of(target)));
    return m;
  }

  /** A batch to a Java instance: its records are one FORY buffer. */
  private List<?> records(Map<String, Object> batch) {
    assertEquals("FORY", batch.get("encoding"));
    return new RecordCodec(getClass().getClassLoader()).decode((byte[]) batch.get("records"));
  }

  private static long recordsIn(Instance instance) {
    @SuppressWarnings("unchecked")
    Map<String, Object> metrics = (Map<String, Object>) instance.poll().get("metrics");
    return ((Number) metrics.get("records_in")).longValue();
  }

  /** A union -> sink chain with two input channels: the barrier holds the early channel. */
  @Test
  void aBarrierHoldsItsChannelUntilEveryInputDeliveredIt() throws Exception {
    Path out = tmp.resolve("out");
    StreamingContext ctx = StreamingContext.builder("align").build();
    ctx.fromCollection(List.of("a")).union(ctx.fromCollection(List.of("b"))).sink(FileSink.class, out.toString());
    Instance instance = open(ctx, List.of("2-union", "3-sink"),
        new ArrayList<>(List.of(input("0:0:0"), input("1:0:0"))), new ArrayList<>());
    instance.start();
    instance.push("0:0:0", Messages.batch(new ArrayList<>(List.of("x")), "XLANG", null));
    instance.push("0:0:0", Messages.barrier(1, false));
    instance.push("0:0:0", Messages.batch(new ArrayList<>(List.of("y")), "XLANG", null));
    instance.push("1:0:0", Messages.batch(new ArrayList<>(List.of("z")), "XLANG", null));
    await(() -> recordsIn(instance) == 2, "x and z");
    assertEquals(2, recordsIn(instance), "y went past the barrier before the other channel's");
    assertTrue(((List<?>) instance.poll().get("acks")).isEmpty());
    instance.push("1:0:0", Messages.barrier(1, false));
    List<Object> acks = new ArrayList<>();
    await(() -> {
      acks.addAll((List<?>) instance.poll().get("acks"));
      return !acks.isEmpty() && recordsIn(instance) == 3;
    }, "the ack and then y");
    assertEquals(1L, ((Map<?, ?>) acks.get(0)).get("checkpoint"));
    // The sink staged x and z as checkpoint 1's transaction; commit makes them visible.
    assertTrue(Files.exists(out.resolve("part-0000-0000000001.jsonl.pending")));
    instance.commit(1);
    await(() -> ((Number) instance.poll().get("committed")).longValue() == 1, "the commit");
    assertEquals(List.of("\"x\"", "\"z\""), FileSink.readLines(out.toString()));
  }

  /** A source with one credit sends one batch, then waits for the credit to come back. */
  @Test
  void aSenderWithoutCreditHoldsBack() throws Exception {
    StreamingContext ctx = StreamingContext.builder("credits").batchSize(2).credits(1).build();
    ctx.fromCollection(List.of("a", "b", "c", "d", "e", "f"))
        .map(Upper.class, ">")
        .parallelism(1)
        .sink(FileSink.class, tmp.toString());
    Instance instance = open(ctx, List.of("0-source", "1-map"), new ArrayList<>(),
        new ArrayList<>(List.of(output("1:0:0", "FORWARD"))));
    instance.start();
    await(() -> peers.pushes.size() == 1, "the first batch");
    Thread.sleep(200); // without credits nothing more may leave
    assertEquals(1, peers.pushes.size());
    assertEquals(List.of(">A", ">B"), records(peers.messages().get(0)));
    instance.credit("1:0:0", 1);
    await(() -> peers.pushes.size() == 2, "the second batch");
    instance.credit("1:0:0", 5);
    await(() -> peers.pushes.size() == 3, "the third batch");
    assertEquals(List.of(">E", ">F"), records(peers.messages().get(2)));
    await(() -> Boolean.TRUE.equals(instance.poll().get("exhausted")), "the end of the source");
    // The final checkpoint: watermark 2^53, barrier, end of stream, in that order.
    instance.checkpoint(1, true);
    await(() -> peers.pushes.size() == 6, "watermark, barrier and eos");
    List<Map<String, Object>> m = peers.messages();
    assertEquals("watermark", m.get(3).get("kind"));
    assertEquals(1L << 53, m.get(3).get("timestamp"));
    assertEquals("barrier", m.get(4).get("kind"));
    assertEquals("eos", m.get(5).get("kind"));
    assertEquals(Boolean.TRUE, instance.poll().get("finished"));
  }

  /** A receiver gives credits back once half its window is consumed, or when it runs dry. */
  @Test
  void aReceiverReturnsCredits() throws Exception {
    StreamingContext ctx = StreamingContext.builder("return").credits(4).build();
    ctx.fromCollection(List.of("a")).union(ctx.fromCollection(List.of("b"))).sink(FileSink.class, tmp.toString());
    Instance instance = open(ctx, List.of("2-union", "3-sink"),
        new ArrayList<>(List.of(input("0:0:0"), input("1:0:0"))), new ArrayList<>());
    instance.start();
    for (int i = 0; i < 4; i++) {
      instance.push("0:0:0", Messages.batch(new ArrayList<>(List.of("r" + i)), "XLANG", null));
    }
    await(() -> recordsIn(instance) == 4, "four records");
    await(() -> {
      long total = 0;
      synchronized (peers.credits) {
        for (Object[] c : peers.credits) {
          total += (Long) c[1];
        }
      }
      return total == 4;
    }, "four credits back");
    synchronized (peers.credits) {
      for (Object[] c : peers.credits) {
        assertEquals("0:0:0", c[0]);
      }
    }
  }

  /** KEY_HASH targets are those Python computes: zlib.crc32(msgpack.packb(key)) % n. */
  @Test
  void keyHashesMatchPython() {
    assertEquals(3, Output.hashTarget("w1", 4));
    assertEquals(4, Output.hashTarget("w1", 7));
    assertEquals(1, Output.hashTarget("hello", 4));
    assertEquals(0, Output.hashTarget("hello", 7));
    assertEquals(2, Output.hashTarget(7L, 4));
    assertEquals(2, Output.hashTarget(7, 7)); // an Integer hashes as the same int
    assertEquals(0, Output.hashTarget(-3L, 4));
    assertEquals(1, Output.hashTarget(-3L, 7));
    assertEquals(2, Output.hashTarget(List.of(1L, "x"), 4));
    assertEquals(1, Output.hashTarget(List.of(1L, "x"), 7));
  }
}
