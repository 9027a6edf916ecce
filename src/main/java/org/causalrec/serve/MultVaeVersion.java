package org.causalrec.serve;

import java.util.List;
import org.causalrec.data.IdIndex;
import org.causalrec.model.CfModel;

/**
 * An immutable, published model version with the catalogue facts serving needs, aligned with the
 * model's item columns.
 *
 * @param version registry version, e.g. mult-vae-3
 * @param model the loaded model
 * @param items item id index of the model's columns
 * @param titles item titles (null where the item is not in the catalogue)
 * @param categories item categories (empty where unknown)
 */
record MultVaeVersion(String version, CfModel model, IdIndex items, String[] titles, List<List<String>> categories)
    implements ServedVersion {

  @Override
  public void close() {
    model.close();
  }
}
