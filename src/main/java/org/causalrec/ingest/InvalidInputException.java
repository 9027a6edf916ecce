package org.causalrec.ingest;

import io.vertx.core.json.JsonObject;

/** Input the server refuses: carries the HTTP status and the JSON error body's parts. */
public final class InvalidInputException extends RuntimeException {

  private final int status;
  private final String error;
  private final String field;
  private final Integer index;

  /**
   * @param status HTTP status (400, 404, 413, ...)
   * @param error machine-readable error code
   * @param field the offending field, or null
   * @param index index of the offending record in a batch, or null
   * @param detail human-readable explanation
   */
  public InvalidInputException(int status, String error, String field, Integer index, String detail) {
    super(detail, null, false, false);
    this.status = status;
    this.error = error;
    this.field = field;
    this.index = index;
  }

  /** A 400 about one field of a single record. */
  public static InvalidInputException badField(String field, String detail) {
    return new InvalidInputException(400, "invalid_field", field, null, detail);
  }

  /** The HTTP status. */
  public int status() {
    return status;
  }

  /** The same error, placed at {@code index} of a batch and named {@code error}. */
  public InvalidInputException at(int index, String error) {
    return new InvalidInputException(status, error, field, index, getMessage());
  }

  /** The body {@code {"error", "field", "index", "detail"}}. */
  public JsonObject toJson() {
    JsonObject o = new JsonObject().put("error", error).put("field", field);
    if (index != null) {
      o.put("index", index);
    }
    return o.put("detail", getMessage());
  }
}
