/**
 * JSON read from files and written for other readers, bounded. Reading: the
 * text is checked before JSON.parse by one iterative pass that bounds the
 * nesting (the tool's own walks over a value recurse, so a document nested
 * thousands of levels deep would overflow the stack in whichever reader meets
 * it first) and finds the first syntax error's line and column. A problem is
 * told by its position only: JSON.parse's own message quotes the text, and
 * the text can be any file the tool was pointed at.
 */
import { UsageError } from './errors.js';

/**
 * No document of the tool nests deeper than about ten levels (a fleet's run's
 * document's scenario's histogram's bucket); readers tolerate unknown fields,
 * so this leaves them room, far below what a recursive walk can take.
 */
export const MAX_JSON_DEPTH = 64;

/** Where a problem is, as people count: line and column from 1. */
export function lineColumn(text: string, index: number): { line: number; column: number } {
  let line = 1;
  let start = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < index; i = text.indexOf('\n', i + 1)) {
    line++;
    start = i + 1;
  }
  return { line, column: index - start + 1 };
}

const SPACE = /[ \t\n\r]*/y;
/** A run of characters a string holds as they are: no quote, no backslash, no control character. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what ends the run.
const PLAIN = /[^"\\\u0000-\u001f]*/y;
const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;

/** The first problem of `text` as JSON: its index, what it is, and whether it is the nesting. Null: valid JSON within `maxDepth`. */
export function jsonProblem(text: string, maxDepth = MAX_JSON_DEPTH): { index: number; problem: string; tooDeep: boolean } | null {
  // A stack of the open containers: 1 an object, 2 an array. After a value, `afterValue`; after a key, `afterKey`.
  const stack: number[] = [];
  const n = text.length;
  let i = 0;
  const fail = (problem: string, at = i) => ({ index: Math.min(at, n), problem, tooDeep: false });
  const space = (): void => {
    SPACE.lastIndex = i;
    SPACE.test(text);
    i = SPACE.lastIndex;
  };
  /** Skips a string that starts at i; null when it is well formed. */
  const string = (): string | null => {
    i++;
    for (;;) {
      PLAIN.lastIndex = i;
      PLAIN.test(text);
      i = PLAIN.lastIndex;
      if (i >= n) return 'a string that does not end';
      const c = text.charCodeAt(i);
      if (c === 0x22) {
        i++;
        return null;
      }
      if (c < 0x20) return 'a control character inside a string (write it as an escape)';
      if (c === 0x5c) {
        const e = text.charCodeAt(i + 1);
        if (e === 0x75) {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) return 'a \\u escape without four hex digits';
          i += 6;
        } else if (e === 0x22 || e === 0x5c || e === 0x2f || e === 0x62 || e === 0x66 || e === 0x6e || e === 0x72 || e === 0x74) i += 2;
        else return 'an unknown escape in a string';
      } else i++;
    }
  };
  /** Reads one scalar at i, or opens a container; returns a problem or null. */
  const value = (): string | null => {
    const c = text.charCodeAt(i);
    if (c === 0x7b || c === 0x5b) {
      if (stack.length >= maxDepth) return '';
      stack.push(c === 0x7b ? 1 : 2);
      i++;
      return null;
    }
    if (c === 0x22) return string();
    for (const word of ['true', 'false', 'null']) {
      if (text.startsWith(word, i)) {
        i += word.length;
        return null;
      }
    }
    NUMBER.lastIndex = i;
    if (NUMBER.test(text)) {
      i = NUMBER.lastIndex;
      return null;
    }
    return i >= n ? 'the text ends where a value belongs' : 'not a value where one belongs';
  };
  space();
  let start = i;
  let problem = value();
  if (problem === '') return { index: start, problem: `nested deeper than ${maxDepth} levels`, tooDeep: true };
  if (problem !== null) return fail(problem, start);
  /** Just after an opening bracket: the container may close at once. */
  let opened = stack.length > 0;
  while (stack.length > 0) {
    space();
    const top = stack[stack.length - 1];
    const c = text.charCodeAt(i);
    if (opened && ((top === 1 && c === 0x7d) || (top === 2 && c === 0x5d))) {
      stack.pop();
      i++;
      opened = false;
      continue;
    }
    if (!opened) {
      // After a value inside a container: a comma, or its end.
      if (c === (top === 1 ? 0x7d : 0x5d)) {
        stack.pop();
        i++;
        continue;
      }
      if (c !== 0x2c) return fail(i >= n ? 'the text ends inside an object or array' : top === 1 ? "expected ',' or '}'" : "expected ',' or ']'");
      i++;
      space();
    }
    opened = false;
    if (top === 1) {
      if (text.charCodeAt(i) !== 0x22) return fail(i >= n ? 'the text ends inside an object' : 'expected a property name in double quotes');
      start = i;
      const bad = string();
      if (bad !== null) return fail(bad, start);
      space();
      if (text.charCodeAt(i) !== 0x3a) return fail("expected ':' after a property name");
      i++;
      space();
    }
    start = i;
    const depth = stack.length;
    problem = value();
    if (problem === '') return { index: start, problem: `nested deeper than ${maxDepth} levels`, tooDeep: true };
    if (problem !== null) return fail(problem, start);
    opened = stack.length > depth;
  }
  space();
  return i < n ? fail('more text after the end of the JSON value') : null;
}

