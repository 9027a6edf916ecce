package org.causalrec.serve;

/** A loaded model version that serves: named, and holding native memory until closed. */
interface ServedVersion {

  /** The registry version, e.g. mult-vae-3. */
  String version();

  /** Releases the model. */
  void close();
}
