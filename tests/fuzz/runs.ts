// The `run` cases: flags (--seed, --backend, --set, bare and empty values) and run directories
// (--out onto fresh, foreign, previous-run and impossible places, with and without --force).
import fc from 'fast-check';
import { fixture } from '../cli/fixture.ts';

/** A simulation that runs in well under a second on cpu. */
export function tinyConfig(opts: { record: boolean; name?: string }): Record<string, unknown> {
  const c: Record<string, unknown> = { ...fixture(), name: opts.name ?? 'fuzz-run', steps: 20, chunk: 10, logEvery: 10 };
  if (opts.record) c.record = { every: 5, capacity: 16 };
  else delete c.record;
  return c;
}

// ---- flags --------------------------------------------------------------------------------

export type FlagValue = { bare: true } | { text: string; joined: boolean };

export interface FlagCase {
  seed?: FlagValue;
  backend: string[];
  bareBackend: boolean;
  sets: string[];
  bareSet: boolean;
  /** Order of the flag groups on the command line. */
  order: number[];
}

const seedText = fc.oneof(
  { weight: 6, arbitrary: fc.nat().map(String) },
  {
    weight: 3,
    arbitrary: fc.constantFrom('', ' ', '-1', '1.5', '4294967295', '4294967296', '9007199254740993', '1e3', '0x10', 'abc', ' 7', '007', 'Infinity', 'NaN', '-0', '1e400', '+5', '2e-3'),
  },
  { weight: 1, arbitrary: fc.string({ maxLength: 5 }) },
);

const flagValue = (text: fc.Arbitrary<string>): fc.Arbitrary<FlagValue> =>
  fc.oneof({ weight: 1, arbitrary: fc.constant({ bare: true as const }) }, { weight: 8, arbitrary: fc.record({ text, joined: fc.boolean() }) });

const backend = fc.oneof(
  { weight: 6, arbitrary: fc.constant<string[]>(['cpu']) },
  { weight: 2, arbitrary: fc.constant<string[]>([]) },
  { weight: 2, arbitrary: fc.array(fc.constantFrom<string>('cpu', 'nope', '', 'CPU'), { maxLength: 2 }) },
);

export const flagCase: fc.Arbitrary<FlagCase> = fc.record({
  seed: fc.option(flagValue(seedText), { freq: 6 }).map((s) => s ?? undefined),
  backend,
  bareBackend: fc.oneof({ weight: 8, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
  sets: fc.array(fc.oneof({ weight: 6, arbitrary: fc.constantFrom('steps=20', 'seed=3', 'chunk=10') }, { weight: 2, arbitrary: fc.constantFrom('steps=', '=20', 'steps', '', 'steps=20=1', ' =1') }), { maxLength: 2 }),
  bareSet: fc.oneof({ weight: 8, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
  order: fc.shuffledSubarray([0, 1, 2, 3], { minLength: 4 }),
});

/** The command line; the config is `file`, written to `out`. */
export function flagArgs(c: FlagCase, file: string, out: string): string[] {
  const groups: string[][] = [[], [], [], ['--out', out]];
  if (c.seed) groups[0] = 'bare' in c.seed ? ['--seed'] : c.seed.joined ? [`--seed=${c.seed.text}`] : ['--seed', c.seed.text];
  groups[1] = c.backend.flatMap((b) => ['--backend', b]);
  if (c.bareBackend) groups[1].push('--backend');
  groups[2] = c.sets.flatMap((s) => ['--set', s]);
  if (c.bareSet) groups[2].push('--set');
  return ['run', file, ...c.order.flatMap((i) => groups[i])];
}

/** On exit 0, what the resolved config must show: the seed as typed, and only valid flags used. */
export function flagProblems(c: FlagCase, resolvedSeed: unknown): string[] {
  const out: string[] = [];
  if (c.seed) {
    if ('bare' in c.seed) out.push('a bare --seed was accepted');
    else {
      const t = c.seed.text;
      const n = Number(t);
      if (t.trim() === '' || !Number.isInteger(n) || n < 0 || n > 2 ** 32 - 1 || !Number.isSafeInteger(n)) out.push(`--seed ${JSON.stringify(t)} was accepted`);
      else if (resolvedSeed !== n) out.push(`--seed ${JSON.stringify(t)} ran with seed ${JSON.stringify(resolvedSeed)}`);
    }
  }
  if (c.backend.length > 1) out.push(`--backend given ${c.backend.length} times was accepted`);
  if (c.backend.some((b) => b !== 'cpu')) out.push(`--backend ${JSON.stringify(c.backend)} was accepted`);
  if (c.bareBackend) out.push('a bare --backend was accepted');
  if (c.bareSet) out.push('a bare --set was accepted');
  // an empty value may be meant (a string field); an empty path or no '=' never is
  for (const s of c.sets) if (!/^[a-z]+=/.test(s)) out.push(`--set ${JSON.stringify(s)} was accepted`);
  return out;
}

// ---- run directories ----------------------------------------------------------------------

export const RUN_DIR_KINDS = [
  'fresh',
  'empty-dir',
  'user-config',
  'user-files',
  'read-only-file',
  'file',
  'under-file',
  'empty-string',
  'long-name',
  'long-config-name',
  'workspace',
  'previous-run',
] as const;
export type RunDirKind = (typeof RUN_DIR_KINDS)[number];

export interface RunDirCase {
  kind: RunDirKind;
  force: boolean;
  /** Whether the first (previous) and second run record activity. */
  record: [boolean, boolean];
}

export const runDirCase: fc.Arbitrary<RunDirCase> = fc.record({
  kind: fc.constantFrom(...RUN_DIR_KINDS),
  force: fc.boolean(),
  record: fc.tuple(fc.boolean(), fc.boolean()),
});

/** Every kind once, with and without --force where it matters, before the random ones. */
export const RUN_DIR_EXAMPLES: RunDirCase[] = RUN_DIR_KINDS.flatMap((kind): RunDirCase[] =>
  kind === 'user-config' || kind === 'previous-run'
    ? [
        { kind, force: false, record: [true, false] },
        { kind, force: true, record: [true, false] },
      ]
    : [{ kind, force: false, record: [true, true] }],
);
