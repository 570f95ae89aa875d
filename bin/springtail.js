#!/usr/bin/env node
// Launcher: the CLI is TypeScript, run through tsx's loader (no build step).
import { register } from 'tsx/esm/api';

// binaryen is a 14 MB module that takes Node ~1 s to load but tsx's load hook ~15 s: load it
// natively first, so the TypeScript that imports it later gets it from the module cache.
if (['run', 'bench', 'evolve', 'worker'].includes(process.argv[2])) await import('binaryen');
register();
const { main } = await import('./cli.ts');
await main(process.argv.slice(2));
