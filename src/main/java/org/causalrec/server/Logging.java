package org.causalrec.server;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.core.joran.spi.JoranException;
import org.causalrec.config.LogConfig;
import org.slf4j.LoggerFactory;

/** Applies the {@code log:} settings to logback: JSON or text lines, the level, the access log. */
public final class Logging {

  private static String applied = "text";

  private Logging() {}

  /** Reconfigures logging for {@code log}; cheap when nothing changes. */
  public static synchronized void apply(LogConfig log) {
    if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext ctx)) {
      return; // another SLF4J backend: its own configuration rules
    }
    if (!log.format().equals(applied)) {
      JoranConfigurator joran = new JoranConfigurator();
      joran.setContext(ctx);
      ctx.reset();
      try {
        joran.doConfigure(Logging.class.getResource(log.format().equals("json") ? "/logback-json.xml"
            : "/logback.xml"));
      } catch (JoranException e) {
        throw new IllegalStateException("cannot configure " + log.format() + " logging: " + e.getMessage(), e);
      }
      applied = log.format();
    }
    ctx.getLogger("org.causalrec").setLevel(Level.toLevel(log.level()));
    ctx.getLogger("org.causalrec.access").setLevel(log.access() ? null : Level.OFF);
  }
}
