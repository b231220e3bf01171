import { describe, expect, it } from 'vitest';
import { RuntimeError } from '../../errors.js';
import { containerCommand } from './image-ref.js';

describe('containerCommand', () => {
  it('takes the image from `image:<ref>` and the command from args', () => {
    expect(containerCommand({ command: 'image:localhost/web:1', args: ['httpd', '-f'] })).toEqual({ image: 'localhost/web:1', cmd: ['httpd', '-f'] });
    expect(containerCommand({ command: 'image:localhost/web@sha256:00', args: [] })).toEqual({ image: 'localhost/web@sha256:00', cmd: undefined });
  });

  it('prefers workload.image, running command and args inside it', () => {
    expect(containerCommand({ image: 'localhost/web:2', command: 'httpd', args: ['-f'] })).toEqual({ image: 'localhost/web:2', cmd: ['httpd', '-f'] });
  });

  it('refuses a workload that names no image', () => {
    expect(() => containerCommand({ command: 'node', args: [] })).toThrow(RuntimeError);
    expect(() => containerCommand({ command: 'image:', args: [] })).toThrow(/image:<reference>/);
  });
});
