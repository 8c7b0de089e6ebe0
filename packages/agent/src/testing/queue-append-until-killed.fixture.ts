// Child process for the kill -9 test: appends numbered records to the queue in `argv[2]` as fast as
// it can and prints each sequence number once its append has resolved (that is, once it is durable).
import process from 'node:process';
import { DurableQueue } from '../node/queue/durable-queue.ts';

const queue = await DurableQueue.open(process.argv[2] ?? '', { segmentBytes: 4096 });
for (let i = 0; ; i++) {
  const payload = new TextEncoder().encode(`reading-${i}`);
  const [seq] = await queue.append(payload);
  process.stdout.write(`${seq}\n`);
}
