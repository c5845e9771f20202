// Reads a topic's first N records with kafkajs and decodes each value with
// @kafkajs/confluent-schema-registry, which fetches the writer's schema by the id in the record
// (and the schemas it references). Used to check that what another client wrote through
// Brook's registry (confluent-kafka-python's serializers) decodes here. Prints one JSON line:
// {"values": [...], "ids": [...]}; exits non-zero on any failure.
// Usage: node registry_decode.js REGISTRY_URL HOST:PORT TOPIC N
const { SchemaRegistry } = require('@kafkajs/confluent-schema-registry');
const { Kafka, logLevel } = require('kafkajs');

const [registryUrl, bootstrap, topic, n] = process.argv.slice(2);
const want = Number(n);

async function main() {
  const registry = new SchemaRegistry({ host: registryUrl });
  const kafka = new Kafka({ clientId: 'brook-js-decode', brokers: [bootstrap], logLevel: logLevel.WARN });
  const consumer = kafka.consumer({ groupId: `${topic}-js-decode`, sessionTimeout: 10000, heartbeatInterval: 1000 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const raw = [];
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out with ${raw.length}/${want} records`)), 30000);
    consumer.run({
      eachMessage: async ({ message }) => {
        raw.push(message.value);
        if (raw.length === want) { clearTimeout(timer); resolve(); }
      },
    }).catch(reject);
  });
  await consumer.disconnect();
  const values = [];
  for (const buf of raw) {
    const v = await registry.decode(buf);
    values.push(typeof v.toJSON === 'function' ? v.toJSON() : JSON.parse(JSON.stringify(v)));
  }
  console.log(JSON.stringify({ values, ids: raw.map((b) => b.readInt32BE(1)) }));
}

main().catch((e) => {
  console.error(e && e.stack ? e.stack : e);
  process.exit(1);
});
