/**
 * The layout of src/ follows the pipeline (docs/ARCHITECTURE.md): each
 * layer imports only from itself and the layers before it, so a change
 * downstream (a report's columns) can never reach back into how things are
 * measured. This reads every import of every source file and checks that.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = resolve(import.meta.dirname, '..', 'src');
/** The layers in pipeline order; the entry points (cli.ts, main.ts) come last. */
const LAYERS = ['common', 'plan', 'measure', 'analyze', 'document', 'report', 'commands', '.'] as const;

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

const layerOf = (file: string): string => {
  const rel = relative(SRC, file);
  return rel.includes('/') ? (rel.split('/')[0] ?? '.') : '.';
};

/** Every relative import, static or dynamic, type-only included: a type is a dependency too. */
function imports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/(?:from|import)\s*\(?\s*'(\.{1,2}\/[^']+)'/g)].map((m) => resolve(dirname(file), (m[1] ?? '').replace(/\.js$/, '.ts')));
}

describe('the layers of src/', () => {
  const files = sources(SRC);

  it('has every source file in a known layer', () => {
    expect(files.map(layerOf).filter((l) => !(LAYERS as readonly string[]).includes(l))).toEqual([]);
  });

  it('imports only from the same layer or an earlier one', () => {
    const upward: string[] = [];
    for (const f of files) {
      const rank = LAYERS.indexOf(layerOf(f) as (typeof LAYERS)[number]);
      for (const target of imports(f)) {
        const to = LAYERS.indexOf(layerOf(target) as (typeof LAYERS)[number]);
        if (to > rank) upward.push(`${relative(SRC, f)} -> ${relative(SRC, target)}`);
      }
    }
    expect(upward).toEqual([]);
  });

  it('keeps every source file under 400 lines', () => {
    const long = files.map((f) => [relative(SRC, f), readFileSync(f, 'utf8').split('\n').length] as const).filter(([, n]) => n > 400);
    expect(long).toEqual([]);
  });
});
