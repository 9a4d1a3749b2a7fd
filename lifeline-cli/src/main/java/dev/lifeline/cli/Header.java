package dev.lifeline.cli;

import picocli.CommandLine;

/**
 * An HTTP header for the WebSocket upgrade, given as {@code NAME:VALUE} ({@code --header}).
 *
 * @param name the header's name
 * @param value its value, without the blanks after the colon
 */
record Header(String name, String value) {

  /** Reads {@code NAME:VALUE}. */
  static final class Converter implements CommandLine.ITypeConverter<Header> {
    @Override
    public Header convert(String text) {
      int colon = text.indexOf(':');
      String name = colon < 0 ? "" : text.substring(0, colon).strip();
      if (colon < 0 || name.isEmpty() || !token(name)) {
        throw new CommandLine.TypeConversionException(
            "'"
                + text
                + "' is not a header: write NAME:VALUE, as in 'Authorization: Bearer abc123'");
      }
      return new Header(name, text.substring(colon + 1).strip());
    }

    private static boolean token(String name) {
      for (int i = 0; i < name.length(); i++) {
        char c = name.charAt(i);
        if (c <= ' ' || c >= 0x7f || "()<>@,;:\\\"/[]?={}".indexOf(c) >= 0) {
          return false;
        }
      }
      return true;
    }
  }
}
