// Launcher of driver.ts, as bin/springtail.js launches cli.ts: binaryen is loaded natively before
// tsx's loader is registered (through the loader it takes ~15 s instead of ~1 s).
import { register } from 'tsx/esm/api';

await import('binaryen');
register();
await import('./driver.ts');
