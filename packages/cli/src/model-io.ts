// Saved models belong to @sevar/trainer (`model.json` + `weights.bin` + `checksums.json`,
// verified on load with typed errors). Importing them through this module also registers the
// Sevar* layer classes, so that saved models with attention load.
import '@sevar/layers';

export { loadModel, saveModel } from '@sevar/trainer';
