// Unit tests of the ei-balance rule (rules/ei-balance.ts) on a tiny E+I network, cpu backend,
// against numbers worked out by hand from the step in sim/README.md (gather with the current
// weights and the previous activities, post = u (linear soma, α = 1, θ = 0), then Δw from pre (the
// value gathered), post (the new activity) and w). f64 here, f32 in the backend: tolerance 1e-6.
//
// Network (one organism): 0 in0, 1 in1 (inputs), 2 I (inhibitory, linear), 3 E (linear, 2 segments):
//   s0: in1 → I          w 0.8  excitatory (Dale: in1 is excitatory)
//   s1: in0 → E seg 0    w 0.5  excitatory
//   s2: I   → E seg 0    w 0.3  inhibitory (Dale: I has sign −1)
//   s3: in1 → E seg 1    w 0.2  inhibitory through the segment's own sign −1 (projection sign)
import { describe, expect, it } from 'vitest';
import { eiBalance } from '../../rules/ei-balance.ts';
import type { NetworkState } from '../../sim/backend.ts';
import { compileRule } from '../../sim/compiler/compile.ts';
import { close, runSteps } from './by-hand.ts';
import { fromLists } from '../../sim/build.ts';

const I = 2;
const E = 3;
const W0 = [0.8, 0.5, 0.3, 0.2];

async function tiny(params: Record<string, number>, xs: [number, number][]): Promise<NetworkState> {
  const tensor = fromLists([
    {
      neurons: [
        { role: 'input' },
        { role: 'input' },
        { role: 'hidden', sign: -1, soma: 'linear' },
        { role: 'output', soma: 'linear', segments: 2, segSign: [0, -1] },
      ],
      synapses: [
        { pre: 1, post: I, w: W0[0] },
        { pre: 0, post: E, segment: 0, w: W0[1] },
        { pre: I, post: E, segment: 0, w: W0[2] },
        { pre: 1, post: E, segment: 1, w: W0[3] },
      ],
    },
  ]);
  const { state, firstBadStep } = await runSteps(tensor, eiBalance, params, xs);
  expect(firstBadStep).toBe(-1);
  return state;
}

const xs: [number, number][] = [
  [1, 0.5],
  [0.4, 0.8],
];

describe('ei-balance: defaults', () => {
  it('keeps excitatory synapses fixed by default (etaE 0)', () => {
    expect(compileRule(eiBalance).params.etaE).toBe(0);
  });
});

describe('ei-balance: hand-computed updates (tiny E+I network, cpu)', () => {
  it('inhibitory Δw = etaI·pre·(post − rho0), excitatory Oja at etaE, over two steps', async () => {
    const etaI = 0.5;
    const rho0 = 0.1;
    const etaE = 0.25;
    // step 1, x = (1, 0.5); I starts at 0
    const I1 = 0.8 * 0.5; // 0.4
    const E1 = 0.5 * 1 - 0.3 * 0 - 0.2 * 0.5; // 0.4
    const w1 = [
      0.8 + etaE * I1 * (0.5 - I1 * 0.8), // 0.818
      0.5 + etaE * E1 * (1 - E1 * 0.5), // 0.58
      0.3 + etaI * 0 * (E1 - rho0), // I was silent when gathered: 0.3
      0.2 + etaI * 0.5 * (E1 - rho0), // 0.275: E above target → more inhibition
    ];
    close(w1, [0.818, 0.58, 0.3, 0.275], 1e-12);
    const one = await tiny({ etaI, rho0, etaE }, xs.slice(0, 1));
    close([one.a[I], one.a[E]], [I1, E1]);
    close(one.w, w1);
    // step 2, x = (0.4, 0.8); E gathers I's step-1 activity
    const I2 = w1[0] * 0.8; // 0.6544
    const E2 = w1[1] * 0.4 - w1[2] * I1 - w1[3] * 0.8; // −0.108: below target
    expect(E2).toBeCloseTo(-0.108, 12);
    const w2 = [
      w1[0] + etaE * I2 * (0.8 - I2 * w1[0]),
      w1[1] + etaE * E2 * (0.4 - E2 * w1[1]),
      w1[2] + etaI * I1 * (E2 - rho0), // 0.3 − 0.0416 = 0.2584: below target → less inhibition
      w1[3] + etaI * 0.8 * (E2 - rho0), // 0.275 − 0.0832 = 0.1918
    ];
    close([w2[2], w2[3]], [0.2584, 0.1918], 1e-12);
    const two = await tiny({ etaI, rho0, etaE }, xs);
    close([two.a[I], two.a[E]], [I2, E2]);
    close(two.w, w2);
  });

  it('etaE = 0 (default) keeps excitatory synapses fixed; inhibitory ones still learn', async () => {
    const two = await tiny({ etaI: 0.5, rho0: 0.1 }, xs);
    const E2 = 0.5 * 0.4 - 0.3 * 0.4 - 0.275 * 0.8; // −0.14
    close(two.w, [0.8, 0.5, 0.3 + 0.5 * 0.4 * (E2 - 0.1), 0.275 + 0.5 * 0.8 * (E2 - 0.1)]);
  });

  it('inhibition is clipped at wMin = 0 when the unit stays below target', async () => {
    // rho0 = 1 above E1 = 0.4: s3 → 0.2 + 1·0.5·(0.4 − 1) = −0.1 → clipped to 0
    const one = await tiny({ etaI: 1, rho0: 1 }, xs.slice(0, 1));
    close(one.w, [0.8, 0.5, 0.3, 0]);
  });
});
