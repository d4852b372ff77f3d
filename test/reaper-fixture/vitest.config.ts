import { defineConfig } from 'vitest/config';
import main from '../../vitest.config.js';

// The main config's live project, run on the one fixture file that leaks on purpose.
const live = (main.test!.projects as { test: { name: string; setupFiles: string[] } }[]).find((p) => p.test.name === 'live')!;
export default defineConfig({ test: { ...live.test, name: 'reaper-fixture', include: ['test/reaper-fixture/*.fixture.ts'] } });
