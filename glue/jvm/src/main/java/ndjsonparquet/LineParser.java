package ndjsonparquet;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.io.SegmentedStringWriter;
import com.fasterxml.jackson.core.util.BufferRecycler;
import java.io.IOException;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.api.java.UDF1;

/**
 * Classifies and parses one NDJSON line in a single scan of its bytes: the job's whole per-line work.
 *
 * <p>Returns {@code struct<status: tinyint, reason: string, record: map<string,string>, shape: string, c0,
 * c1, ...>}, one typed field per registered column given at construction (glue/ndjson_parquet/parse.py
 * builds the type).
 * A value lands in its column's field when the column's type holds it (the schema policy of
 * glue/ndjson_parquet/schema.py); every other value (a field with no column yet, or one its column cannot
 * hold) goes into {@code record}, keyed by its tagged name, as a tagged value: a string as U+0001 followed
 * by its text, a number or boolean as its JSON literal, null as null, an object or array as its compact
 * JSON text (told from a string by the tag, from a number by its first character). {@code record} is null
 * when nothing went there. {@code shape} sums the record up for the schema step, which groups lines by it:
 * per record key in key order, {@code <length of key>:<key><kinds>}, kinds a bit set (glue/ndjson_parquet/
 * profile.py) as one character, {@code '0' + bits}. Lines of one producer share a handful of shapes.
 */
public final class LineParser implements UDF1<byte[], Row> {
  private static final long serialVersionUID = 2L;

  public static final byte OK = 0;
  public static final byte EMPTY = 1;
  public static final byte REJECT = 2;
  public static final String TAG = "\u0001";
  private static final int FIXED_FIELDS = 4;
  // Kinds of JSON values, as glue/ndjson_parquet/profile.py numbers them (0: null).
  static final int KIND_STRING = 1;
  static final int KIND_NUMBER = 2;
  static final int KIND_BOOLEAN = 4;
  static final int KIND_OBJECT = 8;
  static final int KIND_ARRAY = 16;
  static final int KIND_BIG_INTEGER = 32;
  // Integers beyond +-2^53 lose digits in a double: such a value is not the column's to hold.
  private static final long MAX_SAFE_INTEGER = 1L << 53;

  // Strict JSON (no single quotes, NaN, comments or raw control characters), and no limit on a string's
  // length: a line is bounded by its input split, not by the parser.
  private static final JsonFactory FACTORY =
      JsonFactory.builder()
          .streamReadConstraints(StreamReadConstraints.builder().maxStringLength(Integer.MAX_VALUE).build())
          .build();

  private final String[] names;
  private final ColumnType[] types;
  private final HashMap<String, Integer> slots;

  /**
   * {@code columns}: one "name:type" per registered column, type one of string, double, boolean, json, or
   * raw (a declared bigint, decimal, date or timestamp column: the value's exact text, never a misfit).
   */
  public LineParser(String[] columns) {
    names = new String[columns.length];
    types = new ColumnType[columns.length];
    for (int i = 0; i < columns.length; i++) {
      int colon = columns[i].lastIndexOf(':');
      if (colon <= 0) {
        throw new IllegalArgumentException("column spec without a type: " + columns[i]);
      }
      names[i] = columns[i].substring(0, colon);
      types[i] = ColumnType.of(columns[i].substring(colon + 1));
    }
    slots = new HashMap<>(names.length * 2);
    for (int i = 0; i < names.length; i++) {
      slots.put(names[i], i);
    }
  }

  @Override
  public Row call(byte[] line) {
    Object[] out = new Object[FIXED_FIELDS + names.length];
    int start = hasBom(line) ? 3 : 0;
    if (!Utf8.isValid(line)) {
      return reject(out, "invalid_utf8");
    }
    if (isBlank(line, start)) {
      // Not a record, but a line read: rejected like any other, so that every line is a row or a reject.
      out[0] = EMPTY;
      out[1] = "empty_line";
      return RowFactory.create(out);
    }
    try {
      if (!parseObject(line, start, out)) {
        return reject(out, "duplicate_keys");
      }
    } catch (IOException e) {
      return reject(out, failureReason(line, start));
    }
    out[0] = OK;
    return RowFactory.create(out);
  }

  private static Row reject(Object[] out, String reason) {
    Arrays.fill(out, null);
    out[0] = REJECT;
    out[1] = reason;
    return RowFactory.create(out);
  }

  static boolean hasBom(byte[] b) {
    return b.length >= 3 && (b[0] & 0xff) == 0xef && (b[1] & 0xff) == 0xbb && (b[2] & 0xff) == 0xbf;
  }

