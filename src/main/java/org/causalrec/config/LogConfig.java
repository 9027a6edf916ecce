package org.causalrec.config;

import java.util.Locale;
import java.util.Set;

/**
 * Logging (YAML {@code log:}).
 *
 * @param format {@code text} (one readable line each) or {@code json} (one JSON object each, for
 *     log collectors)
 * @param level level of CausalRec's own loggers (ERROR, WARN, INFO, DEBUG, TRACE)
 * @param access whether every HTTP request is logged (method, path, status, bytes, time, request id)
 */
public record LogConfig(String format, String level, boolean access) {
  public LogConfig {
    if (!Set.of("text", "json").contains(format)) {
      throw new IllegalArgumentException("log.format must be text or json: " + format);
    }
    level = level.toUpperCase(Locale.ROOT);
    if (!Set.of("ERROR", "WARN", "INFO", "DEBUG", "TRACE").contains(level)) {
      throw new IllegalArgumentException("log.level must be ERROR, WARN, INFO, DEBUG or TRACE: " + level);
    }
  }

  /** Text lines at INFO, with the access log. */
  public static LogConfig defaults() {
    return new LogConfig("text", "INFO", true);
  }
}
