// The one interface every backend implements (SPEC §3). See sim/README.md for the exact step.
import type { CompiledRule } from './compiler/compile.ts';
import type { SynapseTensor } from './tensor.ts';

export type BackendName = 'cpu' | 'webgpu';

export type NormalizeKind = 'none' | 'l1' | 'l2' | 'subtractive';
export interface PlasticityOptions {
  wMin: number;
  wMax: number;
  /** Per-neuron normalization of plastic weights after each update. */
  normalize: NormalizeKind;
  /** l1/l2: target norm; subtractive: target sum. */
  normalizeTarget: number;
}

export interface RecordOptions {
  /** Record all activities after every `every`-th step. */
  every: number;
  /** Ring buffer length in frames. */
  capacity: number;
}

export interface BackendInit {
  tensor: SynapseTensor;
  rule: CompiledRule;
  plasticity: PlasticityOptions;
  record?: RecordOptions;
  /** Maximum steps per `run` call, so buffers can be sized once. */
  maxChunk: number;
  /** cpu: worker threads to use (default: all cores when the tensor is large enough to pay). */
  threads?: number;
  /**
   * Start from this state instead of the rule's initial slots and terms and the tensor's a0 (e.g. a
   * state read from another backend; w and θ come from the tensor). Layouts as in NetworkState.
   */
  initial?: { slots?: Float32Array; terms?: Float32Array; a?: Float32Array };
  /**
   * Values of the rule's per-organism parameters (`rule.orgParamNames`, compileRule's
   * `perOrganism`), organism-major: orgParams[o * P + k] for parameter k of organism o. Stored and
   * read as f32. Absent: every organism uses the rule's value (`rule.params`).
   */
  orgParams?: Float32Array;
}

/** Checks `initial`'s lengths against the network and the rule; throws naming the field. */
export function checkInitial(init: BackendInit, N: number, S: number): void {
  const want = { slots: init.rule.slotNames.length * S, terms: init.rule.termNames.length * N, a: N };
  const what = { slots: `${init.rule.slotNames.length} slots × ${S} synapses`, terms: `${init.rule.termNames.length} terms × ${N} neurons`, a: `${N} neurons` };
  for (const k of ['slots', 'terms', 'a'] as const) {
    const x = init.initial?.[k];
    if (x && x.length !== want[k]) throw new Error(`initial.${k} holds ${x.length} values, expected ${want[k]} (${what[k]} of rule "${init.rule.name}")`);
  }
}

/**
 * The per-organism parameter block (organisms × rule.orgParamNames, organism-major) that backends
 * load: `init.orgParams` checked, or the rule's values for every organism. Throws naming the field.
 */
export function orgParamValues(init: BackendInit): Float32Array {
  const names = init.rule.orgParamNames;
  const O = init.tensor.organisms;
  const given = init.orgParams;
  if (!given) return Float32Array.from({ length: O * names.length }, (_, i) => init.rule.params[names[i % names.length]]);
  if (given.length !== O * names.length) throw new Error(`orgParams holds ${given.length} values, expected ${O * names.length} (${O} organisms × ${names.length} per-organism parameters${names.length ? ` ${names.join(', ')}` : ''} of rule "${init.rule.name}")`);
  const bad = given.findIndex((x) => !Number.isFinite(x));
  if (bad >= 0) throw new Error(`orgParams[${bad}] (organism ${Math.floor(bad / names.length)}, parameter '${names[bad % names.length]}') is ${given[bad]}, not a finite number`);
  return given;
}

export interface ChunkResult {
  /** Global step (0-based) of the first step whose activity or weights were not finite, or −1. */
  firstBadStep: number;
}

export interface NetworkState {
  /** Activity after the last step (global neuron order). */
  a: Float32Array;
  w: Float32Array;
  theta: Float32Array;
  /** Segment potentials v of the last step. */
  v: Float32Array;
  /** Rule state: slot-major, slots[k * S + s]. */
  slots: Float32Array;
  /** Rule per-neuron terms: term-major, terms[k * N + n]. */
  terms: Float32Array;
}

export interface Recording {
  /** Global step after which each frame was taken, oldest first. */
  steps: number[];
  /** frames × N activities. */
  frames: Float32Array;
}

export interface Backend {
  readonly name: BackendName;
  /** Short description of the device or thread count actually used. */
  readonly device: string;
  /**
   * Advance T steps. `inputs` holds T samples of `inputSize` values each: sample p is clamped to
   * the input neurons at step t0 + p. No host readback happens between steps.
   */
  run(T: number, inputs: Float32Array): Promise<ChunkResult>;
  /** Apply any plasticity still pending from the last step and read the whole state back. */
  readState(): Promise<NetworkState>;
  /**
   * The activity after the last step (global neuron order), equal to readState().a, but nothing
   * pending is applied: reading it between chunks leaves the run's trajectory unchanged (live view).
   */
  readActivity(): Promise<Float32Array>;
  readRecording(): Promise<Recording>;
  /** Bytes of memory held for the tensor, rule state and buffers. */
  memoryBytes(): number;
  dispose(): Promise<void>;
}

export class BackendUnavailable extends Error {}

/** The network or its recording is larger than this device's own limits (an Unavailable: `auto` falls back to cpu). */
export class DeviceLimit extends BackendUnavailable {
  /** When the recording is what does not fit: the most frames that do. */
  readonly mostFrames?: number;
  constructor(message: string, mostFrames?: number) {
    super(message);
    if (mostFrames !== undefined) this.mostFrames = mostFrames;
  }
}
