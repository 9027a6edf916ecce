package org.causalrec.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Activation;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * The click model's network. The user is represented by their history (YouTube-DNN style): the
 * weighted mean of history-item embeddings, so any user, new or not, has a representation. It is
 * concatenated with the target item's embedding (the last row of each table is for items unseen
 * in training and for padding) and the context features into an MLP hidden -> hidden -> 1 with
 * ReLU; outputs the click logit. Inputs: (history float32 [B, items + 1], sparse COO: each row's
 * history items with their weights; item int64 [B]; context float32 [B, C]) and, when the model
 * has per-item features (item text embeddings), item features float32 [B, F] as a fourth input.
 * The weighted mean is a sparse × dense product with the history table, so its gradient touches
 * only the batch's history rows' terms.
 */
final class ClickMlpBlock extends AbstractBlock {

  private static final byte VERSION = 1;

  private final int contextDim;
  private final int featureDim;
  private final int embedding;
  private final int hidden;
  private final Parameter userEmbedding;
  private final Parameter itemEmbedding;
  private final Linear layer1;
  private final Linear layer2;
  private final Linear out;

  ClickMlpBlock(int items, int embedding, int contextDim, int featureDim, int hidden) {
    super(VERSION);
    this.contextDim = contextDim;
    this.featureDim = featureDim;
    this.embedding = embedding;
    this.hidden = hidden;
    userEmbedding = addParameter(Parameter.builder().setName("history_embedding").setType(Parameter.Type.WEIGHT)
        .optShape(new Shape(items + 1L, embedding)).build());
    itemEmbedding = addParameter(Parameter.builder().setName("item_embedding").setType(Parameter.Type.WEIGHT)
        .optShape(new Shape(items + 1L, embedding)).build());
    layer1 = addChildBlock("layer1", Linear.builder().setUnits(hidden).build());
    layer2 = addChildBlock("layer2", Linear.builder().setUnits(hidden).build());
    out = addChildBlock("out", Linear.builder().setUnits(1).build());
  }

  @Override
  protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training,
      PairList<String, Object> params) {
    NDArray history = inputs.get(0);
    NDArray items = inputs.get(1);
    NDArray context = inputs.get(2);
    NDArray u = history.matMul(ps.getValue(userEmbedding, history.getDevice(), training));
    // get(manager, index): the rows belong to the batch's manager, not the parameters' (which
    // would keep every batch's activations alive until the model closes).
    NDArray i = ps.getValue(itemEmbedding, items.getDevice(), training)
        .get(items.getManager(), new NDIndex("{}", items));
    NDList parts = new NDList(u, i, context);
    if (featureDim > 0) {
      parts.add(inputs.get(3));
    }
    NDArray x = NDArrays.concat(parts, 1);
    x = Activation.relu(layer1.forward(ps, new NDList(x), training).singletonOrThrow());
    x = Activation.relu(layer2.forward(ps, new NDList(x), training).singletonOrThrow());
    return out.forward(ps, new NDList(x), training);
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    return new Shape[] {new Shape(inputShapes[1].get(0), 1)};
  }

  @Override
  protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
    long batch = inputShapes[1].get(0);
    layer1.initialize(manager, dataType, new Shape(batch, 2L * embedding + contextDim + featureDim));
    layer2.initialize(manager, dataType, new Shape(batch, hidden));
    out.initialize(manager, dataType, new Shape(batch, hidden));
  }
}
