package org.causalrec.sim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Coat-shaped self-selection world: its shape, its missing-not-at-random choice, its files. */
class SelfSelectionTest {

  @TempDir
  Path dir;

  @Test
  void usersChooseWhatTheyLikeAndTheTestIsUniformOverTheRest() {
    SelfSelection shape = SelfSelection.coatShaped();
    SelfSelection.Ratings r = shape.generate(11);
    int[] all = new int[6];
    int[] chosen = new int[6];
    int[] tested = new int[6];
    for (int u = 0; u < shape.users(); u++) {
      int rated = 0;
      int random = 0;
      for (int i = 0; i < shape.items(); i++) {
        int y = r.truth()[u][i];
        assertTrue(y >= 1 && y <= 5);
        all[y]++;
        if (r.train()[u][i] > 0) {
          assertEquals(y, r.train()[u][i]);
          chosen[y]++;
          rated++;
        }
        if (r.test()[u][i] > 0) {
          assertEquals(0, r.train()[u][i], "test pairs are never chosen ones");
          tested[y]++;
          random++;
        }
      }
      assertEquals(24, rated);
      assertEquals(16, random);
    }
    int pairs = shape.users() * shape.items();
    for (int y = 1; y <= 5; y++) {
      assertEquals(SelfSelection.RATING_SHARES[y - 1], all[y] / (double) pairs, 0.01, "share of rating " + y);
    }
    // P(O = 1 | y) rises with y, as Marlin and Zemel measured on Yahoo!
    for (int y = 2; y <= 5; y++) {
      assertTrue(chosen[y] / (double) all[y] > chosen[y - 1] / (double) all[y - 1], "P(O | " + y + ")");
    }
    double chosenPositive = (chosen[4] + chosen[5]) / (double) (shape.users() * 24);
    double testPositive = (tested[4] + tested[5]) / (double) (shape.users() * 16);
    double truePositive = (all[4] + all[5]) / (double) pairs;
    assertTrue(chosenPositive > truePositive + 0.1, chosenPositive + " vs " + truePositive);
    assertEquals(truePositive, testPositive, 0.03, "the random test sees the true share");
  }

  @Test
  void theSameSeedDrawsTheSameWorldWrittenAsCoatFiles() throws Exception {
    SelfSelection shape = new SelfSelection(20, 30, 5, 4, 3);
    SelfSelection.Ratings a = shape.generate(5);
    assertArrayEquals(a.train(), shape.generate(5).train());
    SelfSelection.writeCoat(a, dir);
    List<String> train = Files.readAllLines(dir.resolve("train.ascii"));
    assertEquals(20, train.size());
    String[] first = train.get(0).split(" ");
    assertEquals(30, first.length);
    for (int i = 0; i < 30; i++) {
      assertEquals(a.train()[0][i], Integer.parseInt(first[i]));
    }
    assertEquals(20, Files.readAllLines(dir.resolve("test.ascii")).size());
  }
}
