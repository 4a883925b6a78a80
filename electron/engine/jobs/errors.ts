import { UserError } from '../../../shared/errors/index.js';

/** A run that cannot go ahead as set up: inputs, bands, area and grid do not fit together. */
export class JobError extends UserError {
  override name = 'JobError';
}
