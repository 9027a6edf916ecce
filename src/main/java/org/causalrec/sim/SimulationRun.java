package org.causalrec.sim;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;
import java.util.stream.IntStream;
import java.util.zip.GZIPOutputStream;

/**
 * Writes a simulated world through a {@link Sink} (the ingest path, in-process or over HTTP) and its
 * ground truth to files. Blocks the calling thread, which must not be an event loop.
 */
public final class SimulationRun {

  /** Where the simulated catalogue and events go; each call answers like the REST API does. */
  public interface Sink {
    /** Upserts a batch of items. */
    Future<?> items(JsonArray items);

    /** Upserts a batch of users. */
    Future<?> users(JsonArray users);

    /** Ingests a batch of events; completes with the body {@code POST /v1/events} returns. */
    Future<JsonObject> events(JsonArray events);
  }

  /**
   * What a run wrote.
   *
   * @param users users written
   * @param items items written
   * @param events events generated
   * @param accepted events the store accepted (the rest were duplicates of an earlier run)
   * @param truthDir folder of the ground-truth files
   * @param seconds wall time
   */
  public record Summary(int users, int items, long events, long accepted, Path truthDir, double seconds) {
    /** Events per second through the sink. */
    public double eventsPerSecond() {
      return events / Math.max(seconds, 1e-9);
    }
  }

  private static final int USERS_PER_BLOCK = 512;
  private static final int IN_FLIGHT = 2;

  private SimulationRun() {}

  /** Where a world's ground truth goes by default: {@code DATA_DIR/sim/SIZE-SEED}. */
  public static Path defaultTruthDir(Path dataDir, WorldSpec spec, long seed) {
    return dataDir.resolve("sim").resolve(spec.name() + "-" + seed);
  }

  /** Simulates the whole world into {@code sink}, writing ground truth under {@code truthDir}. */
  public static Summary run(Simulator sim, Sink sink, Path truthDir, int batchSize, Consumer<String> progress) {
    long t0 = System.nanoTime();
    World world = sim.world();
    try {
      Files.createDirectories(truthDir);
      GroundTruth.writeWorld(world, truthDir);
      List<JsonObject> items = sim.items();
      for (int k = 0; k < items.size(); k += batchSize) {
        sink.items(new JsonArray(List.copyOf(items.subList(k, Math.min(items.size(), k + batchSize))))).await();
      }
      List<JsonObject> users = sim.users();
      for (int k = 0; k < users.size(); k += batchSize) {
        sink.users(new JsonArray(List.copyOf(users.subList(k, Math.min(users.size(), k + batchSize))))).await();
      }
      long events = 0;
      long accepted = 0;
      Deque<Future<JsonObject>> inFlight = new ArrayDeque<>();
      JsonArray batch = new JsonArray();
      try (Writer truth = new BufferedWriter(new OutputStreamWriter(
          new GZIPOutputStream(Files.newOutputStream(truthDir.resolve("exposures.tsv.gz")), 1 << 16),
          StandardCharsets.UTF_8))) {
        truth.write(Simulator.TRUTH_HEADER);
        truth.write('\n');
        for (int from = 0; from < world.users(); from += USERS_PER_BLOCK) {
          int to = Math.min(world.users(), from + USERS_PER_BLOCK);
          List<Simulator.UserLog> logs = IntStream.range(from, to).parallel().mapToObj(sim::simulateUser).toList();
          for (Simulator.UserLog log : logs) {
            for (String row : log.truth()) {
              truth.write(row);
              truth.write('\n');
            }
            for (JsonObject e : log.events()) {
              batch.add(e);
              events++;
              if (batch.size() == batchSize) {
                accepted += send(sink, batch, inFlight);
                batch = new JsonArray();
              }
            }
          }
          progress.accept(String.format(Locale.ROOT, "simulated %d/%d users, %d events", to, world.users(), events));
        }
        if (!batch.isEmpty()) {
          accepted += send(sink, batch, inFlight);
        }
        while (!inFlight.isEmpty()) {
          accepted += inFlight.poll().await().getInteger("accepted");
        }
      }
      return new Summary(world.users(), world.items(), events, accepted, truthDir,
          (System.nanoTime() - t0) / 1e9);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write ground truth to " + truthDir, e);
    }
  }

  private static long send(Sink sink, JsonArray batch, Deque<Future<JsonObject>> inFlight) {
    long accepted = 0;
    if (inFlight.size() >= IN_FLIGHT) {
      accepted = inFlight.poll().await().getInteger("accepted");
    }
    inFlight.add(sink.events(batch));
    return accepted;
  }
}
