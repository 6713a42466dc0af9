package io.tso4j.testkit.stress;

import java.util.List;
import java.util.Locale;

/**
 * A minimal JSON writer for the stress report (objects, arrays, strings, numbers, booleans, lists of strings), so
 * that the testkit needs no JSON library. Commas are placed automatically. Not thread-safe.
 */
final class JsonWriter {
  private final StringBuilder b = new StringBuilder();
  private boolean needComma;

  JsonWriter begin() {
    comma();
    b.append('{');
    needComma = false;
    return this;
  }

  JsonWriter end() {
    b.append('}');
    needComma = true;
    return this;
  }

  JsonWriter beginArray() {
    comma();
    b.append('[');
    needComma = false;
    return this;
  }

  JsonWriter endArray() {
    b.append(']');
    needComma = true;
    return this;
  }

  /** Writes a key; the next value or object belongs to it. */
  JsonWriter key(String k) {
    comma();
    string(k);
    b.append(':');
    needComma = false;
    return this;
  }

  JsonWriter field(String k, String v) {
    key(k);
    string(v);
    needComma = true;
    return this;
  }

  JsonWriter field(String k, long v) {
    key(k);
    b.append(v);
    needComma = true;
    return this;
  }

  JsonWriter field(String k, double v) {
    key(k);
    b.append(Double.isFinite(v) ? String.format(Locale.ROOT, "%.6f", v) : "null");
    needComma = true;
    return this;
  }

  JsonWriter field(String k, boolean v) {
    key(k);
    b.append(v);
    needComma = true;
    return this;
  }

  JsonWriter field(String k, List<String> values) {
    key(k);
    b.append('[');
    for (int i = 0; i < values.size(); i++) {
      if (i > 0) {
        b.append(',');
      }
      string(values.get(i));
    }
    b.append(']');
    needComma = true;
    return this;
  }

  private void comma() {
    if (needComma) {
      b.append(',');
    }
  }

  private void string(String s) {
    b.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> b.append("\\\"");
        case '\\' -> b.append("\\\\");
        case '\n' -> b.append("\\n");
        case '\r' -> b.append("\\r");
        case '\t' -> b.append("\\t");
        default -> {
          if (c < 0x20) {
            b.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
          } else {
            b.append(c);
          }
        }
      }
    }
    b.append('"');
  }

  @Override
  public String toString() {
    return b.toString();
  }
}
