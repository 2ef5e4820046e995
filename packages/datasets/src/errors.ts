/** Base class of every error thrown by `@sevar/datasets`. */
export class DatasetError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DatasetError';
  }
}

/** A file's bytes do not match the format the parser expects. */
export class DataFormatError extends DatasetError {
  readonly file: string;
  constructor(file: string, message: string, options?: { cause?: unknown }) {
    super(`${file}: ${message}`, options);
    this.name = 'DataFormatError';
    this.file = file;
  }
}

/** A MAT-file version 7.3 (HDF5 container), which this parser does not read. */
export class MatHdf5Error extends DataFormatError {
  constructor(file: string) {
    super(
      file,
      'is a MAT-file v7.3 (HDF5 container); expected a MAT-file level 5 (v5/v7) file. ' +
        "Re-save it in MATLAB with save(..., '-v7') or use the official SVHN files.",
    );
    this.name = 'MatHdf5Error';
  }
}

/** A file exists but its MD5 differs from the published one. */
export class ChecksumError extends DatasetError {
  readonly file: string;
  readonly expected: string;
  readonly received: string;
  constructor(file: string, expected: string, received: string, hint = '') {
    super(`${file}: MD5 mismatch, expected ${expected}, received ${received}${hint}`);
    this.name = 'ChecksumError';
    this.file = file;
    this.expected = expected;
    this.received = received;
  }
}

/** The files of a dataset were not found locally (and could not or may not be downloaded). */
export class DataNotFoundError extends DatasetError {
  readonly file: string;
  constructor(file: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DataNotFoundError';
    this.file = file;
  }
}

/** An HTTP download failed (network, status code, interruption). */
export class DownloadError extends DatasetError {
  readonly url: string;
  readonly file: string;
  constructor(url: string, file: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DownloadError';
    this.url = url;
    this.file = file;
  }
}

/** An option has a value the function does not accept. */
export class DatasetOptionError extends DatasetError {
  constructor(message: string) {
    super(message);
    this.name = 'DatasetOptionError';
  }
}
