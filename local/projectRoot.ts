import { resolve } from 'node:path';

/** The checkout this code runs from: the .venv, the Pulumi.<stack>.yaml files and build/ live here. */
export const PROJECT_ROOT = resolve(import.meta.dirname, '..');
