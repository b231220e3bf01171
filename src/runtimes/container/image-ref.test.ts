import { describe, expect, it } from 'vitest';
import { RuntimeError } from '../../errors.js';
import { containerCommand, namesImage } from './image-ref.js';

describe('containerCommand', () => {
  it('takes the image from `image:<ref>` and the command from args', () => {
    expect(containerCommand({ command: 'image:localhost/web:1', args: ['httpd', '-f'] })).toEqual({ image: 'localhost/web:1', entrypoint: undefined, cmd: ['httpd', '-f'] });
    expect(containerCommand({ command: 'image:localhost/web@sha256:00', args: [] })).toEqual({ image: 'localhost/web@sha256:00', entrypoint: undefined, cmd: undefined });
  });

  it('with workload.image, command replaces the entrypoint and args the image command', () => {
    expect(containerCommand({ image: 'localhost/web:2', command: 'httpd', args: ['-f'] })).toEqual({ image: 'localhost/web:2', entrypoint: ['httpd'], cmd: ['-f'] });
    expect(containerCommand({ image: 'localhost/web:2', command: 'httpd', args: [] })).toEqual({ image: 'localhost/web:2', entrypoint: ['httpd'], cmd: [] });
  });

  it('without command, the image entrypoint runs, with args as its command when given', () => {
    expect(containerCommand({ image: 'localhost/web:2', args: [] })).toEqual({ image: 'localhost/web:2', entrypoint: undefined, cmd: undefined });
    expect(containerCommand({ image: 'localhost/web:2', args: ['--verbose'] })).toEqual({ image: 'localhost/web:2', entrypoint: undefined, cmd: ['--verbose'] });
  });

  it('refuses a workload that names no image', () => {
    expect(namesImage({ command: 'node', args: [] })).toBe(false);
    expect(() => containerCommand({ command: 'node', args: [] })).toThrow(RuntimeError);
    expect(() => containerCommand({ command: 'image:', args: [] })).toThrow(/image:<reference>/);
    expect(() => containerCommand({ args: [] })).toThrow(RuntimeError);
  });
});
