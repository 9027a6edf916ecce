package org.causalrec.causal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.StringReader;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Policy files are read into per-position item distributions, and every malformed one is refused with its line and field. */
class PolicyFileTest {

  private static PolicyFile read(String text) {
    return PolicyFile.read(new BufferedReader(new StringReader(text)), "p.csv");
  }

  private static String refusal(String text) {
    return assertThrows(IllegalArgumentException.class, () -> read(text)).getMessage();
  }

  /** Reading {@code text} is refused with a message that names {@code what}. */
  private static void assertRefused(String text, String what) {
    String message = refusal(text);
    assertTrue(message.contains(what), message);
  }

  @Test
  void readsContextFreeAndPerUserPolicies() {
    PolicyFile free = read("item_id,position,probability\na,1,0.75\nb,1,0.25\n\nb,2,1\n");
    assertFalse(free.perUser());
    assertEquals(Map.of("a", 0.75, "b", 0.25), free.at("anyone", 1));
    assertEquals(Map.of("b", 1.0), free.at("someone else", 2));
    assertNull(free.at("anyone", 3));
    PolicyFile perUser = read("user_id,item_id,position,probability\nu1,a,1,1\nu2,b,1,0.5\nu2,c,1,0.5\n");
    assertTrue(perUser.perUser());
    assertEquals(Map.of("a", 1.0), perUser.at("u1", 1));
    assertEquals(Map.of("b", 0.5, "c", 0.5), perUser.at("u2", 1));
    assertNull(perUser.at("u3", 1));
  }

  @Test
  void refusesMalformedFilesNamingTheLineAndField() {
    assertRefused("", "line 1: empty file");
    String header = refusal("item,position,probability\na,1,1\n");
    assertTrue(header.contains("p.csv line 1, header: expected item_id,position,probability"), header);
    assertTrue(header.contains("unknown columns: item"), header);
    String h = "item_id,position,probability\n";
    assertRefused("item_id,position,probability,score\na,1,1,3\n", "unknown columns: score");
    assertRefused(h + "a,1\n", "line 2: expected 3 fields");
    assertRefused(h + "a,1,1.5\n", "line 2, field probability: '1.5' is not a number in [0, 1]");
    assertRefused(h + "a,1,0.5\nb,1,-0.1\n", "line 3, field probability");
    assertRefused(h + "a,1,half\n", "field probability: 'half'");
    assertRefused(h + "a,0,1\n", "line 2, field position: '0' is not a whole number from 1");
    assertRefused("user_id," + h + "u1, ,1,1\n", "line 2, field item_id: empty");
    assertRefused(h + "a,1,0.5\na,1,0.5\n", "line 3, field item_id: item a at position 1 is listed twice");
    assertRefused(h + "a,1,1\nb,2,0.5\nc,2,0.3\n",
        "line 3, field probability: the probabilities of position 2 sum to 0.800000, not 1");
    assertRefused("user_id," + h + "u1,a,1,1\nu2,a,1,0.4\n", "position 1 for user u2 sum to 0.400000");
    assertRefused(h, "no rows");
  }

  @Test
  void toleratesRoundingInTheSums() {
    PolicyFile p = read("item_id,position,probability\na,1,0.3333333\nb,1,0.3333333\nc,1,0.3333334\n");
    assertEquals(3, p.at("u", 1).size());
  }
}
