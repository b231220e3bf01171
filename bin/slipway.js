#!/usr/bin/env node
// The installed command. `npm install` compiles src/ into dist/ and bundles the CLI into dist/slipway/ (the `prepare` script).
import '../dist/slipway/bin.js';
