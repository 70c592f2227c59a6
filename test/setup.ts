/**
 * Runs in every test file (vitest.config.ts setupFiles). After each test the worker turns
 * its event loop once: a file whose tests only ever await promises (the property tests'
 * async compiles) would otherwise run for minutes without handling an I/O event, so the
 * answer to vitest's own progress call (onTaskUpdate) would sit unread until its 60 s timer
 * fired, and the run would end with "Timeout calling onTaskUpdate" although every test
 * passed.
 */
import { afterEach } from 'vitest';

afterEach(() => new Promise<void>((resolve) => setImmediate(resolve)));
