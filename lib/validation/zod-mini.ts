import { en } from 'zod/locales';
import { config } from 'zod/mini';

/**
 * The zod of every file that ends up in a Lambda bundle: zod/mini, the same
 * zod 4 core as classic zod behind a functional API, so esbuild keeps only
 * what a handler uses (classic zod is ~90 KB and ~15 ms of init per handler).
 * The CDK-side config code (lib/config) keeps classic zod.
 *
 * Classic zod sets English messages by itself; zod/mini has no locale, and
 * its messages are then a bare "Invalid input". In jest both run in one
 * process, so tests would see English while a deployed bundle (mini only)
 * would not. Importing zod from here, never from 'zod/mini' directly (an
 * ESLint rule enforces it), sets the locale before any schema parses. `en`
 * comes from zod's locales entry, of which esbuild keeps English only.
 *
 * Import it as `import * as z from '.../validation/zod-mini'`: esbuild
 * tree-shakes the functions of a star import, but not those of zod/mini's
 * own `z` namespace object (importing `{ z }` bundles all of zod/mini and
 * every locale, about 420 KB).
 */
config(en());

export * from 'zod/mini';
