import { CliError } from '../errors.js';

/**
 * The queue (Redis) could not be used: unreachable, a refused password, a server too old. The
 * message names the queue by its redacted address (never its password).
 */
export class QueueConnectionError extends CliError {
  constructor(
    /** The queue's address with the password replaced by `***`. */
    readonly queue: string,
    reason: string,
    hint?: string,
  ) {
    super(`cannot use the queue at ${queue}: ${reason}`, 1, { subject: queue, hint });
    this.name = 'QueueConnectionError';
  }
}

/**
 * A job's data does not parse as a sweep run (a foreign or tampered job): the worker refuses it
 * before anything of it reaches the file system. The job fails without retries.
 */
export class SweepJobDataError extends CliError {
  constructor(jobId: string, received: string) {
    const subject = `job ${JSON.stringify(jobId.slice(0, 80))}`;
    const expected =
      'the data of a sweep run (schema, recipe, attention and seed matching the job id)';
    super(`${subject}: expected ${expected}, received ${received}`, 1, {
      subject,
      expected,
      hint: 'Only `sevar sweep submit` should add jobs to this queue.',
    });
    this.name = 'SweepJobDataError';
  }
}

/** No sweep with that id (or none at all) in the queue. */
export class SweepNotFoundError extends CliError {
  constructor(queue: string, id: string | undefined) {
    super(
      id === undefined
        ? `the queue at ${queue} holds no sweep`
        : `the queue at ${queue} holds no sweep ${id}`,
      1,
      { subject: id ?? queue, hint: 'Submit one with `sevar sweep submit`.' },
    );
    this.name = 'SweepNotFoundError';
  }
}
