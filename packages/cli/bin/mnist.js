#!/usr/bin/env node
// Thin launcher: the command itself lives in the compiled dist/ (run `npm run build` first).
import '../dist/bin.js';
