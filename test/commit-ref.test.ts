/**
 * `run --commit SHA --ref NAME` (or GITHUB_SHA and GITHUB_REF_NAME): the
 * commit and branch a run measured, recorded as env.commit and env.ref for
 * `ipcns-bench history --order commit`, validated on the way in and on every
 * read.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { parseRunArgs, runCommand } from '../src/commands/run.js';
import { UsageError } from '../src/common/errors.js';
import { InlineExecutor } from '../src/measure/executor.js';
import { createMockCore } from '../src/measure/mock-core.js';
import { validateResultDocument } from '../src/document/parse.js';
import type { ResultDocument } from '../src/document/result.js';
import { emptyDocument } from './helpers/fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'ipcns-commit-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const SHA = '3f2a9c1d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b';

describe('run --commit and --ref', () => {
  it('records neither when no flag and no CI variable gives them', () => {
    const a = parseRunArgs([], {});
    expect(a.commit).toBeUndefined();
    expect(a.ref).toBeUndefined();
  });

  it('takes a full or abbreviated commit, in lowercase', () => {
    expect(parseRunArgs(['--commit', SHA.toUpperCase()], {}).commit).toBe(SHA);
    expect(parseRunArgs(['--commit', '3f2a9c1'], {}).commit).toBe('3f2a9c1');
    expect(parseRunArgs(['--commit', 'a'.repeat(64)], {}).commit).toBe('a'.repeat(64));
  });

  it.each([
    ['too short', '3f2a9c'],
    ['too long', 'a'.repeat(65)],
    ['not hex', 'main'],
    ['a control character', '3f2a9c1\u001b[2J'],
  ])('refuses a commit that is %s, naming the flag and the form', (_what, text) => {
    const parse = (): unknown => parseRunArgs(['--commit', text], {});
    expect(parse).toThrow(UsageError);
    expect(parse).toThrow(/^--commit .*: a commit is 7 to 64 hex digits \(git rev-parse HEAD\); give one, e\.g\. --commit 3f2a9c1$/);
  });

  it('takes GITHUB_SHA and GITHUB_REF_NAME when no flag is given, and the flags over them', () => {
    const env = { GITHUB_SHA: SHA, GITHUB_REF_NAME: 'main' };
    expect(parseRunArgs([], env)).toMatchObject({ commit: SHA, ref: 'main' });
    expect(parseRunArgs(['--commit', 'abcdef1', '--ref', 'release/2.1'], env)).toMatchObject({ commit: 'abcdef1', ref: 'release/2.1' });
  });

  it('names GITHUB_SHA when it is what is wrong', () => {
    expect(() => parseRunArgs([], { GITHUB_SHA: 'not-a-sha' })).toThrow(/^--commit "not-a-sha" \(from GITHUB_SHA; give --commit to override it\): /);
  });

  it.each([
    ['empty', ''],
    ['a space', 'my branch'],
    ['a control character', 'main\u001b]0;x\u0007'],
    ['a bidirectional override', 'main\u202e'],
    ['longer than 255 characters', 'b'.repeat(256)],
  ])('refuses a ref that is %s', (_what, text) => {
    expect(() => parseRunArgs(['--ref', text], {})).toThrow(/^--ref .*: a ref is 1 to 255 characters without spaces or control characters/);
  });

  it('takes a pull request ref and a non-ASCII branch name', () => {
    expect(parseRunArgs(['--ref', '123/merge'], {}).ref).toBe('123/merge');
    expect(parseRunArgs(['--ref', 'café'], {}).ref).toBe('café');
  });
});

describe('env.commit and env.ref in the result document', () => {
  const sink = (): NodeJS.WriteStream =>
    new Writable({
      write(_c, _e, cb) {
        cb();
      },
    }) as unknown as NodeJS.WriteStream;

  it('a run writes them from the CI variables, and the document is valid', async () => {
    const json = join(dir, 'run.json');
    const code = await runCommand(['--suite', 'quick', '--workload', 'sem.pingpong', '--mode', 'host', '--json', json, '--quiet'], {
      stdout: sink(),
      stderr: sink(),
      executor: () => new InlineExecutor(createMockCore({ seed: 3 })),
      signal: new AbortController().signal,
      env: { GITHUB_SHA: SHA, GITHUB_REF_NAME: 'main' },
    });
    expect(code).toBe(0);
    const doc = JSON.parse(readFileSync(json, 'utf8')) as ResultDocument;
    expect(doc.env).toMatchObject({ commit: SHA, ref: 'main' });
    expect(validateResultDocument(doc)).toEqual([]);
  });

  it('a document without them is valid (they are optional)', () => {
    expect(validateResultDocument(JSON.parse(JSON.stringify(emptyDocument())))).toEqual([]);
  });

  it('a reader refuses a commit that is not hex, and a ref with a control character, by pointer', () => {
    const doc = JSON.parse(JSON.stringify(emptyDocument())) as { env: Record<string, unknown> };
    doc.env['commit'] = 'HEAD';
    expect(validateResultDocument(doc)).toEqual([expect.stringMatching(/^\/env\/commit: must match pattern/)]);
    doc.env['commit'] = SHA;
    doc.env['ref'] = 'main\n';
    expect(validateResultDocument(doc)).toEqual([expect.stringMatching(/^\/env\/ref: must match pattern/)]);
  });
});
