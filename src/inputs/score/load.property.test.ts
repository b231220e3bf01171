import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe } from 'vitest';
import { parseScore, scoreToService } from './load.js';
import { loaderProperties } from '../test-fixtures.js';

const EXAMPLE = readFileSync('examples/score/orders/score.yaml', 'utf8');
const placeholderish = fc.array(fc.constantFrom('$', '$$', '{', '}', '${metadata.name}', '${resources.db.host}', '${resources.x.y}', '.', 'a'), { maxLength: 8 }).map((parts) => parts.join(''));

describe('the Score loader on arbitrary input', () => {
  loaderProperties((text) => scoreToService(parseScore(text, '/p/svc/score.yaml'), { projectDir: '/p' }), EXAMPLE, placeholderish);
});
