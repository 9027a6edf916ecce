package org.causalrec.train;

import org.causalrec.core.ApiException;
import org.causalrec.model.Objective;

/** Reading a request's objective. */
final class Objectives {

  private Objectives() {}

  /** The requested objective, or {@code configured} when none is; a bad name is a 400 naming objective. */
  static Objective parse(String requested, String configured) {
    try {
      return Objective.parse(requested != null ? requested : configured);
    } catch (IllegalArgumentException e) {
      throw ApiException.badField("objective", e.getMessage());
    }
  }
}
