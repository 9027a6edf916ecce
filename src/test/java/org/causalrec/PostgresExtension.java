package org.causalrec;

import io.vertx.pgclient.PgConnectOptions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;
import org.causalrec.store.Database;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ExtensionContext.Namespace;
import org.junit.jupiter.api.extension.ExtensionContext.Store.CloseableResource;
import org.junit.platform.commons.support.AnnotationSupport;

/**
 * The extension behind {@link TestDatabase}: one embedded PostgreSQL per test JVM, started when a
 * test first asks for a database and stopped when the test run ends (a resource of JUnit's root
 * context). The schema is migrated once, into a template database; every test class (or method,
 * with {@code perMethod}) gets a copy of it, {@code CREATE DATABASE ... TEMPLATE}, made when
 * {@link #currentUrl()} is first called and dropped when the class (method) is done.
 *
 * <p>Test classes run one at a time in a JVM (surefire's default, JUnit's parallel mode off), so
 * the database of the running test is kept in a static field that {@link TestEnv#config} reads.
 */
public final class PostgresExtension implements BeforeAllCallback, BeforeEachCallback {

  private static final Namespace NAMESPACE = Namespace.create(PostgresExtension.class);
  private static final String TEMPLATE = "causalrec_template";
  private static final AtomicInteger DATABASES = new AtomicInteger();

  /** The database of the running test class or method; null outside {@link TestDatabase} classes. */
  private static volatile Lease current;

  /**
   * The URL ({@code postgresql://user:pass@host:port/db}) of the running test's database, created
   * now if this is its first use, or null when the test class has no {@link TestDatabase}.
   */
  public static String currentUrl() {
    Lease lease = current;
    return lease == null ? null : lease.url();
  }

  @Override
  public void beforeAll(ExtensionContext context) {
    TestDatabase spec = spec(context);
    enter(context, spec.perMethod() ? Lease.outsideMethods() : new Lease(context, spec));
  }

  @Override
  public void beforeEach(ExtensionContext context) {
    TestDatabase spec = spec(context);
    if (spec.perMethod()) {
      enter(context, new Lease(context, spec));
    }
  }

  /** Makes {@code lease} current until {@code context} ends, then drops its database. */
  private static void enter(ExtensionContext context, Lease lease) {
    Lease outer = current;
    current = lease;
    context.getStore(NAMESPACE).put(Lease.class, (CloseableResource) () -> {
      current = outer;
      lease.close();
    });
  }

  private static TestDatabase spec(ExtensionContext context) {
    return AnnotationSupport.findAnnotation(context.getRequiredTestClass(), TestDatabase.class)
        .orElseThrow(() -> new IllegalStateException("PostgresExtension is used through @TestDatabase"));
  }

  /** One test's database: named at once, created on first use. */
  private static final class Lease {
    private final ExtensionContext context;
    private final String name;
    private final boolean migrated;
    private SharedServer server;

    private Lease(ExtensionContext context, String name, boolean migrated) {
      this.context = context;
      this.name = name;
      this.migrated = migrated;
    }

    Lease(ExtensionContext context, TestDatabase spec) {
      this(context, name(context), spec.migrated());
    }

    /** Stands for the class of a per-method database outside its methods, where there is none. */
    static Lease outsideMethods() {
      return new Lease(null, null, false);
    }

    private static String name(ExtensionContext context) {
      String test = context.getRequiredTestClass().getSimpleName()
          + context.getTestMethod().map(m -> "_" + m.getName()).orElse("");
      String name = "test" + DATABASES.incrementAndGet() + "_" + test.toLowerCase(Locale.ROOT);
      return name.length() > 63 ? name.substring(0, 63) : name;
    }

    synchronized String url() {
      if (context == null) {
        throw new IllegalStateException("@TestDatabase(perMethod = true): the database exists inside test methods only");
      }
      if (server == null) {
        SharedServer s = SharedServer.of(context);
        s.create(name, migrated);
        server = s;
      }
      return server.url(name);
    }

    synchronized void close() {
      if (server != null) {
        server.drop(name);
      }
    }
  }

  /**
   * The embedded server (its data directory is removed when it stops), an admin connection to it,
   * and the migrated template database; a database named {@code db} is at {@code urlPrefix + db}.
   */
  private record SharedServer(Database database, Connection admin, String urlPrefix) implements CloseableResource {

    static SharedServer of(ExtensionContext context) {
      return context.getRoot().getStore(NAMESPACE)
          .getOrComputeIfAbsent(SharedServer.class, k -> start(), SharedServer.class);
    }

    private static SharedServer start() {
      Database database;
      try {
        database = Database.embedded(Files.createTempDirectory("causalrec-test-pg"), true);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      SharedServer s = null;
      try {
        PgConnectOptions o = database.connectOptions();
        s = new SharedServer(database, DriverManager.getConnection(database.jdbcUrl(), o.getUser(), o.getPassword()),
            "postgresql://" + o.getUser() + ":" + o.getPassword() + "@" + o.getHost() + ":" + o.getPort() + "/");
        s.execute("CREATE DATABASE " + TEMPLATE);
        Database.external(s.url(TEMPLATE)).migrate();
        s.execute("ALTER DATABASE " + TEMPLATE + " WITH IS_TEMPLATE true ALLOW_CONNECTIONS false");
        return s;
      } catch (SQLException | RuntimeException e) {
        if (s != null) {
          s.close();
        } else {
          database.close();
        }
        throw new IllegalStateException("cannot set up the tests' PostgreSQL", e);
      }
    }

    String url(String name) {
      return urlPrefix + name;
    }

    synchronized void create(String name, boolean migrated) {
      execute("CREATE DATABASE " + name + (migrated ? " TEMPLATE " + TEMPLATE : ""));
    }

    /** Drops a test's database, ending any session a test left open on it. */
    synchronized void drop(String name) {
      execute("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
    }

    private void execute(String sql) {
      try (Statement st = admin.createStatement()) {
        st.execute(sql);
      } catch (SQLException e) {
        throw new IllegalStateException(sql + ": " + e.getMessage(), e);
      }
    }

    @Override
    public void close() {
      try {
        admin.close();
      } catch (SQLException e) {
        // the server stops anyway
      } finally {
        database.close();
      }
    }
  }
}
