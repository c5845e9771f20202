// kafkajs against Brook: admin createTopics, an idempotent acks=all producer, and a
// consumer group (join/sync/heartbeat/commit) reading everything back. Prints one JSON line;
// exits non-zero on any mismatch. Usage: node roundtrip.js HOST:PORT TOPIC GROUP
const { Kafka, logLevel } = require('kafkajs');

const [bootstrap, topic, groupId] = process.argv.slice(2);
const count = 1000;

async function main() {
  const kafka = new Kafka({ clientId: 'brook-kafkajs', brokers: [bootstrap], logLevel: logLevel.WARN });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 3, replicationFactor: 1 }], waitForLeaders: true });

  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const messages = [];
  for (let i = 0; i < count; i++) {
    messages.push({ key: `k${i % 17}`, value: `v${i}`, headers: { seq: `${i}` } });
  }
  for (let i = 0; i < count; i += 100) {
    await producer.send({ topic, acks: -1, messages: messages.slice(i, i + 100) });
  }
  await producer.disconnect();

  const consumer = kafka.consumer({ groupId, sessionTimeout: 10000, heartbeatInterval: 1000 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const seen = new Map();
  const lastOffset = {};
  const t0 = Date.now();
  let firstMs = null;
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out with ${seen.size}/${count} records`)), 30000);
    consumer.run({
      eachMessage: async ({ partition, message }) => {
        if (firstMs === null) firstMs = Date.now() - t0;
        const seq = Number(message.headers.seq.toString());
        if (message.value.toString() !== `v${seq}` || message.key.toString() !== `k${seq % 17}`) {
          reject(new Error(`record ${seq} came back altered`));
        }
        const off = Number(message.offset);
        if (lastOffset[partition] !== undefined && off <= lastOffset[partition]) {
          reject(new Error(`partition ${partition} went backwards at ${off}`));
        }
        lastOffset[partition] = off;
        seen.set(seq, (seen.get(seq) || 0) + 1);
        if (seen.size === count) { clearTimeout(timer); resolve(); }
      },
    }).catch(reject);
  });
  await consumer.commitOffsets(Object.entries(lastOffset).map(([p, o]) => ({ topic, partition: Number(p), offset: `${o + 1}` })));
  await consumer.disconnect();

  const dupes = [...seen.values()].filter((n) => n !== 1).length;
  const offsets = await admin.fetchOffsets({ groupId, topics: [topic] });
  const committed = offsets[0].partitions.reduce((sum, p) => sum + Number(p.offset), 0);
  const groups = (await admin.listGroups()).groups.map((g) => g.groupId);
  await admin.disconnect();
  const out = { received: seen.size, duplicates: dupes, committed, listed: groups.includes(groupId), first_record_ms: firstMs };
  console.log(JSON.stringify(out));
  if (seen.size !== count || dupes !== 0 || committed !== count || !out.listed) process.exit(1);
}

main().catch((e) => { console.error(e.stack || String(e)); process.exit(2); });
