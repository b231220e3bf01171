#!/usr/bin/env node
// The installed command. `npm install` compiles src/ into dist/ (the `prepare` script).
import '../dist/cli/bin.js';
