// kafkajs transactions against Brook: a transactional producer that aborts one transaction and
// commits another with sendOffsets (offsets committed inside the transaction), read back by a
// kafkajs consumer, which reads committed data only (its default isolation). Prints one JSON
// line; exits non-zero on any mismatch. Usage: node transactions.js HOST:PORT TOPIC GROUP
const { Kafka, logLevel } = require('kafkajs');

const [bootstrap, topic, groupId] = process.argv.slice(2);

async function main() {
  const kafka = new Kafka({ clientId: 'brook-kafkajs-txn', brokers: [bootstrap], logLevel: logLevel.WARN });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 2, replicationFactor: 1 }], waitForLeaders: true });

  const producer = kafka.producer({ transactionalId: `${topic}-txn`, idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const msgs = (tag) => Array.from({ length: 50 }, (_, i) => ({ key: `k${i}`, value: `${tag}-${i}` }));

  const aborted = await producer.transaction();
  await aborted.send({ topic, messages: msgs('aborted') });
  await aborted.sendOffsets({ consumerGroupId: groupId, topics: [{ topic, partitions: [{ partition: 0, offset: '7' }] }] });
  await aborted.abort();

  const committed = await producer.transaction();
  await committed.send({ topic, messages: msgs('committed') });
  await committed.sendOffsets({ consumerGroupId: groupId, topics: [{ topic, partitions: [{ partition: 0, offset: '5' }, { partition: 1, offset: '3' }] }] });
  await committed.commit();
  await producer.disconnect();

  // The commit is acknowledged once it is decided; the offsets become visible when its marker
  // reaches __consumer_offsets, a moment later (as in Kafka). kafkajs' fetchOffsets does not ask
  // for stable offsets (KIP-447), so wait for them as an application would.
  let groupOffsets = {};
  for (let i = 0; i < 100; i++) {
    const offsets = await admin.fetchOffsets({ groupId, topics: [topic] });
    groupOffsets = Object.fromEntries(offsets[0].partitions.map((p) => [p.partition, Number(p.offset)]));
    if (groupOffsets[0] === 5 && groupOffsets[1] === 3) break;
    await new Promise((r) => setTimeout(r, 100));
  }

  const reader = kafka.consumer({ groupId: `${groupId}-reader`, sessionTimeout: 10000, heartbeatInterval: 1000 });
  await reader.connect();
  await reader.subscribe({ topic, fromBeginning: true });
  const seen = [];
  await new Promise((resolve, reject) => {
    const done = () => { clearTimeout(timer); resolve(); };
    let idle = null;
    const timer = setTimeout(() => reject(new Error(`timed out with ${seen.length} records`)), 30000);
    reader.run({
      eachMessage: async ({ message }) => {
        seen.push(message.value.toString());
        if (idle) clearTimeout(idle);
        if (seen.length >= 50) idle = setTimeout(done, 1500);
      },
    }).catch(reject);
  });
  await reader.disconnect();
  await admin.disconnect();

  const committedSeen = seen.filter((v) => v.startsWith('committed-')).length;
  const abortedSeen = seen.filter((v) => v.startsWith('aborted-')).length;
  const out = { committed_seen: committedSeen, aborted_seen: abortedSeen, group_offsets: groupOffsets };
  console.log(JSON.stringify(out));
  if (committedSeen !== 50 || abortedSeen !== 0 || groupOffsets[0] !== 5 || groupOffsets[1] !== 3) process.exit(1);
}

main().catch((e) => { console.error(e.stack || String(e)); process.exit(2); });
