/** Text read from a file, made safe to print: nothing in it can act on a terminal or an editor. */

/**
 * Characters a terminal or an editor acts on rather than shows: C0 and C1
 * controls (an escape sequence can rewrite the screen or set the title) and
 * Unicode's bidirectional overrides (they reorder what is shown).
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is this pattern's job.
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/gu;

/** `text` with every control character shown as an escape (ESC as \x1b, U+202E as \u{202e}). */
export function printable(text: string): string {
  return text.replace(UNPRINTABLE, (c) => {
    const code = c.codePointAt(0) ?? 0;
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u{${code.toString(16)}}`;
  });
}

/** A copy of a value read from a file with every string in it made printable (keys too). */
export function printableStrings<T>(value: T): T {
  if (typeof value === 'string') return printable(value) as T;
  if (Array.isArray(value)) return value.map((v: unknown) => printableStrings(v)) as T;
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [printable(k), printableStrings(v)])) as T;
  }
  return value;
}
