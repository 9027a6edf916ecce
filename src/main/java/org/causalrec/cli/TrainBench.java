package org.causalrec.cli;

import org.causalrec.model.TrainingLoop;
import ai.djl.Device;
import org.causalrec.store.StoreHandle;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.IntStream;
import org.causalrec.config.Config;
import org.causalrec.data.Feedback;
import org.causalrec.data.Impressions;
import org.causalrec.data.Interactions;
import org.causalrec.model.ClickMlp;
import org.causalrec.model.MultVae;
import org.causalrec.model.MultVaeParams;
import org.causalrec.store.EventRepository;
import org.causalrec.store.Event;
import org.causalrec.sim.Simulator;
import org.causalrec.sim.World;
import org.causalrec.sim.WorldSpec;

/**
 * {@code causalrec bench train}: training throughput on the stored events: the feature pipeline,
 * one Mult-VAE epoch over a slice of users (its FLOP rate, counted as the dense network's and as
 * the sparse first layer performs them, against a plain matmul of the same engine and shapes), and
 * one click-MLP epoch over a slice of impressions.
 */
final class TrainBench {

  private TrainBench() {}

  /**
   * The figures on a world simulated in memory, without a database: its events are generated
   * twice, user blocks in parallel (deterministic: each user has its own random stream), once for
   * the feedback matrix and once for the impressions, so they are never all held at once.
   */
  static void runOnWorld(Config config, Device device, WorldSpec spec, long seed, int vaeUsers, int vaeEpochs,
      int clickImpressions) {
    long t0 = System.nanoTime();
    World world = World.generate(spec, seed);
    Iterable<Event> events = () -> new SimulatedEvents(new Simulator(world));
    Feedback fb = Feedback.of(events, config.eventTypes());
    System.out.printf(Locale.ROOT,
        "world %s seed %d simulated in memory: %d x %d feedback matrix (%d pairs) in %.1f s%n",
        spec.name(), seed, fb.users().size(), fb.items().size(), fb.matrix().nnz(), (System.nanoTime() - t0) / 1e9);
    t0 = System.nanoTime();
    Impressions imps = Impressions.of(events);
    System.out.printf(Locale.ROOT, "impressions: %d labelled in %.1f s, simulated again (click rate %.3f)%n",
        imps.size(), (System.nanoTime() - t0) / 1e9, imps.clickRate());
    vae(fb.matrix(), device, vaeUsers, vaeEpochs);
    click(imps, device, clickImpressions);
  }

  /** The simulator's events user by user, each block of users simulated in parallel. */
  private static final class SimulatedEvents implements java.util.Iterator<Event> {
    private static final int BLOCK = 2_048;
    private final Simulator sim;
    private int nextUser;
    private java.util.Iterator<Event> block = java.util.Collections.emptyIterator();

    SimulatedEvents(Simulator sim) {
      this.sim = sim;
    }

    @Override
    public boolean hasNext() {
      while (!block.hasNext() && nextUser < sim.world().users()) {
        int from = nextUser;
        nextUser = Math.min(sim.world().users(), from + BLOCK);
        block = IntStream.range(from, nextUser).parallel()
            .mapToObj(u -> sim.simulateUser(u).events().stream().map(Simulator::toEvent).toList())
            .flatMap(List::stream).toList().iterator();
      }
      return block.hasNext();
    }

    @Override
    public Event next() {
      if (!hasNext()) {
        throw new java.util.NoSuchElementException();
      }
      return block.next();
    }
  }

  static void run(Config config, Device device, int vaeUsers, int vaeEpochs, int clickImpressions) {
    Feedback fb;
    Impressions imps;
    try (StoreHandle store = StoreHandle.open(config)) {
      EventRepository events = new EventRepository(store.pool());
      long t0 = System.nanoTime();
      fb = Feedback.load(events, config.eventTypes());
      double s = (System.nanoTime() - t0) / 1e9;
      System.out.printf(Locale.ROOT, "feature pipeline: %d events read into a %d x %d CSR matrix (%d pairs) in %.1f s"
          + " = %.0f events/s%n", fb.maxEventId(), fb.users().size(), fb.items().size(), fb.matrix().nnz(), s,
          fb.maxEventId() / s);
      t0 = System.nanoTime();
      imps = Impressions.load(events);
      System.out.printf(Locale.ROOT, "impressions: %d labelled in %.1f s (click rate %.3f)%n", imps.size(),
          (System.nanoTime() - t0) / 1e9, imps.clickRate());
    }
    vae(fb.matrix(), device, vaeUsers, vaeEpochs);
    click(imps, device, clickImpressions);
  }

