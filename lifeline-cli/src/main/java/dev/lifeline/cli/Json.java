package dev.lifeline.cli;

import java.math.BigDecimal;
import java.util.Map;

/** Just enough JSON to print one flat object per line: strings, numbers and booleans. */
final class Json {

  private static final char[] HEX = "0123456789abcdef".toCharArray();

  private Json() {}

  /**
   * One JSON object with {@code fields} in their iteration order. Values may be {@link String},
   * {@link Number} or {@link Boolean}; {@code null} values are left out.
   */
  static String object(Map<String, ?> fields) {
    StringBuilder json = new StringBuilder(128).append('{');
    for (Map.Entry<String, ?> field : fields.entrySet()) {
      if (field.getValue() == null) {
        continue;
      }
      if (json.length() > 1) {
        json.append(',');
      }
      quote(field.getKey(), json).append(':');
      value(field.getValue(), json);
    }
    return json.append('}').toString();
  }

  /** {@code text} as a JSON string literal. */
  static String quote(String text) {
    return quote(text, new StringBuilder(text.length() + 2)).toString();
  }

  private static void value(Object value, StringBuilder json) {
    if (value instanceof BigDecimal decimal) {
      json.append(decimal.toPlainString());
    } else if (value instanceof Number || value instanceof Boolean) {
      json.append(value);
    } else {
      quote(value.toString(), json);
    }
  }

  private static StringBuilder quote(String text, StringBuilder json) {
    json.append('"');
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      switch (c) {
        case '"' -> json.append("\\\"");
        case '\\' -> json.append("\\\\");
        case '\n' -> json.append("\\n");
        case '\r' -> json.append("\\r");
        case '\t' -> json.append("\\t");
        case '\b' -> json.append("\\b");
        case '\f' -> json.append("\\f");
        default -> {
          if (c < 0x20 || c == '\u2028' || c == '\u2029' || loneSurrogate(text, i)) {
            // Control characters must be escaped; U+2028/9 break JavaScript readers; a lone
            // surrogate has no UTF-8 form, so only its escape survives the trip to stdout.
            unicode(c, json);
          } else {
            json.append(c);
          }
        }
      }
    }
    return json.append('"');
  }

  private static boolean loneSurrogate(String text, int i) {
    char c = text.charAt(i);
    if (Character.isHighSurrogate(c)) {
      return i + 1 >= text.length() || !Character.isLowSurrogate(text.charAt(i + 1));
    }
    if (Character.isLowSurrogate(c)) {
      return i == 0 || !Character.isHighSurrogate(text.charAt(i - 1));
    }
    return false;
  }

  private static void unicode(char c, StringBuilder json) {
    json.append("\\u")
        .append(HEX[(c >> 12) & 0xF])
        .append(HEX[(c >> 8) & 0xF])
        .append(HEX[(c >> 4) & 0xF])
        .append(HEX[c & 0xF]);
  }
}
