import { SevarError } from '@sevar/core';
import type { SevarErrorFacts } from '@sevar/core';

/** Facts of an error about a file, whose subject is the file itself. */
export type FileErrorFacts = Omit<SevarErrorFacts, 'subject'>;

/** Base class of every error thrown by `@sevar/datasets`. */
export class DatasetError extends SevarError {
  static override readonly packageName: string = '@sevar/datasets';

  /** A message (with optional facts such as `cause` and `hint`), or facts to compose it from. */
  constructor(message: string | SevarErrorFacts, facts?: SevarErrorFacts) {
    super(message, facts);
    this.name = 'DatasetError';
  }
}

/** A file's bytes do not match the format the parser expects. */
export class DataFormatError extends DatasetError {
  readonly file: string;
  /** `what` is the problem after `"<file>: "`, or expected/received facts about the file. */
  constructor(file: string, what: string | FileErrorFacts, options: FileErrorFacts = {}) {
    super(
      typeof what === 'string' ? `${file}: ${what}` : { ...what, subject: file },
      typeof what === 'string' ? { ...options, subject: file } : undefined,
    );
    this.name = 'DataFormatError';
    this.file = file;
  }
}

/** A MAT-file version 7.3 (HDF5 container), which this parser does not read. */
export class MatHdf5Error extends DataFormatError {
  constructor(file: string) {
    super(file, 'is a MAT-file v7.3 (HDF5 container); expected a MAT-file level 5 (v5/v7) file', {
      hint: "Re-save it in MATLAB with save(..., '-v7') or use the official SVHN files.",
    });
    this.name = 'MatHdf5Error';
  }
}

/**
 * An extracted file whose byte size differs from the published one: a cut (e.g. an interrupted
 * copy that ends on a record boundary and would otherwise load as a smaller dataset) or a
 * different file.
 */
export class FileSizeError extends DataFormatError {
  readonly expectedBytes: number;
  readonly receivedBytes: number;
  constructor(
    file: string,
    expectedBytes: number,
    receivedBytes: number,
    what: string,
    hint: string,
  ) {
    super(file, {
      expected: `${expectedBytes} bytes (${what})`,
      received: receivedBytes,
      hint,
    });
    this.name = 'FileSizeError';
    this.expectedBytes = expectedBytes;
    this.receivedBytes = receivedBytes;
  }
}

/** A file exists but its MD5 differs from the published one. */
export class ChecksumError extends DatasetError {
  readonly file: string;
  /** The published MD5. */
  override readonly expected: string;
  /** The MD5 of the file as found. */
  override readonly received: string;
  constructor(file: string, expected: string, received: string, hint?: string) {
    super({ subject: `${file}: MD5`, expected, received, hint });
    this.name = 'ChecksumError';
    this.file = file;
    this.expected = expected;
    this.received = received;
  }
}

/** The files of a dataset were not found locally (and could not or may not be downloaded). */
export class DataNotFoundError extends DatasetError {
  readonly file: string;
  constructor(file: string, message: string, options: FileErrorFacts = {}) {
    super(message, { ...options, subject: file });
    this.name = 'DataNotFoundError';
    this.file = file;
  }
}

/** An HTTP download failed (network, status code, interruption). */
export class DownloadError extends DatasetError {
  readonly url: string;
  readonly file: string;
  constructor(url: string, file: string, message: string, options: FileErrorFacts = {}) {
    super(message, { ...options, subject: file });
    this.name = 'DownloadError';
    this.url = url;
    this.file = file;
  }
}

/** An option has a value the function does not accept. */
export class DatasetOptionError extends DatasetError {
  /** A message, or facts (`subject` the option) to compose it from. */
  constructor(message: string | SevarErrorFacts, facts?: SevarErrorFacts) {
    super(message, facts);
    this.name = 'DatasetOptionError';
  }
}

/** A dataset name that is not in the registry. */
export class UnknownDatasetError extends DatasetOptionError {
  /** The received name, as a string. */
  override readonly received: string;
  readonly validNames: readonly string[];
  constructor(received: unknown, validNames: readonly string[], hint?: string) {
    super({
      subject: 'dataset',
      expected: `one of ${validNames.map((n) => `'${n}'`).join(', ')}`,
      received,
      hint,
    });
    this.received = String(received);
    this.validNames = validNames;
  }
}
