import { afterAll } from 'vitest';
import { reapAll } from './reaper.js';

// Registered before any file's own hooks, so it runs after them (vitest runs after-hooks as a
// stack): sessions are released first, then whatever is still running is ended.
afterAll(reapAll);
