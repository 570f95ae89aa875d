#!/usr/bin/env node
// Launcher: the CLI is TypeScript, run through tsx's loader (no build step).
import { register } from 'tsx/esm/api';

register();
await import('./cli.ts');
