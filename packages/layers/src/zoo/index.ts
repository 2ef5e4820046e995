import type { AttentionDefinition } from '../attention-definition.js';
import { bamDefinition } from './bam.js';
import { cbamDefinition } from './cbam.js';
import { coordDefinition } from './coord.js';
import { ecaDefinition } from './eca.js';
import { eseDefinition } from './ese.js';
import { gcDefinition } from './gc.js';
import { geDefinition } from './ge.js';
import { senetv2Definition } from './senetv2.js';
import { simamDefinition } from './simam.js';
import { srmDefinition } from './srm.js';
import { tripletDefinition } from './triplet.js';

// The modules beyond the paper, one line each, in the order of the SPEC's zoo table.
export const ZOO_DEFINITIONS = [
  ecaDefinition,
  cbamDefinition,
  coordDefinition,
  simamDefinition,
  srmDefinition,
  gcDefinition,
  eseDefinition,
  senetv2Definition,
  geDefinition,
  bamDefinition,
  tripletDefinition,
] as unknown as readonly AttentionDefinition[];
