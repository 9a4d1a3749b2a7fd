package dev.lifeline.bench.scale;

import java.util.HashMap;
import java.util.Map;

/** {@code key=value} command-line arguments. */
final class Args {
  private final Map<String, String> values = new HashMap<>();

  Args(String[] args) {
    for (String arg : args) {
      int eq = arg.indexOf('=');
      if (eq < 1) {
        throw new IllegalArgumentException("expected key=value, got \"" + arg + "\"");
      }
      values.put(arg.substring(0, eq), arg.substring(eq + 1));
    }
  }

  String string(String key, String fallback) {
    return values.getOrDefault(key, fallback);
  }

  int integer(String key, int fallback) {
    String v = values.get(key);
    return v == null ? fallback : Integer.parseInt(v);
  }

  boolean flag(String key) {
    return Boolean.parseBoolean(values.getOrDefault(key, "false"));
  }
}
