package org.causalrec.store;

import org.causalrec.api.HttpVerticle;

/**
 * A class planted in store/ that reaches up into api/: the architecture test checks that its rule
 * fails on it. It lives in the test sources only.
 */
public final class PlantedBackwardsImport {

  private PlantedBackwardsImport() {}

  /** Uses a class of a package above store/. */
  static int port(HttpVerticle http) {
    return http.port();
  }
}
