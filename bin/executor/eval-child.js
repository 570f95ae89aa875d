// Entry of a worker's evaluation process (forked by bin/commands/worker.ts): TypeScript through
// tsx, as bin/springtail.js does, with binaryen loaded natively first for the same reason (tsx's
// load hook takes ~15 s over its 14 MB).
import { register } from 'tsx/esm/api';

await import('binaryen');
register();
await import('./eval-child.ts');
