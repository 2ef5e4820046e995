import type { BaseLayerArgs } from '../attention-base.js';
import type { BamOptions, SevarBam } from './bam.js';
import type { CbamOptions, SevarCbam } from './cbam.js';
import type { CoordOptions, SevarCoord } from './coord.js';
import type { EcaOptions, SevarEca } from './eca.js';
import type { EseOptions, SevarEse } from './ese.js';
import type { GcOptions, SevarGc } from './gc.js';
import type { GeOptions, SevarGatherExcite } from './ge.js';
import type { SenetV2Options, SevarSenetV2 } from './senetv2.js';
import type { SevarSimam, SimamOptions } from './simam.js';
import type { SevarSrm, SrmOptions } from './srm.js';
import type { SevarTriplet, TripletOptions } from './triplet.js';

/** Each zoo key's options and layer class, so `createAttention('eca', ...)` is typed exactly. */
export interface ZooModules {
  eca: [EcaOptions, SevarEca];
  cbam: [CbamOptions, SevarCbam];
  coord: [CoordOptions, SevarCoord];
  simam: [SimamOptions, SevarSimam];
  srm: [SrmOptions, SevarSrm];
  gc: [GcOptions, SevarGc];
  ese: [EseOptions, SevarEse];
  senetv2: [SenetV2Options, SevarSenetV2];
  ge: [GeOptions, SevarGatherExcite];
  bam: [BamOptions, SevarBam];
  triplet: [TripletOptions, SevarTriplet];
}

/** A key of the zoo (the modules beyond the paper that ship with the package). */
export type ZooKey = keyof ZooModules;

/** The options `createAttention` takes for a zoo key (tfjs layer arguments included). */
export type ZooOptions<K extends ZooKey> = ZooModules[K][0] & BaseLayerArgs;
