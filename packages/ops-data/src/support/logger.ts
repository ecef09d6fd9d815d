/**
 * What the data layer logs through: any structured logger taking a message and attribute
 * objects (Powertools' Logger fits).
 */
export interface OpsDataLogger {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- attribute values are the logger's to type (Powertools: LogAttributes)
  info(message: string, ...attributes: Record<string, any>[]): void;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- as above
  warn(message: string, ...attributes: Record<string, any>[]): void;
}
