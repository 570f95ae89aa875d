// The fuzz suite (README.md here): random configs, rule expressions, --set paths, flags, run
// directories and IDX files, each case held to one property (harness.ts `violations`): exit 0 or
// 2, a message naming the field, path or flag, no stack trace, no hang, and nothing outside the
// run directory changed.
import fc from 'fast-check';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, springtail } from '../spawn-cli.ts';
import { CONFIG_FILE, mutationCase, ruleCase, setCase, shellQuote, type ValidateCase } from './cases.ts';
import { changes, Driver, mentions, report, snapshot, violations, workspace, type Outcome } from './harness.ts';
import { idxConfig, idxSet, setValid, showSet, writeIdxSet } from './idx.ts';
import { flagArgs, flagCase, flagProblems, RUN_DIR_EXAMPLES, runDirCase, tinyConfig, type FlagCase, type RunDirCase } from './runs.ts';

const SEED = process.env.SPRINGTAIL_FUZZ_SEED ? Number(process.env.SPRINGTAIL_FUZZ_SEED) : Math.floor(Math.random() * 2 ** 31);
const SCALE = Number(process.env.SPRINGTAIL_FUZZ_SCALE ?? 1);
/** fast-check's replay path of one counterexample (with -t naming its property). */
const PATH = process.env.SPRINGTAIL_FUZZ_PATH;

// In the driver a validate case costs ~20 ms, a run ~0.1-0.3 s (the first after the driver starts
// a few seconds): on 2 cores busy with other work these 1,198 cases took ~40 s, for CI's 3 minutes.
// Each property also has a time budget (shrinking included): a slow machine runs fewer cases.
const RUNS = { mutations: 400, rules: 400, sets: 300, flags: 24, runDirs: 24, idx: 50 };
for (const k of Object.keys(RUNS) as Array<keyof typeof RUNS>) RUNS[k] = Math.max(1, Math.round(RUNS[k] * SCALE));
const TOTAL = Object.values(RUNS).reduce((a, b) => a + b, 0);

// time to answer one case (a hang is anything longer); generous, as CI may run other suites beside
const VALIDATE_LIMIT_MS = 20_000;
const RUN_LIMIT_MS = 60_000;

if (!Number.isSafeInteger(SEED)) throw new Error(`SPRINGTAIL_FUZZ_SEED must be an integer, got ${process.env.SPRINGTAIL_FUZZ_SEED}`);
console.log(
  `fuzz: seed ${SEED}, ${TOTAL} cases (${Object.entries(RUNS)
    .map(([k, v]) => `${v} ${k}`)
    .join(', ')}); reproduce with SPRINGTAIL_FUZZ_SEED=${SEED}`,
);

let ws: string;
let driver: Driver;

beforeAll(() => {
  ws = workspace();
  driver = new Driver(ws);
});

afterAll(() => {
  driver?.close();
  if (ws) rmSync(ws, { recursive: true, force: true });
});

function clean(): void {
  for (const f of readdirSync(ws)) rmSync(join(ws, f), { recursive: true, force: true });
}

/**
 * A test running one property for `numRuns` cases (`examples` first) that fails with fast-check's
 * report (the counterexample shrunk, its seed and path) and how to replay it. `budgetMs` bounds
 * the whole property, shrinking included, so a failure that hangs cannot hold CI for long.
 */
function fuzz<T>(name: string, arb: fc.Arbitrary<T>, numRuns: number, budgetMs: number, body: (c: T) => Promise<string[]>, examples: T[] = []) {
  const budget = budgetMs * Math.max(1, SCALE);
  // the budget is checked between cases: one more case may run past it
  it(name, () => property(name, arb, numRuns, budget, body, examples), budget + 2 * RUN_LIMIT_MS + 60_000);
}

