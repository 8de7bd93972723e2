/**
 * Writing to a FIFO, a terminal or another device opened without blocking
 * (O_NONBLOCK: a FIFO nobody reads must not hold the process at open). A
 * non-blocking descriptor can take less than the whole text at once, so a
 * FIFO and a terminal are written the way Node writes its own stdout, through
 * the event loop: a reader that stops reading then holds up only this write,
 * which `signal` ends; the process stays free to hear its signals.
 */
import { closeSync, constants, fstatSync, openSync, type Stats, writeSync } from 'node:fs';
import { Socket } from 'node:net';
import { isatty, WriteStream } from 'node:tty';

const { O_WRONLY, O_NOCTTY, O_NONBLOCK, O_NOFOLLOW } = constants;

/**
 * An existing device, FIFO or terminal that an output goes to: written in
 * place, once, at the end, only if the path still names what it named at the
 * start (`dev`, `ino`). `viaLink`: a link of /proc (/dev/stdout ->
 * /proc/self/fd/1) that names no path, which the kernel follows.
 */
export interface StreamTarget {
  kind: 'stream';
  path: string;
  dev: number;
  ino: number;
  viaLink: boolean;
}

/**
 * Writes `text` into the device, FIFO or terminal `target` names, in place.
 * The path is opened again at the end of the run: without following a link
 * it did not have, without creating or truncating anything, without waiting
 * for a reader (O_NONBLOCK), and written only if what it opened is what the
 * run checked at its start. `signal` stops a write that a reader holds up.
 */
export async function writeInPlace(target: StreamTarget, text: string, signal?: AbortSignal): Promise<void> {
  let fd: number;
  try {
    fd = openSync(target.path, O_WRONLY | O_NOCTTY | O_NONBLOCK | (target.viaLink ? 0 : O_NOFOLLOW));
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const why =
      err.code === 'ELOOP'
        ? 'it is a symbolic link now, not what it was when the run started'
        : err.code === 'ENXIO'
          ? 'no process has it open for reading (ENXIO)'
          : (err.code ?? err.message);
    throw new Error(`cannot write ${target.path}: ${why}; not written`);
  }
  let st: Stats;
  try {
    st = fstatSync(fd);
  } catch (e) {
    closeSync(fd);
    throw e;
  }
  if (st.dev !== target.dev || st.ino !== target.ino) {
    closeSync(fd);
    throw new Error(`cannot write ${target.path}: it is not the ${st.isFIFO() ? 'FIFO' : 'file'} it was when the run started; not written`);
  }
  try {
    await writeStream(fd, st, text, signal);
  } catch (e) {
    throw new Error(`cannot write ${target.path}: ${(e as Error).message}; not written in full`);
  }
}

/** Writes all of `text` to `fd`, then closes it (whatever happens). Throws an Error saying why it stopped. */
export async function writeStream(fd: number, st: Stats, text: string, signal?: AbortSignal): Promise<void> {
  if (!st.isFIFO() && !isatty(fd)) {
    // /dev/null and the like take everything at once; one that would block is said, not waited for.
    try {
      const buf = Buffer.from(text);
      for (let done = 0; done < buf.length; ) done += writeSync(fd, buf, done, buf.length - done);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      throw new Error(code === 'EAGAIN' ? 'the device would block (EAGAIN)' : (code ?? (e as Error).message));
    } finally {
      closeSync(fd);
    }
    return;
  }
  const stream: Socket | WriteStream = st.isFIFO() ? new Socket({ fd, readable: false, writable: true }) : new WriteStream(fd);
  await new Promise<void>((resolve, reject) => {
    let settled = false;
    const stop = (): void => {
      finish(new Error('interrupted by a signal before the reader took it all'));
    };
    const finish = (err?: Error | null): void => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', stop);
      stream.destroy();
      if (err) reject(new Error((err as NodeJS.ErrnoException).code ?? err.message));
      else resolve();
    };
    if (signal?.aborted) {
      stop();
      return;
    }
    signal?.addEventListener('abort', stop, { once: true });
    stream.on('error', finish);
    stream.end(text, () => finish());
  });
}
