/** Where a server's governance policy text comes from: a file locally, an SSM parameter on AWS. */
export interface PolicySource {
  readonly description: string;
  /** The policy's current text; rejects when it cannot be read (the caller fails closed). */
  read(): Promise<string>;
}
