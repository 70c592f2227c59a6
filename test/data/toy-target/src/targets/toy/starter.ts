import type { Starter } from '../target.js';

export const starter: Starter = {
  what: 'A toy target: one greeting, one file.',
  body: `kernel:
  version: 6.1.90
provider:
  type: oci
  kernel:
    image: ghcr.io/example/kernel:6.1.90
target:
  platform: toy
  # lower-case letters
  greeting: hello
`,
};
