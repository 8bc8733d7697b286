/**
 * An error in the user's input: names the file (and feature, where known) and says what is
 * wrong in words a GIS user understands. The CLI prints `message` without a stack trace.
 */
export class InputError extends Error {
  readonly file: string;
  readonly featureIndex: number | undefined;
  readonly featureId: string | undefined;
  readonly reason: string;

  constructor(file: string, reason: string, feature?: { index: number; id?: string | undefined }) {
    super(`${file}${feature ? ` ${describeFeature(feature.index, feature.id)}` : ''}: ${reason}`);
    this.name = 'InputError';
    this.file = file;
    this.reason = reason;
    this.featureIndex = feature?.index;
    this.featureId = feature?.id;
  }
}

/** `feature #12 (id "TDM-000012")`: features are numbered from 0 as in the file. */
export function describeFeature(index: number, id?: string): string {
  return id === undefined ? `feature #${index}` : `feature #${index} (id ${JSON.stringify(id)})`;
}
