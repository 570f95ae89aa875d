// Random and hostile rule expressions and names for `rule.define` (grammar: sim/compiler/parse.ts).
import fc from 'fast-check';
import { HOSTILE_STRINGS, PROTO_NAMES } from './values.ts';

/** Set by injected JavaScript if a rule expression or name were ever evaluated as code. */
export const CANARY = '__springtailFuzzCanary';

const INJECTIONS = [
  `globalThis.${CANARY}=1`,
  `(globalThis.${CANARY}=1)`,
  `pre;globalThis.${CANARY}=1`,
  `pre)+(globalThis.${CANARY}=1`,
  `pre}; globalThis.${CANARY}=1; {`,
  `pre\n globalThis.${CANARY}=1`,
  `\`\${globalThis.${CANARY}=1}\``,
];

const FUNCTIONS = ['exp', 'log', 'sqrt', 'abs', 'tanh', 'sigmoid', 'relu', 'step', 'min', 'max', 'pow', 'clamp'];
const CONTEXT = ['pre', 'post', 'w', 'v', 'd', 'sign', 'fanin', 'u', 'theta', 'tag'];
const RESERVED = ['var', 'let', 'fn', 'return', 'if', 'f32', 'u32', 'true', 'NaN', 'Infinity', 'Math', 'this', 'arguments', 'eval', 'undefined', 'globalThis', 'process', 'require', 'select', 'loop', 'e', 'E'];

/** Names for params, slots, terms and identifiers: valid ones, prototype names, reserved words, junk. */
export const ruleName = fc.oneof(
  { weight: 3, arbitrary: fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,6}$/) },
  { weight: 3, arbitrary: fc.constantFrom(...PROTO_NAMES) },
  { weight: 2, arbitrary: fc.constantFrom(...CONTEXT, ...FUNCTIONS, ...RESERVED) },
  { weight: 1, arbitrary: fc.constantFrom('', ' ', '1abc', 'a-b', 'a b', 'π', 'é', '\uff45', 'a'.repeat(1000), ...HOSTILE_STRINGS, ...INJECTIONS) },
);

const LITERALS = ['1e39', '1e309', '-0', '0', '1e-50', '3.4028235e38', '3.4028236e38', '1e-46', '1.17549435e-38', '0.0000001', '1e+5', '1.e3', '.5', '.e3', '1e', '00', '0x1F', '1_000', '9007199254740993', '1' + '0'.repeat(400)];

const atom = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...CONTEXT, 'eta', 'tau', 'dmax', 'e') },
  { weight: 2, arbitrary: fc.constantFrom(...LITERALS) },
  { weight: 2, arbitrary: fc.double({ noNaN: true, noDefaultInfinity: true }).map((x) => String(Math.abs(x))) },
  { weight: 1, arbitrary: fc.nat().map(String) },
  { weight: 2, arbitrary: ruleName },
);

const OPS = ['+', '-', '*', '/', '<', '<=', '>', '>=', '==', '!=', '&&', '||', '%', '^', '**', '=', '.'];

/** Random expressions from the grammar, with some operators and functions it lacks. */
export const grammarExpr: fc.Arbitrary<string> = fc.letrec<{ e: string }>((tie) => ({
  e: fc.oneof(
    { maxDepth: 6, depthIdentifier: 'expr' },
    { weight: 5, arbitrary: atom },
    { weight: 1, arbitrary: tie('e').map((a) => `-${a}`) },
    { weight: 3, arbitrary: fc.tuple(tie('e'), fc.constantFrom(...OPS), tie('e')).map(([a, op, b]) => `${a} ${op} ${b}`) },
    { weight: 1, arbitrary: fc.tuple(tie('e'), tie('e'), tie('e')).map(([c, a, b]) => `${c} ? ${a} : ${b}`) },
    { weight: 1, arbitrary: tie('e').map((a) => `(${a})`) },
    {
      weight: 2,
      arbitrary: fc
        .tuple(fc.oneof(fc.constantFrom(...FUNCTIONS), ruleName), fc.array(tie('e'), { maxLength: 4 }))
        .map(([f, args]) => `${f}(${args.join(', ')})`),
    },
  ),
})).e;

/** Expressions built to exhaust a recursive parser or a code generator: deep, long, unbalanced. */
export const structuralExpr: fc.Arbitrary<string> = fc
  .tuple(
    fc.constantFrom('parens', 'unary', 'plus', 'ternary', 'calls', 'sum', 'product', 'unbalanced-open', 'unbalanced-close', 'comparisons'),
    fc.oneof(fc.integer({ min: 1, max: 100 }), fc.constantFrom(1000, 10_000, 20_000)),
  )
  .map(([shape, n]) => {
    switch (shape) {
      case 'parens':
        return '('.repeat(n) + 'pre' + ')'.repeat(n);
      case 'unary':
        return '-'.repeat(n) + 'pre';
      case 'plus':
        return '+ '.repeat(n) + 'pre';
      case 'ternary':
        return 'pre ? '.repeat(n) + 'w' + ' : post'.repeat(n);
      case 'calls':
        return 'abs('.repeat(n) + 'pre' + ')'.repeat(n);
      case 'sum':
        return Array(n).fill('pre').join(' + ');
      case 'product':
        return Array(n).fill('w').join('*');
      case 'unbalanced-open':
        return '('.repeat(n) + 'pre';
      case 'unbalanced-close':
        return 'pre' + ')'.repeat(n);
      default:
        return Array(n).fill('pre').join(' < ');
    }
  });

export const expr: fc.Arbitrary<string> = fc.oneof(
  { weight: 5, arbitrary: grammarExpr },
  { weight: 3, arbitrary: structuralExpr },
  { weight: 1, arbitrary: fc.constantFrom(...INJECTIONS, '', '   ', '\t', 'toString(pre)', 'constructor * pre', '__proto__', 'pre.constructor', "pre['x']", 'pre // c', '/* */ pre') },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 12 }) },
);
