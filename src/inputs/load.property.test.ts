/** No input crashes a loader: the project file and layer files either load or report positioned issues. */
import { describe } from 'vitest';
import { LayerFile } from './layer-schema.js';
import { parseProject } from './load.js';
import { STARTER_PROJECT } from './starter.js';
import { loaderProperties } from './test-fixtures.js';
import { parseYaml } from './yaml-file.js';

const LAYER = `owner: platform
defaults:
  replicas: 1
  workload:
    env: { LOG_LEVEL: info }
    limits: { memory: 128Mi }
constraints:
  requiredProbes: [readiness]
  forbiddenEnv: ["AWS_*"]
environments:
  prod:
    constraints:
      approvals: { count: 1, groups: [sre] }
      maxReplicas: 4
      freezeWindows:
        - { name: weekend, weekly: { from: "Fri 15:00", to: "Mon 06:00" } }
`;

describe('project file loader', () => loaderProperties((text) => parseProject(text, 'fuzz.yaml'), STARTER_PROJECT));
describe('layer file loader', () => loaderProperties((text) => parseYaml(LayerFile, text, 'layer.yaml'), LAYER));
