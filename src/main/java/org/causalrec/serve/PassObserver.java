package org.causalrec.serve;

/** Told of every scoring or ranking pass: how many requests it served and how long it took. */
@FunctionalInterface
public interface PassObserver {

  /** Called on the scoring thread after a pass over {@code requests} requests that took {@code nanos}. */
  void pass(int requests, long nanos);
}
