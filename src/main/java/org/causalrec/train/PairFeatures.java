package org.causalrec.train;

import ai.djl.Device;
import io.vertx.core.json.JsonArray;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.causalrec.causal.CfFeatures;
import org.causalrec.data.Feedback;
import org.causalrec.data.IdIndex;
import org.causalrec.model.MultVae;
import org.causalrec.model.MultVaeParams;

/**
 * A Mult-VAE fitted to the positive feedback, and the collaborative view of each (history, item)
 * pair it gives the uplift and click models over their vocabulary of items.
 *
 * @param cf the model (closed with this)
 * @param feedback what it was fitted to
 * @param features its features over the items asked for
 * @param counts per item asked for: how many users took it (the popularity feature's counts)
 */
public record PairFeatures(MultVae cf, Feedback feedback, CfFeatures features, int[] counts)
    implements AutoCloseable {

  /** Epochs of the feature Mult-VAE. */
  public static final int EPOCHS = 30;

  /** Fits the feature Mult-VAE to {@code fb} for features over {@code items}; refuses feedback without users. */
  public static PairFeatures fit(Feedback fb, IdIndex items, Device device) {
    if (fb.users().size() == 0) {
      throw new IllegalStateException("no positive feedback to learn the collaborative pair features from");
    }
    MultVae cf = MultVae.KIND.train(MultVae.Data.naive(fb.matrix()), MultVaeParams.forData(EPOCHS,
        fb.users().size(), MultVaeParams.DEFAULT_SEED), device, r -> { });
    int[] toFb = items.indexesIn(fb.items());
    int[] fbCounts = fb.matrix().itemCounts();
    int[] counts = new int[toFb.length];
    for (int i = 0; i < counts.length; i++) {
      counts[i] = toFb[i] < 0 ? 0 : fbCounts[toFb[i]];
    }
    return new PairFeatures(cf, fb, CfFeatures.of(cf, fb, items), counts);
  }

  /** Writes {@code item-counts.json}: what serving rebuilds the popularity feature from. */
  public void saveCounts(Path dir) throws IOException {
    Files.writeString(dir.resolve("item-counts.json"), new JsonArray(Arrays.stream(counts).boxed().toList()).encode());
  }

  @Override
  public void close() {
    cf.close();
  }
}
