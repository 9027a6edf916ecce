package org.causalrec.text;

/** Small dense-vector helpers for embeddings. */
public final class Vectors {

  private Vectors() {}

  /** Scales {@code v} to unit length in place (a zero vector stays zero) and returns it. */
  public static float[] normalize(float[] v) {
    double s = 0;
    for (float x : v) {
      s += x * x;
    }
    if (s > 0) {
      float inv = (float) (1 / Math.sqrt(s));
      for (int k = 0; k < v.length; k++) {
        v[k] *= inv;
      }
    }
    return v;
  }

  /** The dot product of row {@code row} of the row-major matrix {@code m} ({@code a.length} columns) with {@code a}. */
  public static float dot(float[] a, float[] m, int row) {
    return dot(a, 0, m, row * a.length, a.length);
  }

  /** The dot product of {@code d} floats of {@code a} from {@code aOff} and of {@code b} from {@code bOff}. */
  public static float dot(float[] a, int aOff, float[] b, int bOff, int d) {
    // four independent sums let the CPU pipeline the multiply-adds
    float s0 = 0;
    float s1 = 0;
    float s2 = 0;
    float s3 = 0;
    int k = 0;
    for (; k + 3 < d; k += 4) {
      s0 += a[aOff + k] * b[bOff + k];
      s1 += a[aOff + k + 1] * b[bOff + k + 1];
      s2 += a[aOff + k + 2] * b[bOff + k + 2];
      s3 += a[aOff + k + 3] * b[bOff + k + 3];
    }
    for (; k < d; k++) {
      s0 += a[aOff + k] * b[bOff + k];
    }
    return (s0 + s1) + (s2 + s3);
  }

  /** The dot product of two vectors of one length. */
  public static float dot(float[] a, float[] b) {
    return dot(a, b, 0);
  }
}
