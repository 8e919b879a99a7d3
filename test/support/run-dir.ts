import { inject } from 'vitest';
import './global-setup.js';

/** This vitest run's own directory (see global-setup.ts): bundled worker and pid list. */
export const RUN_DIR = inject('memsyncRunDir');
