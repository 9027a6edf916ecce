package org.causalrec.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The fast timestamp path accepts and refuses exactly what {@link OffsetDateTime#parse} does, to the nanosecond. */
class IsoInstantTest {

  private static final String ALPHABET = "0123456789-:T.Z+ z";

  @Test
  void agreesWithTheFormatterOnValidAndMangledTimestamps() {
    SplittableRandom rng = new SplittableRandom(17);
    int fast = 0;
    for (int k = 0; k < 200_000; k++) {
      String s = mangle(valid(rng), rng);
      Instant want;
      try {
        want = OffsetDateTime.parse(s).toInstant();
      } catch (java.time.DateTimeException e) {
        want = null;
      }
      Instant got;
      try {
        got = IsoInstant.parse(s);
      } catch (java.time.DateTimeException e) {
        got = null;
      }
      assertEquals(want, got, s);
      if (IsoInstant.fast(s) != null) {
        fast++;
      }
    }
    assertTrue(fast > 20_000, "the fast path took " + fast); // it is exercised, not bypassed
  }

  @Test
  void readsTheFormsClientsSend() {
    assertEquals(Instant.parse("2026-01-31T12:00:00Z"), IsoInstant.fast("2026-01-31T12:00:00Z"));
    assertEquals(Instant.parse("2026-01-31T10:30:00.123Z"), IsoInstant.fast("2026-01-31T12:00:00.123+01:30"));
    assertEquals(Instant.parse("2024-02-29T23:59:59.999999999Z"), IsoInstant.fast("2024-02-29T23:59:59.999999999Z"));
    assertNotNull(IsoInstant.fast("2026-06-01T00:00:00-07:00"));
    assertEquals(null, IsoInstant.fast("2023-02-29T00:00:00Z"), "not a date: left to the formatter, which refuses it");
  }

  /** A date-time with offset in one of the forms clients write, sometimes out of range. */
  private static String valid(SplittableRandom rng) {
    StringBuilder b = new StringBuilder();
    b.append(String.format("%04d-%02d-%02dT%02d:%02d", rng.nextInt(1900, 2300), rng.nextInt(0, 14),
        rng.nextInt(0, 33), rng.nextInt(0, 25), rng.nextInt(0, 61)));
    if (rng.nextInt(10) > 0) {
      b.append(String.format(":%02d", rng.nextInt(0, 61)));
    }
    if (rng.nextInt(3) == 0) {
      b.append('.');
      int digits = rng.nextInt(0, 11);
      for (int d = 0; d < digits; d++) {
        b.append(rng.nextInt(10));
      }
    }
    switch (rng.nextInt(5)) {
      case 0, 1 -> b.append('Z');
      case 2 -> b.append(String.format("%s%02d:%02d", rng.nextBoolean() ? "+" : "-", rng.nextInt(0, 20),
          rng.nextInt(0, 61)));
      case 3 -> b.append(String.format("+%02d%02d", rng.nextInt(0, 19), rng.nextInt(0, 60)));
      default -> b.append(rng.nextBoolean() ? "z" : "");
    }
    return b.toString();
  }

  /** Half the time one character replaced, inserted or removed. */
  private static String mangle(String s, SplittableRandom rng) {
    if (rng.nextBoolean() || s.isEmpty()) {
      return s;
    }
    int at = rng.nextInt(s.length());
    char c = ALPHABET.charAt(rng.nextInt(ALPHABET.length()));
    return switch (rng.nextInt(3)) {
      case 0 -> s.substring(0, at) + c + s.substring(at + 1);
      case 1 -> s.substring(0, at) + c + s.substring(at);
      default -> s.substring(0, at) + s.substring(at + 1);
    };
  }
}
