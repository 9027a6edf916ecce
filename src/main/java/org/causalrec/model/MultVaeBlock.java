package org.causalrec.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Activation;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * The Mult-VAE network: L2-normalised multi-hot input, input dropout (training only), encoder
 * I -> hidden -> (mu, log sigma^2) with tanh, a reparameterised sample (training only; mu
 * otherwise), decoder latent -> hidden -> I logits. Outputs (logits, mu, logvar).
 *
 * <p>The input is either the binary multi-hot rows as a dense array, normalised here (inference),
 * or a sparse COO array that already holds the normalised values, dropped out in training (how the
 * trainer feeds it): the first layer is then a sparse × dense product, one multiply-add per consumed
 * item instead of one per item of the catalogue, and so is its gradient.
 */
final class MultVaeBlock extends AbstractBlock {

  private static final byte VERSION = 1;

  private final int items;
  private final int hidden;
  private final int latent;
  private final Linear encoder;
  private final Linear stats;
  private final Linear decoderHidden;
  private final Linear decoderOut;

  MultVaeBlock(int items, int hidden, int latent) {
    super(VERSION);
    this.items = items;
    this.hidden = hidden;
    this.latent = latent;
    encoder = addChildBlock("encoder", Linear.builder().setUnits(hidden).build());
    stats = addChildBlock("stats", Linear.builder().setUnits(2L * latent).build());
    decoderHidden = addChildBlock("decoder_hidden", Linear.builder().setUnits(hidden).build());
    decoderOut = addChildBlock("decoder_out", Linear.builder().setUnits(items).build());
  }

  @Override
  protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training,
      PairList<String, Object> params) {
    NDArray x = inputs.singletonOrThrow();
    if (x.getSparseFormat() == SparseFormat.COO) {
      return fromHidden(ps, Activation.tanh(encoder.forward(ps, inputs, training).singletonOrThrow()), training);
    }
    if (training) {
      throw new IllegalArgumentException("training takes the sparse input, normalised and dropped out by the trainer");
    }
    NDArray h = x.div(x.square().sum(new int[] {1}, true).sqrt().maximum(1e-12f));
    h = Activation.tanh(encoder.forward(ps, new NDList(h), training).singletonOrThrow());
    return fromHidden(ps, h, training);
  }

  /**
   * Inference logits from binary histories given sparsely, equal to the dense forward's without
   * its items x hidden multiply-adds per row: {@code cols} (int64 [U]) the batch's distinct items,
   * {@code x} [rows, U] the L2-normalised input restricted to them. The first layer gathers those
   * items' weight columns.
   */
  NDArray logitsSparse(ParameterStore ps, NDArray cols, NDArray x) {
    NDManager batch = x.getManager();
    // get(manager, index): the gathered columns belong to the batch, not to the parameters' manager
    NDArray w = ps.getValue(encoder.getParameters().get("weight"), x.getDevice(), false)
        .get(batch, new NDIndex(":, {}", cols));
    NDArray b = ps.getValue(encoder.getParameters().get("bias"), x.getDevice(), false);
    NDArray h = Activation.tanh(x.dot(w.transpose()).add(b));
    return fromHidden(ps, h, false).get(0);
  }

  /** The network from the encoder's hidden layer on: (logits, mu, logvar). */
  private NDList fromHidden(ParameterStore ps, NDArray h, boolean training) {
    NDArray st = stats.forward(ps, new NDList(h), training).singletonOrThrow();
    NDArray mu = st.get(":, :" + latent);
    NDArray logvar = st.get(":, " + latent + ":");
    NDArray z = mu;
    if (training) {
      NDArray eps = mu.getManager().randomNormal(mu.getShape());
      z = mu.add(eps.mul(logvar.mul(0.5f).exp()));
    }
    NDArray d = Activation.tanh(decoderHidden.forward(ps, new NDList(z), training).singletonOrThrow());
    NDArray logits = decoderOut.forward(ps, new NDList(d), training).singletonOrThrow();
    return new NDList(logits, mu, logvar);
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    long batch = inputShapes[0].get(0);
    return new Shape[] {new Shape(batch, items), new Shape(batch, latent), new Shape(batch, latent)};
  }

  @Override
  protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
    long batch = inputShapes[0].get(0);
    encoder.initialize(manager, dataType, inputShapes[0]);
    stats.initialize(manager, dataType, new Shape(batch, hidden));
    decoderHidden.initialize(manager, dataType, new Shape(batch, latent));
    decoderOut.initialize(manager, dataType, new Shape(batch, hidden));
  }
}
