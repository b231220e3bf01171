import { describe, expect, it } from 'vitest';
import { RuntimeError } from '../../errors.js';
import { containerCommand, namesImage, pinnedRegistry } from './image-ref.js';

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

describe('pinnedRegistry', () => {
  const digest = `sha256:${'ab'.repeat(32)}`;

  it('names the host[:port] of a reference pinned by digest', () => {
    expect(pinnedRegistry(`127.0.0.1:5000/team/web@${digest}`)).toBe('127.0.0.1:5000');
    expect(pinnedRegistry(`registry.example.com/web@${digest}`)).toBe('registry.example.com');
    expect(pinnedRegistry(`localhost/web@${digest}`)).toBe('localhost');
  });

  it('is docker.io when the name starts with no host', () => {
    expect(pinnedRegistry(`library/busybox@${digest}`)).toBe('docker.io');
    expect(pinnedRegistry(`busybox@${digest}`)).toBe('docker.io');
  });

  it('is undefined for a reference by tag, or with a digest that is not sha256 of 64 hex digits', () => {
    expect(pinnedRegistry('127.0.0.1:5000/web:1')).toBeUndefined();
    expect(pinnedRegistry('127.0.0.1:5000/web@sha256:00')).toBeUndefined();
    expect(pinnedRegistry(`127.0.0.1:5000/web:1@${digest}x`)).toBeUndefined();
  });
});
