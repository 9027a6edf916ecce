package org.causalrec;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Gives the annotated test class a fresh database of its own on the one embedded PostgreSQL that
 * all test classes share ({@link PostgresExtension}): configs from {@link TestEnv#config} point at
 * it. A class without this annotation gets the embedded server of its config's data directory, as
 * the product does, which only tests of that server itself should want.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@ExtendWith(PostgresExtension.class)
public @interface TestDatabase {

  /** A fresh database for every test method instead of one for the class. */
  boolean perMethod() default false;

  /**
   * Whether the database is a copy of the migrated template (the default), or starts empty, as a
   * new external server does, for the store to migrate it.
   */
  boolean migrated() default true;
}
