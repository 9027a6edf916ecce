package org.causalrec.core;

import io.vertx.core.json.JsonObject;

/**
 * A request the server refuses or cannot answer now: carries the HTTP status and the parts of the
 * JSON error body {@code {"error", "field", "index", "detail"}}. Every layer throws it through the
 * status factories; the HTTP layer's failure handler turns it into the response.
 */
public final class ApiException extends RuntimeException {

  private final int status;
  private final String error;
  private final String field;
  private final Integer index;
  private final int retryAfterSeconds;

  private ApiException(int status, String error, String field, Integer index, String detail) {
    this(status, error, field, index, detail, 0);
  }

  private ApiException(int status, String error, String field, Integer index, String detail, int retryAfterSeconds) {
    super(detail, null, false, false);
    this.status = status;
    this.error = error;
    this.field = field;
    this.index = index;
    this.retryAfterSeconds = retryAfterSeconds;
  }

  /** A 400 about one field of a single record ({@code invalid_field}). */
  public static ApiException badField(String field, String detail) {
    return badRequest("invalid_field", field, detail);
  }

  /** A 400 with its own error code; {@code field} may be null. */
  public static ApiException badRequest(String error, String field, String detail) {
    return new ApiException(400, error, field, null, detail);
  }

  /** A 400 about record {@code index} of a batch. */
  public static ApiException badRecord(String error, String field, int index, String detail) {
    return new ApiException(400, error, field, index, detail);
  }

  /** A 404: what {@code field} names does not exist. */
  public static ApiException notFound(String error, String field, String detail) {
    return new ApiException(404, error, field, null, detail);
  }

  /** A 409: the request conflicts with work in progress. */
  public static ApiException conflict(String error, String field, String detail) {
    return new ApiException(409, error, field, null, detail);
  }

  /** A 413: the request holds more than the server takes. */
  public static ApiException tooLarge(String error, String field, String detail) {
    return new ApiException(413, error, field, null, detail);
  }

  /** A 503: the request may succeed later (a model not trained yet, a text model down). */
  public static ApiException unavailable(String error, String field, String detail) {
    return new ApiException(503, error, field, null, detail);
  }

  /** A 503 {@code overloaded}: the server's queue is full; the same request can be sent again after {@code seconds}. */
  public static ApiException overloaded(int seconds, String detail) {
    return new ApiException(503, "overloaded", null, null, detail, seconds);
  }

  /** Seconds for the {@code Retry-After} header, or 0 for none. */
  public int retryAfterSeconds() {
    return retryAfterSeconds;
  }

  /** The HTTP status. */
  public int status() {
    return status;
  }

  /** The machine-readable error code. */
  public String error() {
    return error;
  }

  /** The same error, placed at {@code index} of a batch and named {@code error}. */
  public ApiException at(int index, String error) {
    return new ApiException(status, error, field, index, getMessage(), retryAfterSeconds);
  }

  /**
   * The error {@code body} (as {@link #toJson} wrote it) with {@code status}: how an error another
   * node answered (over the event bus) is answered here.
   */
  public static ApiException fromJson(int status, JsonObject body) {
    return new ApiException(status, body.getString("error", "error"), body.getString("field"),
        body.getInteger("index"), body.getString("detail", ""));
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
