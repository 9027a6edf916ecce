package org.causalrec.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * A generalised matrix factorisation (He et al., NCF, WWW 2017, its GMF part) with several heads,
 * whose user vector is, as in SVD++ (Koren, KDD 2008), a learned user embedding plus the weighted
 * mean of embeddings of the user's history items: p_u + sum_h w_h y_h. The user vector and item
 * embedding q_i, concatenated with their element-wise product, go through one linear layer to one
 * logit per head: the linear terms act as per-user and per-item biases (popularity, promotion),
 * the product as affinity. The history lets users with little logged exposure borrow strength from
 * what they consumed anywhere. The last row of each table stands for users or items unseen in
 * training (and pads histories). Pair features (e.g. a collaborative model's score of the pair),
 * when the model has them, join the linear layer's input. Inputs: (user int64 [B], item int64 [B],
 * history int64 [B, H], history weights float32 [B, H][, pair features float32 [B, F]]); output:
 * logits float32 [B, heads].
 */
final class PairBlock extends AbstractBlock {

  private static final byte VERSION = 1;

  private final int dim;
  private final int heads;
  private final int features;
  private final Parameter userEmbedding;
  private final Parameter itemEmbedding;
  private final Parameter historyEmbedding;
  private final Linear out;

  PairBlock(int users, int items, int dim, int heads, int features) {
    super(VERSION);
    this.dim = dim;
    this.heads = heads;
    this.features = features;
    userEmbedding = addParameter(Parameter.builder().setName("user_embedding").setType(Parameter.Type.WEIGHT)
        .optShape(new Shape(users + 1L, dim)).build());
    itemEmbedding = addParameter(Parameter.builder().setName("item_embedding").setType(Parameter.Type.WEIGHT)
        .optShape(new Shape(items + 1L, dim)).build());
    historyEmbedding = addParameter(Parameter.builder().setName("history_embedding")
        .setType(Parameter.Type.WEIGHT).optShape(new Shape(items + 1L, dim)).build());
    out = addChildBlock("out", Linear.builder().setUnits(heads).build());
  }

  @Override
  protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training,
      PairList<String, Object> params) {
    NDArray users = inputs.get(0);
    NDArray items = inputs.get(1);
    // rows fetched into the batch's manager, not the parameters' (see ClickMlpBlock)
    NDManager batch = users.getManager();
    NDArray history = inputs.get(2);
    NDArray weights = inputs.get(3);
    NDArray h = ps.getValue(historyEmbedding, history.getDevice(), training)
        .get(batch, new NDIndex("{}", history.reshape(-1)))
        .reshape(history.getShape().get(0), history.getShape().get(1), dim);
    NDArray p = ps.getValue(userEmbedding, users.getDevice(), training).get(batch, new NDIndex("{}", users))
        .add(h.mul(weights.expandDims(2)).sum(new int[] {1}));
    NDArray q = ps.getValue(itemEmbedding, items.getDevice(), training).get(batch, new NDIndex("{}", items));
    NDList parts = new NDList(p, q, p.mul(q));
    if (features > 0) {
      parts.add(inputs.get(4));
    }
    NDArray x = NDArrays.concat(parts, 1);
    return out.forward(ps, new NDList(x), training);
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    return new Shape[] {new Shape(inputShapes[0].get(0), heads)};
  }

  @Override
  protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
    out.initialize(manager, dataType, new Shape(inputShapes[0].get(0), 3L * dim + features));
  }
}
