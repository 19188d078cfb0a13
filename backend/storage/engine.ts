/** The two databases the backend runs on: node:sqlite in a data folder, or a PostgreSQL server. */
export type Engine = 'sqlite' | 'postgres';
