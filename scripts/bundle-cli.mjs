/**
 * Bundles the compiled CLI (`dist/cli/bin.js`, from `tsc`) into `dist/slipway/`, what
 * `bin/slipway.js` runs. Node's ESM loader spent about half a CPU second of every command finding
 * and linking some 580 files (Slipway's own, kysely's, zod's); bundled, a command loads a few
 * chunks. `import()` stays lazy (`splitting`): a command loads only what it runs. Packages that
 * find files of their own at run time (PGlite's WebAssembly) or may load native code (ssh2,
 * dockerode, pg), and fastify with its plugins, stay outside and load from node_modules.
 * `dist/slipway/` is two folders below the project, as `dist/cli/` is: paths relative to a module
 * (the web UI, package.json) resolve the same.
 */
import { build } from 'esbuild';

await build({
  entryPoints: ['dist/cli/bin.js'],
  outdir: 'dist/slipway',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external: ['@electric-sql/pglite', 'ssh2', 'dockerode', 'pg', 'fastify'],
  // Bundled CommonJS (commander, semver) calls `require` for Node's own modules.
  banner: { js: "import { createRequire as slipwayRequire } from 'node:module'; const require = slipwayRequire(import.meta.url);" },
  logLevel: 'warning',
});
