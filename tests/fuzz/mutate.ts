// Random edits of the shipped configs: delete, replace or insert a field anywhere in the tree, or
// damage the file's text. Edits pick their target by index into the tree's current nodes, so
// any edit applies to any config and shrinking keeps it applicable.
import fc from 'fast-check';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../spawn-cli.ts';
import { walk } from '../cli/fixture.ts';
import { HOSTILE_STRINGS, PROTO_NAMES, placeholder, render, setOwn, showValueShort, value, type Value } from './values.ts';

/** Every shipped config, as [path relative to the repository, parsed JSON]. */
export const SHIPPED: Array<[string, unknown]> = ['configs', 'configs/rules'].flatMap((dir) =>
  readdirSync(join(ROOT, dir))
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f): [string, unknown] => [`${dir}/${f}`, JSON.parse(readFileSync(join(ROOT, dir, f), 'utf8'))]),
);

export type Edit =
  | { op: 'delete'; at: number }
  | { op: 'replace'; at: number; value: Value }
  | { op: 'insert'; at: number; key: string; value: Value };

export type TextEdit =
  | { op: 'truncate'; frac: number }
  | { op: 'splice'; frac: number; text: string }
  | { op: 'bom' }
  | { op: 'root'; value: Value };

const key = fc.oneof(
  { weight: 3, arbitrary: fc.string({ minLength: 0, maxLength: 10 }) },
  { weight: 2, arbitrary: fc.constantFrom(...PROTO_NAMES) },
  { weight: 1, arbitrary: fc.constantFrom(...HOSTILE_STRINGS, 'kind', 'name', 'size', 'define', 'steps', 'π', '') },
);

export const edit: fc.Arbitrary<Edit> = fc.oneof(
  fc.record({ op: fc.constant('delete' as const), at: fc.nat() }),
  fc.record({ op: fc.constant('replace' as const), at: fc.nat(), value }),
  fc.record({ op: fc.constant('insert' as const), at: fc.nat(), key, value }),
);

export const textEdit: fc.Arbitrary<TextEdit> = fc.oneof(
  fc.record({ op: fc.constant('truncate' as const), frac: fc.double({ min: 0, max: 1, noNaN: true }) }),
  fc.record({
    op: fc.constant('splice' as const),
    frac: fc.double({ min: 0, max: 1, noNaN: true }),
    text: fc.oneof(fc.string({ maxLength: 4 }), fc.constantFrom(',', '}', '"', '\\', '\n', '\u0000', '/*', '\ud800', '[[[[')),
  }),
  fc.constant({ op: 'bom' as const }),
  fc.record({ op: fc.constant('root' as const), value }),
);

type Node = Record<string, unknown> | unknown[];
const isNode = (v: unknown): v is Node => typeof v === 'object' && v !== null;

/** Applies the edits to a copy of `base`: the file's text, and each edit as applied (with its path). */
export function applyEdits(base: unknown, edits: Edit[], text?: TextEdit): { text: string; applied: string[] } {
  const tree = structuredClone(base);
  const texts: string[] = [];
  const applied: string[] = [];
  for (const e of edits) {
    const nodes = walk(tree).map(([path, shown]) => ({ path, shown }));
    if (e.op === 'insert') {
      const containers = [{ path: [] as string[], shown: '(root)' }, ...nodes].filter((n) => isNode(get(tree, n.path)));
      const { path, shown } = containers[e.at % containers.length];
      const target = get(tree, path) as Node;
      const v = placeholder(texts, e.value);
      if (Array.isArray(target)) {
        const i = e.at % (target.length + 1);
        target.splice(i, 0, v);
        applied.push(`insert ${showValueShort(e.value)} at ${shown}[${i}]`);
      } else {
        setOwn(target, e.key, v);
        applied.push(`set ${shown} key ${JSON.stringify(e.key)} to ${showValueShort(e.value)}`);
      }
      continue;
    }
    if (nodes.length === 0) continue;
    const { path, shown } = nodes[e.at % nodes.length];
    const parent = get(tree, path.slice(0, -1)) as Node;
    const k = path[path.length - 1];
    if (e.op === 'delete') {
      if (Array.isArray(parent)) parent.splice(Number(k), 1);
      else delete parent[k];
      applied.push(`delete ${shown}`);
    } else {
      if (Array.isArray(parent)) parent[Number(k)] = placeholder(texts, e.value);
      else setOwn(parent, k, placeholder(texts, e.value));
      applied.push(`set ${shown} to ${showValueShort(e.value)}`);
    }
  }
  const out = render(tree, texts);
  if (!text) return { text: out, applied };
  applied.push(showTextEdit(text));
  switch (text.op) {
    case 'truncate':
      return { text: out.slice(0, Math.floor(out.length * text.frac)), applied };
    case 'splice': {
      const at = Math.floor(out.length * text.frac);
      return { text: out.slice(0, at) + text.text + out.slice(at), applied };
    }
    case 'bom':
      return { text: '\ufeff' + out, applied };
    case 'root':
      return { text: render(placeholder(texts, text.value), texts), applied };
  }
}

function get(tree: unknown, path: string[]): unknown {
  let node = tree;
  for (const k of path) node = (node as Record<string, unknown>)[k];
  return node;
}

export function showTextEdit(t: TextEdit): string {
  if (t.op === 'truncate') return `truncate at ${(t.frac * 100).toFixed(1)}%`;
  if (t.op === 'splice') return `insert ${JSON.stringify(t.text)} at ${(t.frac * 100).toFixed(1)}%`;
  if (t.op === 'bom') return 'prepend a byte-order mark';
  return `replace the whole file with ${showValueShort(t.value)}`;
}