  /** Mult-VAE epochs over {@code maxUsers} users; the rate of the last epoch (after any warm-up) is compared. */
  private static void vae(Interactions x, Device device, int maxUsers, int epochs) {
    int[] rows = IntStream.range(0, x.users()).filter(u -> x.rowLength(u) > 0).limit(maxUsers).toArray();
    Interactions slice = x.selectRows(rows);
    MultVaeParams p = MultVaeParams.paper(epochs, 1_000);
    List<TrainingLoop.Epoch> reports = new ArrayList<>();
    MultVae.KIND.train(MultVae.Data.naive(slice), p, device, reports::add).close();
    for (TrainingLoop.Epoch e : reports) {
      System.out.printf(Locale.ROOT, "mult-vae epoch %d: %.2f s, %.0f users/s%n", e.epoch(),
          slice.users() / e.examplesPerSecond(), e.examplesPerSecond());
    }
    double usersPerSecond = reports.get(reports.size() - 1).examplesPerSecond();
    long items = x.items();
    // multiply-adds of one user's forward pass through I-600-400 and 200-600-I, times 2 FLOPs each,
    // times 3 for forward + backward (two matmuls per layer in the backward pass): the dense network's
    // count, comparable across versions
    long middle = (long) p.hidden() * 2 * p.latent() + (long) p.latent() * p.hidden();
    double denseFlops = 3.0 * 2 * (items * p.hidden() + middle + (long) p.hidden() * items);
    // what the step performs: the first layer multiplies only the kept (not dropped-out) consumed
    // items, forward and for its weights' gradient (its input needs none)
    double kept = (double) slice.nnz() / slice.users() * (1 - p.dropout());
    double performedFlops = 2 * (2 * kept * p.hidden() + 3.0 * (middle + (long) p.hidden() * items));
    double matmul = matmulGflops(device, p.batchSize(), items, p.hidden());
    double dense = usersPerSecond * denseFlops / 1e9;
    double performed = usersPerSecond * performedFlops / 1e9;
    System.out.printf(Locale.ROOT, "mult-vae: %d users x %d items, batch %d on %s: %.0f users/s;"
            + " dense-network count %.1f GFLOP/s, performed %.1f GFLOP/s;"
            + " plain %dx%d by %dx%d matmul on the same engine: %.1f GFLOP/s; ratio %.2f (performed %.2f)%n",
        slice.users(), items, p.batchSize(), device, usersPerSecond, dense, performed, p.batchSize(), items, items,
        p.hidden(), matmul, dense / matmul, performed / matmul);
  }

  private static double matmulGflops(Device device, int batch, long items, int hidden) {
    try (NDManager m = NDManager.newBaseManager(device)) {
      NDArray a = m.randomNormal(new Shape(batch, items));
      NDArray w = m.randomNormal(new Shape(items, hidden));
      a.matMul(w).close(); // warm-up
      int reps = 10;
      long t0 = System.nanoTime();
      for (int k = 0; k < reps; k++) {
        try (NDArray r = a.matMul(w)) {
          r.getFloat(0, 0); // forces the result on asynchronous devices
        }
      }
      double s = (System.nanoTime() - t0) / 1e9;
      return reps * 2.0 * batch * items * hidden / s / 1e9;
    }
  }

  private static void click(Impressions all, Device device, int max) {
    int n = Math.min(max, all.size());
    Impressions slice = all.select(IntStream.range(0, n).toArray());
    List<TrainingLoop.Epoch> reports = new ArrayList<>();
    ClickMlp.KIND.train(ClickMlp.Data.naive(slice), ClickMlp.Params.defaults(1), device, reports::add).close();
    System.out.printf(Locale.ROOT, "click-mlp: %d impressions, %d items, batch 1024 on %s: %.0f examples/s%n", n,
        all.items().size(), device, reports.get(0).examplesPerSecond());
  }
}