async function property<T>(name: string, arb: fc.Arbitrary<T>, numRuns: number, budgetMs: number, body: (c: T) => Promise<string[]>, examples: T[]) {
  const t0 = performance.now();
  driver.tally.clear();
  // fast-check abandons the case in flight when the budget runs out: it is awaited below, so the
  // next test never shares the driver with it, and judged, so a hang cut off is still a failure
  let current: { c: T; index: number; done: Promise<string[]> } | undefined;
  let index = 0;
  const details = await fc.check(
    fc.asyncProperty(arb, async (c) => {
      current = { c, index: index++, done: body(c) };
      const problems = await current.done;
      if (problems.length) throw new Error(problems.join('\n'));
    }),
    { seed: SEED, numRuns, examples: examples.map((e) => [e] as [T]), interruptAfterTimeLimit: budgetMs, ...(PATH ? { path: PATH } : {}) },
  );
  const late = current ? await current.done : [];
  const s = ((performance.now() - t0) / 1000).toFixed(1);
  const tally = [...driver.tally].map(([k, n]) => `${k}: ${n}`).join(', ');
  console.log(`fuzz ${name}: ${details.numRuns} cases in ${s} s (${tally})${details.interrupted ? `, stopped at the ${budgetMs / 1000} s budget` : ''}`);
  const replay = (path: string) => `SPRINGTAIL_FUZZ_SEED=${SEED} SPRINGTAIL_FUZZ_PATH="${path}" npx vitest run tests/fuzz -t "${name}"`;
  if (details.failed) {
    const why = details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance);
    throw new Error(`${fc.defaultReportMessage(details)}\n\nproblems:\n${why}\n\nreplay: ${replay(details.counterexamplePath ?? '')}`);
  }
  if (details.interrupted && late.length) {
    throw new Error(`the case running when the budget ran out failed (not shrunk):\n${fc.stringify(current!.c)}\n\nproblems:\n${late.join('\n')}\n\nreplay: ${replay(String(current!.index))}`);
  }
}

/** Changes to the workspace a case may not make: any at all, or on exit 0 any outside `out`. */
function fsProblems(before: Map<string, string>, o: Outcome, out?: string, allowed: string[] = []): string[] {
  // on success the run directory appears, with any directories above it that it needed
  const inRun = (p: string) => out !== undefined && (p === out || p.startsWith(`${out}/`) || `${out}/`.startsWith(`${p}/`));
  const bad = changes(before, snapshot(ws)).filter((c) => !allowed.includes(c) && !(o.code === 0 && inRun(c.slice(c.indexOf(' ') + 1))));
  return bad.length ? [`changed outside the run directory: ${bad.slice(0, 8).join(', ')}${bad.length > 8 ? ', …' : ''}`] : [];
}

/** What a message may quote to name the culprit: each argument after the command, and its flag name. */
const argNames = (args: string[]) => args.slice(1).flatMap((a) => [a, a.split('=')[0], a.replace(/^-+/, '').split('=')[0]]).filter((a) => a !== '');

function withOutcome(problems: string[], o: Outcome): string[] {
  return problems.length ? [report(problems, o)] : [];
}

describe('fuzz', () => {
  const validate = async (c: ValidateCase) => {
    clean();
    writeFileSync(join(ws, CONFIG_FILE), c.text);
    const before = snapshot(ws);
    const o = await driver.exec(c.args, VALIDATE_LIMIT_MS);
    return withOutcome([...violations(o, { codes: c.fails ? [2] : [0, 2], names: [CONFIG_FILE, ...argNames(c.args)] }), ...fsProblems(before, o)], o);
  };

  // once at the start and again after every other case, so no state leaks between calls of main
  const real = new Map<string, Awaited<ReturnType<typeof springtail>>>();
  const sameAsBinary = async () => {
    const file = join(ROOT, 'configs/quickstart.json');
    for (const args of [['validate', file], ['validate', file, '--set', 'steps=-1']]) {
      const key = args.join(' ');
      real.set(key, real.get(key) ?? (await springtail(args)));
      const o = await driver.exec(args, 120_000);
      expect({ code: o.code, stdout: o.stdout, stderr: o.stderr }).toEqual(real.get(key));
    }
  };

  it('the driver answers as the real binary does', sameAsBinary, 240_000);

  fuzz('config mutations', mutationCase, RUNS.mutations, 25_000, validate);

  fuzz('rule expressions', ruleCase, RUNS.rules, 25_000, validate);

  fuzz('paths and values of --set', setCase, RUNS.sets, 15_000, validate);

  const showFlags = (c: FlagCase) => `springtail ${flagArgs(c, CONFIG_FILE, 'out').map(shellQuote).join(' ')}`;
  fuzz('flags', withShow(flagCase, showFlags), RUNS.flags, 20_000, async (c) => {
    clean();
    writeFileSync(join(ws, CONFIG_FILE), JSON.stringify(tinyConfig({ record: false })));
    const before = snapshot(ws);
    const args = flagArgs(c, CONFIG_FILE, 'out');
    const o = await driver.exec(args, RUN_LIMIT_MS);
    const problems = [...violations(o, { names: [CONFIG_FILE, ...argNames(args)] }), ...fsProblems(before, o, 'out')];
    const resolved = join(ws, 'out/config.json');
    if (o.code === 0) problems.push(...(existsSync(resolved) ? flagProblems(c, JSON.parse(readFileSync(resolved, 'utf8')).seed) : ['exit 0 without out/config.json']));
    return withOutcome(problems, o);
  });

  fuzz('run directories', runDirCase, RUNS.runDirs, 30_000, runDir, RUN_DIR_EXAMPLES);

  fuzz('IDX files', withShow(idxSet, showSet), RUNS.idx, 20_000, async (s) => {
    clean();
    const names = [...writeIdxSet(ws, s), ...(s.idxDir ? [s.idxDir] : [])];
    writeFileSync(join(ws, CONFIG_FILE), JSON.stringify(idxConfig(s)));
    const before = snapshot(ws);
    const o = await driver.exec(['run', CONFIG_FILE, '--out', 'out'], RUN_LIMIT_MS);
    const problems = violations(o, { codes: [setValid(s) ? 0 : 2], names });
    // stricter than "names something": the data file, or the config field that points at it
    if (o.code === 2 && !names.some((n) => mentions(o.stderr, n)) && !/^ {2}at task\./m.test(o.stderr)) problems.push(`exit 2 names none of ${names.join(', ')}`);
    return withOutcome([...problems, ...fsProblems(before, o, 'out')], o);
  });

  it('the driver still answers as the real binary does', sameAsBinary, 240_000);
});

