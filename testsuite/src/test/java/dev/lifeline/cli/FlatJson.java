package dev.lifeline.cli;

import java.math.BigDecimal;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A strict reader for one flat JSON object of strings, numbers, booleans and nulls: enough to check
 * that the command's event lines are JSON, written independently of {@link Json}.
 */
final class FlatJson {
  private final String text;
  private int at;

  private FlatJson(String text) {
    this.text = text;
  }

  static Map<String, Object> parse(String line) {
    FlatJson reader = new FlatJson(line);
    Map<String, Object> object = reader.object();
    reader.blanks();
    if (reader.at != line.length()) {
      throw reader.error("text after the object");
    }
    return object;
  }

  private Map<String, Object> object() {
    Map<String, Object> fields = new LinkedHashMap<>();
    expect('{');
    blanks();
    if (peek() == '}') {
      at++;
      return fields;
    }
    while (true) {
      blanks();
      String key = string();
      blanks();
      expect(':');
      blanks();
      if (fields.put(key, value()) != null) {
        throw error("duplicate key " + key);
      }
      blanks();
      char c = next();
      if (c == '}') {
        return fields;
      }
      if (c != ',') {
        throw error("expected , or }");
      }
    }
  }

  private Object value() {
    char c = peek();
    if (c == '"') {
      return string();
    }
    for (String word : new String[] {"true", "false", "null"}) {
      if (text.startsWith(word, at)) {
        at += word.length();
        return word.equals("null") ? null : Boolean.valueOf(word);
      }
    }
    int start = at;
    while (at < text.length() && "+-0123456789.eE".indexOf(text.charAt(at)) >= 0) {
      at++;
    }
    String number = text.substring(start, at);
    if (!number.matches("-?(0|[1-9]\\d*)(\\.\\d+)?([eE][+-]?\\d+)?")) {
      throw error("bad value '" + number + "'");
    }
    return new BigDecimal(number);
  }

  private String string() {
    expect('"');
    StringBuilder s = new StringBuilder();
    while (true) {
      char c = next();
      if (c == '"') {
        return s.toString();
      }
      if (c < 0x20) {
        throw error("raw control character in a string");
      }
      if (c != '\\') {
        s.append(c);
        continue;
      }
      char e = next();
      switch (e) {
        case '"', '\\', '/' -> s.append(e);
        case 'b' -> s.append('\b');
        case 'f' -> s.append('\f');
        case 'n' -> s.append('\n');
        case 'r' -> s.append('\r');
        case 't' -> s.append('\t');
        case 'u' -> {
          s.append((char) Integer.parseInt(text.substring(at, at + 4), 16));
          at += 4;
        }
        default -> throw error("bad escape \\" + e);
      }
    }
  }

  private void blanks() {
    while (at < text.length() && " \t\r\n".indexOf(text.charAt(at)) >= 0) {
      at++;
    }
  }

  private char peek() {
    if (at >= text.length()) {
      throw error("unexpected end");
    }
    return text.charAt(at);
  }

  private char next() {
    char c = peek();
    at++;
    return c;
  }

  private void expect(char c) {
    if (next() != c) {
      throw error("expected " + c);
    }
  }

  private IllegalArgumentException error(String what) {
    return new IllegalArgumentException(what + " at " + at + " in: " + text);
  }
}
