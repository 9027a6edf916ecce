package org.causalrec.cli;

import java.util.Locale;
import org.causalrec.store.StoreHandle;
import java.util.concurrent.Callable;
import org.causalrec.server.Server;
import org.causalrec.config.Config;
import org.causalrec.text.ItemEmbeddings;
import org.causalrec.text.TextEmbedder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code causalrec embed}: embed every item whose text embedding is missing or out of date, then stop. */
@Command(name = "embed", mixinStandardHelpOptions = true,
    description = "Backfill item text embeddings: embed the items that have none, or whose text or model changed.")
public final class EmbedCommand implements Callable<Integer> {

  @Mixin
  CommonOptions common;

  @Option(names = "--batch-size", description = "items per batch (default: text.batch_size, 32)")
  Integer batchSize;

  @Override
  public Integer call() {
    Config config = common.config();
    Config.TextConfig t = config.text();
    if (batchSize != null) {
      t = t.toBuilder().setBatchSize(batchSize).build();
    }
    TextEmbedder embedder = TextEmbedder.of(t);
    if (embedder == null) {
      System.err.println("text features are off (text.provider: off): nothing to embed");
      return 2;
    }
    try (StoreHandle store = StoreHandle.open(config);
        ItemEmbeddings text = new ItemEmbeddings(store.vertx(), store.pool(), embedder, t)) {
      long[] before = text.counts().await();
      System.err.printf(Locale.ROOT, "%d items, %d with a current embedding by %s%n", before[0], before[1],
          text.model());
      long t0 = System.nanoTime();
      int embedded = text.drain().await();
      double s = (System.nanoTime() - t0) / 1e9;
      long[] after = text.counts().await();
      System.out.printf(Locale.ROOT, "embedded %d items in %.1f s (%.0f items/s); %d of %d items now have a current"
          + " embedding%n", embedded, s, embedded / Math.max(s, 1e-9), after[1], after[0]);
      return after[1] == after[0] ? 0 : 1;
    }
  }
}
