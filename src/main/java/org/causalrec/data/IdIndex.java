package org.causalrec.data;

import io.vertx.core.json.JsonArray;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Dense ints inside, string ids at the edge: assigns 0, 1, 2, ... in order of first sight. */
public final class IdIndex {

  private final Map<String, Integer> toInt = new HashMap<>();
  private final List<String> toId = new ArrayList<>();

  /** The index of {@code id}, assigning the next one when it is new. */
  public synchronized int add(String id) {
    Integer k = toInt.get(id);
    if (k != null) {
      return k;
    }
    int n = toId.size();
    toInt.put(id, n);
    toId.add(id);
    return n;
  }

  /** The index of {@code id}, or -1 when it has none. */
  public synchronized int indexOf(String id) {
    Integer k = toInt.get(id);
    return k == null ? -1 : k;
  }

  /** The id at {@code index}. */
  public synchronized String id(int index) {
    return toId.get(index);
  }

  /** How many ids are indexed. */
  public synchronized int size() {
    return toId.size();
  }

  /** A copy of all ids in index order. */
  public synchronized List<String> ids() {
    return List.copyOf(toId);
  }

  /** Where each id of this index stands in {@code other}, in this index's order; -1 where other lacks it. */
  public int[] indexesIn(IdIndex other) {
    int[] out = new int[size()];
    for (int k = 0; k < out.length; k++) {
      out[k] = other.indexOf(id(k));
    }
    return out;
  }

  /** An index holding {@code ids} in that order. */
  public static IdIndex of(List<String> ids) {
    IdIndex index = new IdIndex();
    ids.forEach(index::add);
    if (index.size() != ids.size()) {
      throw new IllegalArgumentException("ids are not distinct");
    }
    return index;
  }

  /** Writes the ids, in index order, as a JSON array into {@code file} (its directory is created). */
  public void write(Path file) throws IOException {
    Files.createDirectories(file.toAbsolutePath().getParent());
    Files.writeString(file, new JsonArray(new ArrayList<Object>(ids())).encode());
  }

  /** Reads what {@link #write} wrote; an unreadable file or a repeated id is an IOException. */
  public static IdIndex read(Path file) throws IOException {
    List<String> ids = new ArrayList<>();
    try {
      new JsonArray(Files.readString(file)).forEach(o -> ids.add((String) o));
      return of(ids);
    } catch (RuntimeException e) {
      throw new IOException("unreadable " + file + ": " + e.getMessage(), e);
    }
  }
}
