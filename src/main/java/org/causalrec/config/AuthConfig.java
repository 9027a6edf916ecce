package org.causalrec.config;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * API keys and the role each grants (YAML {@code auth:} and the top-level {@code api_key}); only
 * their SHA-256 digests are kept. Roles nest: a write key may read, an admin key may do anything.
 * With no key configured every route is open.
 *
 * @param read digests of keys that may read
 * @param write digests of keys that may read and write
 * @param admin digests of keys that may also train, evaluate and switch models
 */
public record AuthConfig(Set<String> read, Set<String> write, Set<String> admin) {

  /** What a key may do; each role includes the ones before it. */
  public enum Role { READ, WRITE, ADMIN }

  public AuthConfig {
    read = Set.copyOf(read);
    write = Set.copyOf(write);
    admin = Set.copyOf(admin);
  }

  /** Keys given as plain text or as {@code sha256:<64 hex digits>}, each hashed unless it is a digest already. */
  public static AuthConfig of(List<String> read, List<String> write, List<String> admin) {
    return new AuthConfig(digests(read, "auth.read_keys"), digests(write, "auth.write_keys"),
        digests(admin, "auth.admin_keys"));
  }

  /** No keys: every route open. */
  public static AuthConfig open() {
    return new AuthConfig(Set.of(), Set.of(), Set.of());
  }

  /** Whether any key is configured (then every route but {@code /health/live} needs one). */
  public boolean enabled() {
    return !(read.isEmpty() && write.isEmpty() && admin.isEmpty());
  }

  /** The role {@code key} grants, or null when it is no configured key. */
  public Role roleOf(String key) {
    if (key == null || key.isEmpty()) {
      return null;
    }
    String d = digest(key);
    return admin.contains(d) ? Role.ADMIN : write.contains(d) ? Role.WRITE : read.contains(d) ? Role.READ : null;
  }

  /** The SHA-256 of a key, in lower-case hex: how a config file may name a key without holding it. */
  public static String digest(String key) {
    try {
      byte[] h = MessageDigest.getInstance("SHA-256")
          .digest(key.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(h);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static Set<String> digests(List<String> keys, String where) {
    Set<String> out = new HashSet<>();
    for (String k : keys) {
      if (k.isBlank()) {
        continue;
      }
      if (k.startsWith("sha256:")) {
        String hex = k.substring(7).toLowerCase(Locale.ROOT);
        if (!hex.matches("[0-9a-f]{64}")) {
          throw new IllegalArgumentException(where + ": a sha256: key needs 64 hex digits");
        }
        out.add(hex);
      } else {
        out.add(digest(k));
      }
    }
    return out;
  }
}
