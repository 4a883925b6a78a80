/** A featurize run's settings: the options table, the settings schema, and their command line. */
export * from './options.js';
export * from './settings.js';
export * from './command-line.js';
export * from './output-options.js';
