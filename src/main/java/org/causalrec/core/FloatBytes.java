package org.causalrec.core;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;

/** Float vectors as little-endian float32 bytes, the one form they are stored in (database rows, model files). */
public final class FloatBytes {

  private FloatBytes() {}

  /** The rows one after the other. */
  public static byte[] of(float[]... rows) {
    int n = 0;
    for (float[] r : rows) {
      n += r.length;
    }
    ByteBuffer b = ByteBuffer.allocate(4 * n).order(ByteOrder.LITTLE_ENDIAN);
    FloatBuffer f = b.asFloatBuffer();
    for (float[] r : rows) {
      f.put(r);
    }
    return b.array();
  }

  /** Every float of {@code bytes} (a multiple of 4 long). */
  public static float[] floats(byte[] bytes) {
    float[] v = new float[bytes.length / 4];
    ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(v);
    return v;
  }

  /** {@code bytes} as rows of {@code width} floats. */
  public static float[][] rows(byte[] bytes, int width) {
    FloatBuffer f = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
    float[][] out = new float[bytes.length / 4 / width][width];
    for (float[] row : out) {
      f.get(row);
    }
    return out;
  }
}