  static boolean isBlank(byte[] b, int start) {
    for (int i = start; i < b.length; i++) {
      if (b[i] != ' ' && b[i] != '\t') {
        return false;
      }
    }
    return true;
  }

  /** Fills {@code out}; false when a top-level key repeats; throws when the line is not one object. */
  private boolean parseObject(byte[] b, int start, Object[] out) throws IOException {
    boolean[] seen = new boolean[names.length];
    Map<String, String> record = null;
    TreeMap<String, Integer> shape = null;
    try (JsonParser p = FACTORY.createParser(b, start, b.length - start)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        throw new NotAnObject();
      }
      JsonToken t;
      while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        JsonToken v = p.nextToken();
        Integer slot = slots.get(name);
        if (slot != null) {
          // A repeated key makes the line ambiguous (which value is meant?): it is rejected whole.
          if (seen[slot]) {
            return false;
          }
          seen[slot] = true;
          Object value = typed(p, v, types[slot]);
          if (value != MISFIT) {
            out[FIXED_FIELDS + slot] = value;
            continue;
          }
        }
        if (record == null) {
          record = new LinkedHashMap<>();
          shape = new TreeMap<>();
        }
        String key = TAG + name;
        if (record.containsKey(key)) {
          return false;
        }
        shape.put(name, kind(p, v));
        record.put(key, tagged(p, v));
      }
      if (t != JsonToken.END_OBJECT || p.nextToken() != null) {
        throw new NotAnObject();
      }
    }
    out[2] = record;
    out[3] = shape == null ? null : shapeText(shape);
    return true;
  }

  private static int kind(JsonParser p, JsonToken v) throws IOException {
    switch (v) {
      case VALUE_STRING: return KIND_STRING;
      case VALUE_NUMBER_FLOAT: return KIND_NUMBER;
      case VALUE_NUMBER_INT:
        return isSafeInteger(p) ? KIND_NUMBER : KIND_NUMBER | KIND_BIG_INTEGER;
      case VALUE_TRUE:
      case VALUE_FALSE:
        return KIND_BOOLEAN;
      case START_OBJECT: return KIND_OBJECT;
      case START_ARRAY: return KIND_ARRAY;
      default: return 0;
    }
  }

  /** An integer a double holds exactly (within +-2^53); the parser is on a VALUE_NUMBER_INT. */
  private static boolean isSafeInteger(JsonParser p) throws IOException {
    if (p.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
      return false;
    }
    long l = p.getLongValue();
    return l >= -MAX_SAFE_INTEGER && l <= MAX_SAFE_INTEGER;
  }

  private static String shapeText(TreeMap<String, Integer> shape) {
    StringBuilder sb = new StringBuilder();
    for (Map.Entry<String, Integer> e : shape.entrySet()) {
      String name = e.getKey();
      // Counted in code points, as Python's len() counts them (profile.parse_shape reads this).
      sb.append(name.codePointCount(0, name.length())).append(':').append(name).append((char) ('0' + e.getValue()));
    }
    return sb.toString();
  }

  private static final Object MISFIT = new Object();

  /** The value as its column's type holds it, or MISFIT (the parser stays on the value for tagged()). */
  private static Object typed(JsonParser p, JsonToken v, ColumnType type) throws IOException {
    if (v == JsonToken.VALUE_NULL) {
      return null;
    }
    switch (type) {
      case DOUBLE:
        if (v == JsonToken.VALUE_NUMBER_FLOAT) {
          return p.getDoubleValue();
        }
        if (v == JsonToken.VALUE_NUMBER_INT && isSafeInteger(p)) {
          return (double) p.getLongValue();
        }
        return MISFIT;
      case BOOLEAN:
        return v == JsonToken.VALUE_TRUE ? Boolean.TRUE : v == JsonToken.VALUE_FALSE ? Boolean.FALSE : MISFIT;
      case STRING:
        return v == JsonToken.VALUE_STRING ? p.getText() : jsonText(p, v);
      case JSON:
        return v == JsonToken.VALUE_STRING ? quoted(p.getText()) : jsonText(p, v);
      case RAW:
        // A declared column's value as written (a number's own digits, never through a double), tagged
        // like the record's values; the job converts it to the declared type (declared.py).
        if (v == JsonToken.VALUE_NUMBER_INT || v == JsonToken.VALUE_NUMBER_FLOAT) {
          return p.getText();
        }
        return tagged(p, v);
      default:
        throw new IllegalStateException("unknown column type " + type);
    }
  }

  private static String tagged(JsonParser p, JsonToken v) throws IOException {
    if (v == JsonToken.VALUE_NULL) {
      return null;
    }
    return v == JsonToken.VALUE_STRING ? TAG + p.getText() : jsonText(p, v);
  }

  /** A non-string value as JSON text: numbers as Spark's JSON writer spells them (integers in full, other
   * numbers as Java doubles), containers compact. */
  private static String jsonText(JsonParser p, JsonToken v) throws IOException {
    switch (v) {
      case VALUE_NUMBER_INT:
        return p.getNumberType() == JsonParser.NumberType.BIG_INTEGER ? p.getBigIntegerValue().toString() : Long.toString(p.getLongValue());
      case VALUE_NUMBER_FLOAT:
        return Double.toString(p.getDoubleValue());
      case VALUE_TRUE:
        return "true";
      case VALUE_FALSE:
        return "false";
      case START_OBJECT:
      case START_ARRAY:
        return container(p);
      default:
        throw new NotAnObject();
    }
  }

  private static String quoted(String text) throws IOException {
    SegmentedStringWriter w = new SegmentedStringWriter(new BufferRecycler());
    try (JsonGenerator g = FACTORY.createGenerator(w)) {
      g.writeString(text);
    }
    return w.getAndClear();
  }

  private static String container(JsonParser p) throws IOException {
    SegmentedStringWriter w = new SegmentedStringWriter(new BufferRecycler());
    try (JsonGenerator g = FACTORY.createGenerator(w)) {
      int depth = 0;
      JsonToken t = p.currentToken();
      while (true) {
        switch (t) {
          case START_OBJECT: g.writeStartObject(); depth++; break;
          case END_OBJECT: g.writeEndObject(); depth--; break;
          case START_ARRAY: g.writeStartArray(); depth++; break;
          case END_ARRAY: g.writeEndArray(); depth--; break;
          case FIELD_NAME: g.writeFieldName(p.currentName()); break;
          case VALUE_STRING: g.writeString(p.getText()); break;
          case VALUE_NUMBER_INT:
            if (p.getNumberType() == JsonParser.NumberType.BIG_INTEGER) g.writeNumber(p.getBigIntegerValue());
            else g.writeNumber(p.getLongValue());
            break;
          case VALUE_NUMBER_FLOAT: g.writeNumber(p.getDoubleValue()); break;
          case VALUE_TRUE: g.writeBoolean(true); break;
          case VALUE_FALSE: g.writeBoolean(false); break;
          case VALUE_NULL: g.writeNull(); break;
          default: throw new NotAnObject();
        }
        if (depth == 0) {
          break;
        }
        t = p.nextToken();
        if (t == null) {
          throw new NotAnObject();
        }
      }
    }
    return w.getAndClear();
  }

  /** Why a non-blank, valid UTF-8 line is not one JSON object: the rare path, so it may parse twice. */
  static String failureReason(byte[] b, int start) {
    byte[] wrapped = new byte[b.length - start + 2];
    wrapped[0] = '[';
    System.arraycopy(b, start, wrapped, 1, b.length - start);
    wrapped[wrapped.length - 1] = ']';
    int values = 0;
    try (JsonParser p = FACTORY.createParser(wrapped)) {
      p.nextToken();
      JsonToken t;
      while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
        if (t == null) {
          return "invalid_json";
        }
        p.skipChildren();
        values++;
      }
      if (p.nextToken() != null) {
        return "invalid_json";
      }
    } catch (IOException e) {
      return "invalid_json";
    }
    if (values != 1) {
      return values > 1 ? "multiple_values" : "invalid_json";
    }
    int i = start;
    while (b[i] == ' ' || b[i] == '\t') {
      i++;
    }
    return b[i] == '[' ? "top_level_array" : b[i] == '{' ? "invalid_json" : "top_level_scalar";
  }

  enum ColumnType {
    STRING, DOUBLE, BOOLEAN, JSON, RAW;

    static ColumnType of(String name) {
      switch (name) {
        case "string": return STRING;
        case "double": return DOUBLE;
        case "boolean": return BOOLEAN;
        case "json": return JSON;
        case "raw": return RAW;
        default: throw new IllegalArgumentException("unknown column type " + name);
      }
    }
  }

  private static final class NotAnObject extends JsonProcessingException {
    private static final long serialVersionUID = 1L;

    NotAnObject() {
      super("not one JSON object");
    }
  }
}
