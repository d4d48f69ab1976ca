/** `npm run generate -w @adv/demo`: (re)writes the Dockerfile and nginx config in this folder. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { deploymentFiles } from './deployment-files.js';
import { fromRoot } from './paths.js';

for (const [name, text] of Object.entries(deploymentFiles())) {
  const file = fromRoot(name);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, text);
  console.log(`wrote ${file}`);
}
