package org.causalrec.model;

import ai.djl.MalformedModelException;
import ai.djl.nn.Block;
import ai.djl.ndarray.NDManager;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/** A block's parameters as bytes in memory: how training keeps its best epoch. */
final class ParameterBytes {

  private ParameterBytes() {}

  /** The block's parameters. */
  static byte[] save(Block block) {
    try {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      block.saveParameters(new DataOutputStream(bytes));
      return bytes.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Puts back parameters {@link #save} returned, into arrays of {@code manager}. */
  static void load(Block block, NDManager manager, byte[] bytes) {
    try {
      block.loadParameters(manager, new DataInputStream(new ByteArrayInputStream(bytes)));
    } catch (IOException | MalformedModelException e) {
      throw new IllegalStateException("cannot restore the best epoch's parameters", e);
    }
  }
}
