package org.causalrec.experiment;

import org.causalrec.model.TopK;
import java.util.Arrays;
import org.causalrec.data.Feedback;
import org.causalrec.data.IdIndex;
import org.causalrec.data.Impressions;
import org.causalrec.sim.World;

/** A simulated world's truth in the indexes of a log and of its feedback (world ids are u<k>, i<k>). */
final class WorldTruth {

  final World world;
  final Impressions log;
  final int[] impUser;
  final int[] impItem;
  final int[] fbUser;
  final int[] fbItem;

  WorldTruth(World world, Impressions log, Feedback feedback) {
    this.world = world;
    this.log = log;
    impUser = worldIndexes(log.users());
    impItem = worldIndexes(log.items());
    fbUser = worldIndexes(feedback.users());
    fbItem = worldIndexes(feedback.items());
  }

  private static int[] worldIndexes(IdIndex ids) {
    int[] out = new int[ids.size()];
    for (int k = 0; k < out.length; k++) {
      out[k] = Integer.parseInt(ids.id(k).substring(1));
    }
    return out;
  }

  /** True relevance of world user wu for every world item. */
  double[] relevance(int wu) {
    double[] r = new double[world.items()];
    for (int i = 0; i < r.length; i++) {
      r[i] = world.relevance(wu, i);
    }
    return r;
  }

  /** World items ranked by a model's scores over its own items (items it does not know last). */
  int[] rankWorldItems(float[] scores, int[] toWorld) {
    float[] s = new float[world.items()];
    Arrays.fill(s, Float.NEGATIVE_INFINITY);
    for (int i = 0; i < scores.length; i++) {
      s[toWorld[i]] = scores[i];
    }
    return TopK.of(s, world.items(), null);
  }
}
