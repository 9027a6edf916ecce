package org.causalrec.cli;

import io.vertx.core.eventbus.MessageConsumer;
import org.causalrec.store.StoreHandle;
import io.vertx.core.json.JsonObject;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.causalrec.server.Server;
import org.causalrec.config.Config;
import org.causalrec.model.Devices;
import org.causalrec.store.EventRepository;
import org.causalrec.store.ModelRepository;
import org.causalrec.train.TrainingJobs;
import org.causalrec.train.TrainingRequest;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code causalrec train}: train a model on the stored events, with a progress bar; running servers pick it up. */
@Command(name = "train", mixinStandardHelpOptions = true,
    description = "Train a model version on the stored events and register it (servers switch to it within 30 s).")
public final class TrainCommand implements Callable<Integer> {

  @Mixin
  CommonOptions common;

  @Option(names = "--kind", defaultValue = "mult-vae", description = "mult-vae, click-mlp, exposure or uplift (default ${DEFAULT-VALUE})")
  String kind;

  @Option(names = "--objective", description = "naive, ips, snips (mult-vae, click-mlp) or dr (click-mlp);"
      + " default: the configured causal.vae_objective / causal.click_objective")
  String objective;

  @Option(names = "--propensity", description = "mult-vae with ips/snips: popularity or learned (default: causal.propensity)")
  String propensity;

  // Not evaluate's --epochs (Mult-VAE only, default 200): here the configured models.epochs is the default.
  @Option(names = "--epochs", description = "epochs (default: the configured models.epochs; 12 for click-mlp)")
  Integer epochs;

  @Override
  public Integer call() {
    Config config = common.config();
    Devices.Choice device = Devices.choose(config.device());
    System.err.println("device: " + device.device() + " (" + device.reason() + ")");
    try (StoreHandle store = StoreHandle.open(config)) {
      TrainingJobs training = new TrainingJobs(store.vertx(), store.pool(), new EventRepository(store.readPool()),
          new ModelRepository(store.pool()), config, device.device());
      try (org.causalrec.text.TextEmbedder text = org.causalrec.text.TextEmbedder.of(config.text())) {
        if (text != null) {
          // the embeddings the server (or causalrec embed) stored; the model is not loaded here
          training.useItemText(new org.causalrec.store.EmbeddingRepository(store.pool()), text.modelId());
        }
      }
      MessageConsumer<JsonObject> bar = store.vertx().eventBus().consumer(TrainingJobs.PROGRESS_ADDRESS,
          m -> System.err.print(progressLine(m.body())));
      bar.completion().await();
      try {
        String version = training.trainAndWait(kind, new TrainingRequest(epochs, objective, propensity)).await();
        System.err.println();
        ModelRepository.ModelRow row = new ModelRepository(store.pool()).list().await().stream()
            .filter(r -> r.version().equals(version)).findFirst().orElseThrow();
        System.out.println(version + " ready: " + row.metrics().encode());
      } finally {
        bar.unregister().await();
        training.close().await();
      }
    }
    return 0;
  }

  /**
   * One carriage-return line: a 30-character bar, the epoch, loss and validation figure; a
   * multi-stage run (exposure, uplift) reports its stages as lines of text instead.
   */
  static String progressLine(JsonObject p) {
    if (!"training".equals(p.getString("status"))) {
      return "";
    }
    if (p.getInteger("epoch") == null || p.getInteger("epochs") == null) {
      String detail = p.getString("detail");
      return detail == null ? "" : "\r" + p.getString("version") + ": " + detail + "\n";
    }
    int epoch = p.getInteger("epoch");
    int epochs = p.getInteger("epochs");
    int filled = (int) Math.round(30.0 * epoch / epochs);
    String bar = "#".repeat(filled) + ".".repeat(30 - filled);
    Double val = p.getDouble("validation_ndcg@100");
    Double speed = p.getDouble("users_per_second", p.getDouble("examples_per_second"));
    return String.format(Locale.ROOT, "\r%s [%s] epoch %d/%d loss %.4f%s %,.0f/s   ", p.getString("version"), bar,
        epoch, epochs, p.getDouble("loss"), val == null ? "" : String.format(Locale.ROOT, " val ndcg@100 %.4f", val),
        speed == null ? 0.0 : speed);
  }
}
