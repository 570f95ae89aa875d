// A worker's evaluation process: develops and scores chunks with the same batched code as the
// local executor (evaluateMembers), so the main process of the worker never blocks and renews its
// job locks on time. One chunk at a time; the parent sends { id, config, configHash, backend,
// generation, members } and gets { id, results } or { id, error }.
import { setupOf } from '../config/evolve-schema.ts';
import { validateEvolve } from '../config/load.ts';
import { compileEvolvingRule, evaluateMembers, type EvolveSetup } from '../../evolve/run.ts';
import type { CompiledRule } from '../../sim/compiler/compile.ts';

export interface EvalRequest {
  id: number;
  config: unknown;
  configHash: string;
  backend: 'cpu' | 'webgpu' | 'auto';
  generation: number;
  members: { member: number; x: number[] }[];
}

// setups by config hash and backend: building one loads the task's data and compiles the rule
const setups = new Map<string, { setup: EvolveSetup; rule: CompiledRule }>();

function prepared(req: EvalRequest) {
  const key = `${req.configHash}/${req.backend}`;
  let s = setups.get(key);
  if (!s) {
    const setup = setupOf({ ...validateEvolve(req.config), backend: req.backend });
    s = { setup, rule: compileEvolvingRule(setup) };
    // a worker serves one run at a time in practice: keep the newest two
    if (setups.size >= 2) setups.delete(setups.keys().next().value!);
    setups.set(key, s);
  }
  return s;
}

process.on('message', async (req: EvalRequest) => {
  try {
    const { setup, rule } = prepared(req);
    const results = await evaluateMembers(setup, rule, req.generation, req.members);
    process.send!({ id: req.id, results });
  } catch (e) {
    process.send!({ id: req.id, error: e instanceof Error ? e.message : String(e) });
  }
});
// the worker stops its jobs itself (a terminal's Ctrl-C reaches the whole process group)
process.on('SIGINT', () => {});
// a worker killed with SIGKILL leaves its children: they go with the IPC channel
process.on('disconnect', () => process.exit(0));
