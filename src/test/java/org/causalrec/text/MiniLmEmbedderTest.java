package org.causalrec.text;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class MiniLmEmbedderTest {

  static MiniLmEmbedder embedder;
  static java.net.ProxySelector previous;
  /** Every URI Java's networking was asked to reach while the model loaded and ran. */
  static final List<java.net.URI> reached = new java.util.concurrent.CopyOnWriteArrayList<>();

  @BeforeAll
  static void load() {
    // the build runs every test with DJL's offline mode on: the model must come from the class path
    assertEquals("true", System.getProperty("ai.djl.offline"));
    previous = java.net.ProxySelector.getDefault();
    java.net.ProxySelector.setDefault(new java.net.ProxySelector() {
      @Override
      public List<java.net.Proxy> select(java.net.URI uri) {
        reached.add(uri);
        return List.of(java.net.Proxy.NO_PROXY);
      }

      @Override
      public void connectFailed(java.net.URI uri, java.net.SocketAddress sa, java.io.IOException ioe) {
      }
    });
    embedder = new MiniLmEmbedder();
    embedder.embed(List.of("loads the model"));
  }

  @AfterAll
  static void close() {
    embedder.close();
    java.net.ProxySelector.setDefault(previous);
  }

  @Test
  void theModelNeverTouchesTheNetwork() {
    embedder.embed(List.of("one more text", "and another"));
    assertTrue(reached.isEmpty(), "network access: " + reached);
  }

  @Test
  void relatedTitlesAreCloserThanUnrelatedOnes() {
    float[][] v = embedder.embed(List.of("Lightweight waterproof hiking boots for mountain trails",
        "Rugged trail shoes for hikers", "Stainless steel espresso machine for the kitchen"));
    assertEquals(3, v.length);
    assertEquals(384, v[0].length);
    for (float[] x : v) {
      assertEquals(1.0, Vectors.dot(x, x), 1e-4, "unit length");
    }
    float related = Vectors.dot(v[0], v[1]);
    float unrelated = Vectors.dot(v[0], v[2]);
    assertTrue(related > unrelated + 0.2, "boots~shoes " + related + " vs boots~espresso " + unrelated);
  }

  @Test
  void batchedEqualsOneByOneAndPaddingDoesNotLeak() {
    String shortText = "jazz vinyl record";
    String longText = "A premium choice for anyone into classical music: the vintage violin is handmade and made "
        + "for jam sessions. Also great for home recording.";
    float[][] both = embedder.embed(List.of(longText, shortText));
    float[] alone = embedder.embed(List.of(shortText))[0];
    assertEquals(1.0, Vectors.dot(both[1], alone), 1e-4, "the short text padded in a batch embeds as alone");
    assertTrue(embedder.modelId().startsWith("all-MiniLM-L6-v2 from dev.langchain4j:"), embedder.modelId());
    assertEquals(16, embedder.modelSha256().length());
  }

  @Test
  void knownSentencePairMatchesSentenceTransformers() {
    // sentence-transformers/all-MiniLM-L6-v2 puts these two at cosine ~0.6 or more, and an unrelated
    // sentence near 0
    float[][] v = embedder.embed(List.of("A man is eating food.", "A man is eating a piece of bread.",
        "The new movie is awesome."));
    assertTrue(Vectors.dot(v[0], v[1]) > 0.6, "paraphrase " + Vectors.dot(v[0], v[1]));
    assertTrue(Vectors.dot(v[0], v[2]) < 0.2, "unrelated " + Vectors.dot(v[0], v[2]));
  }

  @Test
  void threadsEmbedAtOnceAndGetWhatTheyWouldAlone() throws Exception {
    List<String> texts = List.of("a sturdy tent for the mountains", "an espresso machine",
        "a gripping detective novel", "noise cancelling headphones");
    float[][] alone = embedder.embed(texts);
    java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(4);
    try {
      List<java.util.concurrent.Future<float[]>> futures = new java.util.ArrayList<>();
      for (int round = 0; round < 5; round++) {
        for (String t : texts) {
          futures.add(pool.submit(() -> embedder.embed(List.of(t))[0]));
        }
      }
      for (int k = 0; k < futures.size(); k++) {
        assertEquals(1.0, Vectors.dot(futures.get(k).get(), alone[k % texts.size()]), 1e-4, "text " + k);
      }
    } finally {
      pool.shutdown();
    }
  }

  @Test
  void closingWhileAnotherThreadEmbedsWaitsForItInsteadOfFreeingTheModelUnderIt() throws Exception {
    MiniLmEmbedder own = new MiniLmEmbedder();
    List<String> many = new java.util.ArrayList<>();
    for (int k = 0; k < 300; k++) {
      many.add("a long enough description of item number " + k + " for hiking, cooking and music lovers alike");
    }
    java.util.concurrent.CompletableFuture<float[][]> running =
        java.util.concurrent.CompletableFuture.supplyAsync(() -> own.embed(many));
    Thread.sleep(300);
    own.close();
    // the embedding either finished before the close (then every vector is whole) or never started
    try {
      float[][] v = running.get(120, java.util.concurrent.TimeUnit.SECONDS);
      assertEquals(300, v.length);
      assertEquals(1.0, Vectors.dot(v[299], v[299]), 1e-4);
    } catch (java.util.concurrent.ExecutionException e) {
      assertTrue(e.getCause() instanceof IllegalStateException, e.toString());
    }
    IllegalStateException after = org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
        () -> own.embed(List.of("after the close")));
    assertTrue(after.getMessage().contains("closed"));
  }
}
