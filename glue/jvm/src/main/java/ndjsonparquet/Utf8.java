package ndjsonparquet;

/** Strict UTF-8 validation (no overlong forms, surrogates or code points above U+10FFFF), as Java's decoder. */
final class Utf8 {
  private Utf8() {}

  static boolean isValid(byte[] b) {
    int i = 0;
    int n = b.length;
    while (i < n) {
      int c = b[i];
      if (c >= 0) {
        i++;
        continue;
      }
      c &= 0xff;
      if (c < 0xc2) return false;
      if (c < 0xe0) {
        if (i + 1 >= n || !cont(b[i + 1])) return false;
        i += 2;
      } else if (c < 0xf0) {
        if (i + 2 >= n || !cont(b[i + 1]) || !cont(b[i + 2])) return false;
        int b1 = b[i + 1] & 0xff;
        if (c == 0xe0 && b1 < 0xa0) return false;
        if (c == 0xed && b1 >= 0xa0) return false;
        i += 3;
      } else if (c < 0xf5) {
        if (i + 3 >= n || !cont(b[i + 1]) || !cont(b[i + 2]) || !cont(b[i + 3])) return false;
        int b1 = b[i + 1] & 0xff;
        if (c == 0xf0 && b1 < 0x90) return false;
        if (c == 0xf4 && b1 >= 0x90) return false;
        i += 4;
      } else {
        return false;
      }
    }
    return true;
  }

  private static boolean cont(byte x) {
    return (x & 0xc0) == 0x80;
  }
}
