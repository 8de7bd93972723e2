/** An in-memory CommandIo: what a command wrote, as text. */
import { Writable } from 'node:stream';
import type { CommandIo } from '../../src/commands/io.js';

export function memoryIo(env: NodeJS.ProcessEnv = {}): CommandIo & { out: () => string; err: () => string } {
  const sink = () => {
    let text = '';
    const stream = new Writable({
      write(chunk: Buffer, _enc, cb) {
        text += chunk.toString();
        cb();
      },
    });
    return { stream, text: () => text };
  };
  const o = sink();
  const e = sink();
  return { stdout: o.stream, stderr: e.stream, env, out: o.text, err: e.text };
}
