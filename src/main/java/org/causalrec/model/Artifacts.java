package org.causalrec.model;

import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.djl.nn.Parameter;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.causalrec.core.FloatBytes;

/** Reading a saved model's files back: every failure is an IOException that names the directory. */
public final class Artifacts {

  private Artifacts() {}

  /** The metadata {@code name.json} in {@code dir}. */
  static JsonObject readMeta(Path dir, String name) throws IOException {
    try {
      return new JsonObject(Files.readString(dir.resolve(name + ".json")));
    } catch (RuntimeException e) {
      throw new IOException("unreadable model metadata in " + dir + ": " + e.getMessage(), e);
    }
  }

  /** {@code rows} float rows of {@code width} from {@code file}. */
  static float[][] readRows(Path file, int rows, int width) throws IOException {
    byte[] bytes = Files.readAllBytes(file);
    if (bytes.length != 4L * rows * width) {
      throw new IOException("corrupt rows in " + file + ": " + bytes.length + " bytes for " + rows + " x " + width);
    }
    return FloatBytes.rows(bytes, width);
  }

  /** Loads {@code model}'s parameters saved under {@code name}; closes the model when they do not load. */
  static void loadParameters(Model model, Path dir, String name) throws IOException {
    try {
      model.load(dir, name);
    } catch (MalformedModelException | RuntimeException e) {
      model.close();
      throw new IOException("corrupt " + name + " parameters in " + dir + ": " + e.getMessage(), e);
    }
    // DJL loads a file without its header as no parameters at all, without an error
    if (!model.getBlock().getParameters().values().stream().allMatch(Parameter::isInitialized)) {
      model.close();
      throw new IOException("corrupt " + name + " parameters in " + dir + ": not a DJL parameter file");
    }
  }

  /** Per item: how many users took it, as training counted them ({@code item-counts.json}, one entry per item). */
  public static int[] readCounts(Path file, int items) throws IOException {
    JsonArray a;
    try {
      a = new JsonArray(Files.readString(file));
    } catch (RuntimeException e) {
      throw new IOException("unreadable " + file.getFileName(), e);
    }
    if (a.size() != items) {
      throw new IOException(file.getFileName() + " has " + a.size() + " entries for " + items + " items");
    }
    int[] counts = new int[items];
    for (int i = 0; i < items; i++) {
      counts[i] = a.getInteger(i);
    }
    return counts;
  }
}
