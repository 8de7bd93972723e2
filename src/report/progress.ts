/** Progress on stderr, only when it is a terminal: one line, rewritten in place. */
import type { RunEvent } from '../document/group.js';

export class Progress {
  private readonly enabled: boolean;
  private group = '';
  private state = '';

  constructor(
    private readonly stream: NodeJS.WriteStream = process.stderr,
    quiet = false,
  ) {
    this.enabled = !quiet && stream.isTTY === true;
  }

  private line(text: string): void {
    if (!this.enabled) return;
    const width = (this.stream.columns ?? 100) - 1;
    this.stream.write(`\r\u001b[K${text.slice(0, width)}`);
  }

  event(e: RunEvent): void {
    switch (e.type) {
      case 'group': {
        const s = e.scenarios[0];
        this.group = `[${e.index}/${e.total}] ${s ? `${s.workload} w${s.workers} ${s.placement}` : ''}`;
        this.state = '';
        this.line(`${this.group}: starting`);
        break;
      }
      case 'window':
        this.line(
          `${this.group}: ${e.warmup ? 'warm-up' : `round ${e.round}`}, ${e.scenario.mode} ${Math.round(e.opsPerSec).toLocaleString('en-US')} ops/s${this.state}`,
        );
        break;
      case 'look':
        this.state = `; ${e.undecided === 0 ? 'decided' : `${e.undecided} comparison${e.undecided === 1 ? '' : 's'} undecided`}, ${(e.measuredMs / 1000).toFixed(1)} of ${(e.capMs / 1000).toFixed(1)} s`;
        break;
      case 'scenario':
        break;
    }
  }

  done(): void {
    if (this.enabled) this.stream.write('\r\u001b[K');
  }
}

export function useColor(stream: NodeJS.WriteStream = process.stdout): boolean {
  return stream.isTTY === true && !process.env.NO_COLOR && process.env.TERM !== 'dumb';
}
