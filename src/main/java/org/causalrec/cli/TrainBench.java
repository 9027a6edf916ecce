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
import org.causalrec.server.Server;
import org.causalrec.config.Config;
import org.causalrec.data.Feedback;
import org.causalrec.data.Impressions;
import org.causalrec.data.Interactions;
import org.causalrec.model.ClickMlp;
import org.causalrec.model.MultVae;
import org.causalrec.model.MultVaeParams;
import org.causalrec.store.EventRepository;

/**
 * {@code causalrec bench train}: training throughput on the stored events: the feature pipeline,
 * one Mult-VAE epoch over a slice of users (with the FLOPs it does, against a plain matmul of the
 * same engine and shapes), and one click-MLP epoch over a slice of impressions.
 */
final class TrainBench {

  private TrainBench() {}

  static void run(Config config, Device device, int vaeUsers, int clickImpressions) {
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
    vae(fb.matrix(), device, vaeUsers);
    click(imps, device, clickImpressions);
  }

  private static void vae(Interactions x, Device device, int maxUsers) {
    int[] rows = IntStream.range(0, x.users()).filter(u -> x.rowLength(u) > 0).limit(maxUsers).toArray();
    Interactions slice = x.selectRows(rows);
    MultVaeParams p = MultVaeParams.paper(1, 1_000);
    List<TrainingLoop.Epoch> reports = new ArrayList<>();
    MultVae.KIND.train(MultVae.Data.naive(slice), p, device, reports::add).close();
    double usersPerSecond = reports.get(0).examplesPerSecond();
    long items = x.items();
    // multiply-adds of one user's forward pass through I-600-400 and 200-600-I, times 2 FLOPs each,
    // times 3 for forward + backward (two matmuls per layer in the backward pass)
    double flopsPerUser = 3.0 * 2 * (items * p.hidden() + (long) p.hidden() * 2 * p.latent()
        + (long) p.latent() * p.hidden() + (long) p.hidden() * items);
    double achieved = usersPerSecond * flopsPerUser / 1e9;
    double matmul = matmulGflops(device, p.batchSize(), items, p.hidden());
    System.out.printf(Locale.ROOT, "mult-vae: %d users x %d items, batch %d on %s: %.0f users/s, %.1f GFLOP/s;"
            + " plain %dx%d by %dx%d matmul on the same engine: %.1f GFLOP/s; ratio %.2f%n",
        slice.users(), items, p.batchSize(), device, usersPerSecond, achieved, p.batchSize(), items, items,
        p.hidden(), matmul, achieved / matmul);
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
