import { createMigrationHandler } from './migration-handler';

/** Lambda entry of the migration step: the deployment invokes it after each change to the migrations. */
export const handler = createMigrationHandler();
