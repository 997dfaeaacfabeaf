/**
 * The `z` every schema of mv is made with: zod's functional API (`zod/mini`), whose schemas cost a
 * fraction of the method-laden classic ones to build at start-up (docs/decisions.md), with zod's English
 * messages (the mini API loads no locale by itself) and without compiled parsers (built with
 * `new Function` on first use, outside V8's code cache: a command parses a few files, never enough to
 * earn them back).
 */
import { config } from 'zod/mini';
import en from 'zod/v4/locales/en.js';

config({ ...en(), jitless: true });

// Imported as a namespace (`import * as z`), which lets the bundler keep only what is used.
export * from 'zod/mini';
