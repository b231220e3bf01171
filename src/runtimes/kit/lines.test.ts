import { describe, expect, it } from 'vitest';
import { LineSplitter } from './lines.js';

describe('LineSplitter', () => {
  it('gives complete lines and holds a partial one until it is completed', () => {
    const lines = new LineSplitter();
    expect(lines.push(Buffer.from('one\ntw'))).toEqual(['one']);
    expect(lines.push(Buffer.from('o'))).toEqual([]);
    expect(lines.push(Buffer.from('\n\nthree\nfo'))).toEqual(['two', '', 'three']);
    expect(lines.end()).toEqual(['fo']);
    expect(lines.end()).toEqual([]);
  });

  it('reassembles a character split across chunks, whatever the cut', () => {
    const bytes = Buffer.from('naïve 🚢\nok\n');
    for (let cut = 0; cut <= bytes.length; cut++) {
      const lines = new LineSplitter();
      expect([...lines.push(bytes.subarray(0, cut)), ...lines.push(bytes.subarray(cut)), ...lines.end()]).toEqual(['naïve 🚢', 'ok']);
    }
  });
});
