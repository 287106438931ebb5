package dev.streamfold.explain;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonPrimitive;
import com.google.gson.JsonSerializer;

/**
 * Renders a {@link Report} as JSON for machines: the report's records field by field (camelCase
 * names), item verdicts by their label, figures with the types the service emits (integers, doubles,
 * booleans, strings). Thread-safe.
 */
public final class JsonRenderer {
  private static final Gson GSON = new GsonBuilder()
      .setPrettyPrinting()
      .disableHtmlEscaping()
      .registerTypeAdapter(Report.What.class, (JsonSerializer<Report.What>) (w, type, ctx) -> new JsonPrimitive(w.label()))
      .create();

  private JsonRenderer() {}

  public static String render(Report r) {
    return GSON.toJson(r) + "\n";
  }
}
