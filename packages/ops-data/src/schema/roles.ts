/**
 * Database roles the servers act as. They are group roles (NOLOGIN): on Aurora the
 * deployment creates one login user per server as a member of its group, with its own
 * Secrets Manager secret; locally the embedded executor switches to the group role for
 * every statement. Neither role owns a table, so neither can alter the schema.
 */
export const DATABASE_ROLES = {
  /** The reader: SELECT on the operational tables, nothing else. */
  reader: 'gmcp_ops_read',
  /** The writer: SELECT, INSERT and UPDATE on the operational tables; never DELETE. */
  writer: 'gmcp_ops_write',
} as const;
export type DatabaseRoleName = keyof typeof DATABASE_ROLES;
