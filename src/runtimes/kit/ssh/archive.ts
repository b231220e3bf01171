/** Directory archives for uploads to hosts. */
import { spawn } from 'node:child_process';
import { RuntimeError } from '../../../errors.js';

/**
 * `tar -C dir -cf - .` into memory, readable by all in the archive (`--mode=go+rX`: directories
 * and executables 0755, files 0644 from a private snapshot's 0700 and 0600). Needs GNU tar.
 */
export function packDirectory(dir: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const tar = spawn('tar', ['-C', dir, '--mode=go+rX', '-cf', '-', '.'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let err = '';
    tar.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    tar.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    tar.once('error', reject);
    tar.once('close', (code) => (code === 0 ? resolve(Buffer.concat(out)) : reject(new RuntimeError(`tar of ${dir} failed: ${err.trim()}`))));
  });
}
