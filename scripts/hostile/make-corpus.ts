/**
 * `npx tsx scripts/hostile/make-corpus.ts [--out build/hostile]`: writes the malformed corpus
 * (tiler/src/hostile/corpus.ts) to a folder, to try by hand: `bdtwin tile build/hostile/files/…`,
 * `curl --data-binary @build/hostile/messages/… http://…/v1.1/Datastreams(1)/Observations`.
 * The test (tiler/src/hostile/corpus.test.ts) generates the same items in a temporary folder.
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { FILE_CORPUS, MESSAGE_CORPUS } from '../../tiler/src/hostile/corpus.js';
import { REPO_ROOT } from '../demo.js';

const { values } = parseArgs({ options: { out: { type: 'string' } } });
const out = path.resolve(values.out ?? path.join(REPO_ROOT, 'build/hostile'));
await rm(out, { recursive: true, force: true });
const files = path.join(out, 'files');
const messages = path.join(out, 'messages');
await mkdir(files, { recursive: true });
await mkdir(messages, { recursive: true });
const index: { kind: string; file: string; expect: string }[] = [];
for (const item of FILE_CORPUS) {
  const file = await item.write(files);
  index.push({ kind: `file/${item.kind}`, file: path.relative(out, file), expect: String(item.expect) });
}
for (const item of MESSAGE_CORPUS) {
  const file = path.join(
    messages,
    `${item.channel}-${item.name}.${item.channel === 'gtfs-rt' ? 'pb' : 'json'}`,
  );
  await writeFile(file, item.body);
  index.push({ kind: `message/${item.kind}`, file: path.relative(out, file), expect: String(item.expect) });
}
await writeFile(path.join(out, 'index.json'), `${JSON.stringify(index, null, 2)}\n`);
console.log(
  `wrote ${index.length} corpus items to ${out} (index.json lists each with the error it must get)`,
);
