// The published files are facts of the dataset registry (browser-safe); re-exported here, where
// the Node entry has always offered them.
export { DATA_FILES, fileUrl } from '../sources.js';
export type { DataFile, DataFileId } from '../sources.js';