/** A run into a prepared --out (RunDirCase kinds, runs.ts); a previous run is made by a first run. */
async function runDir(c: RunDirCase): Promise<string[]> {
  clean();
  let file = CONFIG_FILE;
  let out: string | undefined = 'out';
  const config = tinyConfig({ record: c.record[1] });
  const write = (f: string, v: unknown) => writeFileSync(join(ws, f), typeof v === 'string' ? v : JSON.stringify(v, null, 2));
  switch (c.kind) {
    case 'fresh':
      out = 'new/deeper/out';
      break;
    case 'empty-dir':
      mkdirSync(join(ws, out));
      break;
    case 'user-config':
      // the user's own config in the directory they pass as --out
      mkdirSync(join(ws, out));
      file = 'out/config.json';
      write('out/notes.txt', 'mine');
      break;
    case 'user-files':
      mkdirSync(join(ws, out));
      write('out/metrics.jsonl', '{"my": "notes"}\n');
      break;
    case 'read-only-file':
      mkdirSync(join(ws, out));
      write('out/summary.json', '{"mine": true}\n');
      chmodSync(join(ws, 'out/summary.json'), 0o444);
      break;
    case 'file':
      write('out', 'a file, not a directory');
      break;
    case 'under-file':
      out = `${CONFIG_FILE}/sub`;
      break;
    case 'empty-string':
      out = '';
      break;
    case 'long-name':
      out = 'x'.repeat(300);
      break;
    case 'long-config-name':
      // no --out: the run directory is made under runs/ from the name (shortened, or refused)
      config.name = 'n'.repeat(300);
      out = undefined;
      break;
    case 'workspace':
      out = '.';
      break;
    case 'previous-run': {
      write(CONFIG_FILE, { ...tinyConfig({ record: c.record[0] }), seed: 1 });
      const first = await driver.exec(['run', CONFIG_FILE, '--out', out], RUN_LIMIT_MS);
      if (first.code !== 0) return [report(['the first run (making the previous run directory) failed'], first)];
      config.seed = 2;
      break;
    }
  }
  write(file, config);
  const before = snapshot(ws);
  const args = ['run', file, ...(out === undefined ? [] : ['--out', out]), ...(c.force ? ['--force'] : [])];
  const o = await driver.exec(args, RUN_LIMIT_MS);
  const expected = c.kind === 'long-config-name' ? [0, 2] : c.kind === 'fresh' || c.kind === 'empty-dir' || (c.kind === 'previous-run' && c.force) ? [0] : [2];
  const problems = violations(o, { codes: expected, names: [file, ...(out ? [out] : []), ...argNames(args)] });
  // a run that could not make runs/<name>-<time> may leave runs/ itself
  problems.push(...fsProblems(before, o, out ?? 'runs', ['added runs']));
  if (c.kind === 'previous-run' && c.force && o.code === 0) {
    // replaced whole: the same files as a fresh run of the second config, none of the first's
    const ref = await driver.exec(['run', file, '--out', 'ref'], RUN_LIMIT_MS);
    const list = (d: string) => [...snapshot(join(ws, d)).keys()].sort();
    if (ref.code !== 0) problems.push('the reference run failed');
    else if (JSON.stringify(list('out')) !== JSON.stringify(list('ref'))) problems.push(`--force left files of the previous run: ${list('out').filter((f) => !list('ref').includes(f)).join(', ')}`);
  }
  return withOutcome(problems, o);
}

/** Gives the cases of `arb` a readable form in fast-check's report. */
function withShow<T>(arb: fc.Arbitrary<T>, show: (c: T) => string): fc.Arbitrary<T> {
  return arb.map((c) => Object.assign(Object.create(Object.getPrototypeOf(c)), c, { [fc.toStringMethod]: () => show(c) }) as T);
}
