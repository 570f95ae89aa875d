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

/** Seconds as "1h02m", "3m05s" or "12s". */
export function formatEta(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  const s = Math.round(seconds);
  if (s >= 3600) return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
  if (s >= 60) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${s}s`;
}

/**
 * `start`: work already done before this process (a resumed run), so the ETA counts only what this
 * process did. `everyUpdate`: plain lines on every update (e.g. one per generation) instead of at
 * each ~10 % mark.
 */
export function createProgress(total: number, label: string, stream: NodeJS.WriteStream = process.stderr, start = 0, everyUpdate = false): Progress {
  if (stream.isTTY) {
    const bar = new cliProgress.SingleBar(
      { format: `${label} [{bar}] {percentage}% {value}/{total} eta {eta_formatted}{info}`, stream, hideCursor: true, clearOnComplete: false },
      cliProgress.Presets.shades_classic,
    );
    bar.start(total, start, { info: '' });
    let stopped = false;
    return {
      update: (done, info) => bar.update(done, { info: formatInfo(info) }),
      stop: () => {
        if (!stopped) bar.stop();
        stopped = true;
      },
    };
  }
  // Not a terminal: print when crossing each ~10% mark (or on every update), plus the end, with an ETA.
  const t0 = performance.now();
  let nextTenth = Math.floor((10 * start) / Math.max(1, total)) + 1;
  let lastDone = -1;
  const line = (done: number, info?: Record<string, number | string>) => {
    const pct = total > 0 ? Math.floor((100 * done) / total) : 100;
    const elapsed = (performance.now() - t0) / 1000;
    const eta = done > start ? ((total - done) * elapsed) / (done - start) : NaN;
    stream.write(`${label}: ${done}/${total} (${pct}%) eta ${done >= total ? '0s' : formatEta(eta)}${formatInfo(info)}\n`);
    lastDone = done;
  };
  let lastInfo: Record<string, number | string> | undefined;
  return {
    update(done, info) {
      lastInfo = info ?? lastInfo;
      const tenths = total > 0 ? Math.floor((10 * done) / total) : 10;
      if (everyUpdate || tenths >= nextTenth || done >= total) {
        if (done !== lastDone) line(done, lastInfo);
        nextTenth = tenths + 1;
      }
    },
    stop() {},
  };
}
