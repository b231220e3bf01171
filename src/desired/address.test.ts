import { describe, expect, it } from 'vitest';
import { httpUrl, instanceUrl } from './address.js';

describe('instanceUrl', () => {
  it('is the instance host with the port asked for, or its first port', () => {
    const instance = { host: '10.0.0.7', ports: { http: 8080, admin: 9090 } };
    expect(instanceUrl(instance)).toBe('http://10.0.0.7:8080');
    expect(instanceUrl(instance, 9090)).toBe('http://10.0.0.7:9090');
  });

  it('brackets an IPv6 host, once', () => {
    expect(instanceUrl({ host: 'fd00::1', ports: { http: 80 } })).toBe('http://[fd00::1]:80');
    expect(httpUrl('[fd00::1]', 81)).toBe('http://[fd00::1]:81');
    expect(httpUrl('::1')).toBe('http://[::1]');
  });

  it('prefers the URL a runtime serves, unless a port is asked for; without either it is the host itself', () => {
    const site = { host: 'edge.example.com', ports: {}, url: 'https://www.example.com/' };
    expect(instanceUrl(site)).toBe('https://www.example.com/');
    expect(instanceUrl(site, 8443)).toBe('http://edge.example.com:8443');
    expect(instanceUrl({ host: 'edge.example.com', ports: {} })).toBe('http://edge.example.com');
  });
});
