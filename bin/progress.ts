// Progress for long work (SPEC §9): a bar on a terminal, sparse plain lines otherwise (logs, CI).
import cliProgress from 'cli-progress';

export interface Progress {
  update(done: number, info?: Record<string, number | string>): void;
  stop(): void;
}

function formatInfo(info: Record<string, number | string> | undefined): string {
  if (!info) return '';
  return Object.entries(info)
    .map(([k, v]) => ` ${k}=${typeof v === 'number' ? fmt(v) : v}`)
    .join('');
}

function fmt(v: number): string {
  if (Number.isInteger(v)) return String(v);
  const a = Math.abs(v);
  return a !== 0 && (a < 1e-3 || a >= 1e5) ? v.toExponential(3) : v.toPrecision(4).replace(/\.?0+$/, '');
}

export function createProgress(total: number, label: string, stream: NodeJS.WriteStream = process.stderr): Progress {
  if (stream.isTTY) {
    const bar = new cliProgress.SingleBar(
      { format: `${label} [{bar}] {percentage}% {value}/{total} eta {eta_formatted}{info}`, stream, hideCursor: true, clearOnComplete: false },
      cliProgress.Presets.shades_classic,
    );
    bar.start(total, 0, { info: '' });
    let stopped = false;
    return {
      update: (done, info) => bar.update(done, { info: formatInfo(info) }),
      stop: () => {
        if (!stopped) bar.stop();
        stopped = true;
      },
    };
  }
  // Not a terminal: print when crossing each ~10% mark, plus the end.
  let nextTenth = 1;
  let lastDone = -1;
  const line = (done: number, info?: Record<string, number | string>) => {
    const pct = total > 0 ? Math.floor((100 * done) / total) : 100;
    stream.write(`${label}: step ${done}/${total} (${pct}%)${formatInfo(info)}\n`);
    lastDone = done;
  };
  let lastInfo: Record<string, number | string> | undefined;
  return {
    update(done, info) {
      lastInfo = info ?? lastInfo;
      const tenths = total > 0 ? Math.floor((10 * done) / total) : 10;
      if (tenths >= nextTenth || done >= total) {
        if (done !== lastDone) line(done, lastInfo);
        nextTenth = tenths + 1;
      }
    },
    stop() {},
  };
}
