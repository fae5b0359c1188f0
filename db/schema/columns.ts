// The column most tables share: the project a row belongs to (the row goes with it).
import { uuid } from 'drizzle-orm/pg-core';
import { projects } from './identity';

export const projectRef = () =>
  uuid('project_id')
    .notNull()
    .references(() => projects.id, { onDelete: 'cascade' });
