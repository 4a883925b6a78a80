export { PROVENANCE_VERSION, Provenance, parseProvenance, parseProvenanceText } from './schema.js';
