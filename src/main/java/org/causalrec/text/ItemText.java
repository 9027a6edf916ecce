package org.causalrec.text;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;

/** What of an item is embedded: title, description and categories, and the hash that tells a change. */
public final class ItemText {

  private ItemText() {}

  /** "title. description. cat1, cat2" without empty parts. */
  public static String of(String title, String description, List<String> categories) {
    StringBuilder b = new StringBuilder();
    append(b, title);
    append(b, description);
    append(b, categories == null ? "" : String.join(", ", categories));
    return b.toString();
  }

  private static void append(StringBuilder b, String part) {
    if (part == null || part.isBlank()) {
      return;
    }
    if (b.length() > 0) {
      b.append(b.charAt(b.length() - 1) == '.' ? " " : ". ");
    }
    b.append(part.strip());
  }

  /** SHA-256 of the text's UTF-8 bytes. */
  public static byte[] hash(String text) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
    }
  }
}