/**
 * `text` as a JSON value, or a UsageError of one line that starts with
 * `source` and says where the text is not JSON, or nests too deep; it never
 * quotes the text.
 */
export function parseJsonText(text: string, source: string): unknown {
  const p = jsonProblem(text);
  if (p) {
    const { line, column } = lineColumn(text, p.index);
    if (p.tooDeep) {
      throw new UsageError(
        `${source}: ${p.problem} at line ${line}, column ${column}; this tool reads JSON nested at most ${MAX_JSON_DEPTH} levels deep, and none of its files nests more than a few: is it the right file?`,
      );
    }
    throw new UsageError(`${source} is not JSON: ${p.problem} at line ${line}, column ${column}`);
  }
  try {
    return JSON.parse(text);
  } catch {
    // The check above accepts what JSON.parse accepts; should they ever differ, still no text of the file.
    throw new UsageError(`${source} is not JSON (JSON.parse refused it)`);
  }
}

/**
 * The UTF-8 length of `JSON.stringify(value)` and of `JSON.stringify(value,
 * null, 2)`, and the depth of its nesting, counted without building either string (a string past about
 * 512 MiB cannot be built at all). For JSON values as JSON.parse returns them
 * (objects, arrays, strings, numbers, booleans, null); non-finite numbers
 * count as null, as jsonText writes them. It recurses: give it values read
 * through parseJsonText, whose depth is bounded.
 */
export function jsonSizes(value: unknown): { compact: number; indented: number; depth: number } {
  let compact = 0;
  // Levels of nesting, as jsonProblem counts them: a top-level array or object is 1.
  let deepest = 0;
  // What indentation adds: a line break and two spaces per level before each entry and each closing bracket, a space after each colon.
  let indentation = 0;
  const walk = (v: unknown, depth: number): void => {
    if (typeof v === 'string') compact += stringBytes(v);
    else if (typeof v === 'number') compact += Number.isFinite(v) ? String(v).length : 4;
    else if (typeof v === 'boolean') compact += v ? 4 : 5;
    else if (v === null || typeof v !== 'object') compact += 4;
    else if (Array.isArray(v)) {
      deepest = Math.max(deepest, depth + 1);
      compact += 2 + Math.max(0, v.length - 1);
      if (v.length > 0) indentation += v.length * (1 + 2 * (depth + 1)) + 1 + 2 * depth;
      for (const x of v) walk(x, depth + 1);
    } else {
      deepest = Math.max(deepest, depth + 1);
      let entries = 0;
      for (const [k, x] of Object.entries(v)) {
        if (x === undefined || typeof x === 'function') continue;
        entries++;
        compact += stringBytes(k) + 1;
        walk(x, depth + 1);
      }
      compact += 2 + Math.max(0, entries - 1);
      if (entries > 0) indentation += entries * (2 + 2 * (depth + 1)) + 1 + 2 * depth;
    }
  };
  walk(value, 0);
  return { compact, indented: compact + indentation, depth: deepest };
}

/** Anything but printable ASCII other than a quote and a backslash: a string without it is written as it is. */
const NOT_PLAIN = /[^\x20\x21\x23-\x5b\x5d-\x7e]/;
/** What JSON.stringify writes as an escape of two characters (\\n) or of six (\\u0001, and a lone surrogate). */
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it finds.
const ESCAPES = /(["\\\b\t\n\f\r])|[\u0000-\u001f]|([\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff])/g;

/** The UTF-8 length of a string as JSON.stringify writes it, quotes included. */
function stringBytes(s: string): number {
  if (!NOT_PLAIN.test(s)) return s.length + 2;
  let bytes = 2 + Buffer.byteLength(s);
  // Buffer.byteLength counted each of these as itself (1 byte), or a lone surrogate as U+FFFD (3).
  for (const m of s.matchAll(ESCAPES)) bytes += m[1] ? 1 : m[2] ? 3 : 5;
  return bytes;
}
