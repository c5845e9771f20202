// @kafkajs/confluent-schema-registry against Brook's schema registry: registers an AVRO (and an
// Avro schema referring to another), a JSON and a PROTOBUF schema, encodes and decodes with
// each, reads getLatestSchemaId / getRegistryId / getRegistryIdBySchema back, and sends the
// encoded values through a Brook topic with kafkajs. Prints one JSON line the pytest
// (tests/integration/test_registry_clients_js.py) checks against the registry over plain HTTP;
// exits non-zero on any mismatch. Usage: node registry.js REGISTRY_URL HOST:PORT TOPIC
const { SchemaRegistry, SchemaType } = require('@kafkajs/confluent-schema-registry');
const { Kafka, logLevel } = require('kafkajs');
const assert = require('assert');

const [registryUrl, bootstrap, topic] = process.argv.slice(2);
// avsc decodes into instances of generated record classes; compare their plain fields.
const plain = (x) => JSON.parse(JSON.stringify(x));

const avroSchema = {
  type: 'record', name: 'Order', namespace: 'brook.js',
  fields: [
    { name: 'id', type: 'long' },
    { name: 'item', type: 'string' },
    { name: 'qty', type: 'int', default: 1 },
  ],
};
const moneySchema = {
  type: 'record', name: 'Money', namespace: 'brook.js',
  fields: [{ name: 'cents', type: 'long' }, { name: 'currency', type: 'string' }],
};
const paymentSchema = {
  type: 'record', name: 'Payment', namespace: 'brook.js',
  fields: [{ name: 'order', type: 'long' }, { name: 'amount', type: 'brook.js.Money' }],
};
const jsonSchema = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  type: 'object',
  properties: { user: { type: 'string' }, age: { type: 'integer', minimum: 0 } },
  required: ['user'],
};
const protoSchema = `syntax = "proto3";
package brook.js;
message Click {
  string page = 1;
  int64 at_ms = 2;
  repeated string tags = 3;
}
`;

async function main() {
  const registry = new SchemaRegistry({ host: registryUrl, clientId: 'brook-js-registry' });
  const out = { ids: {}, latest: {} };

  // AVRO: register (the client also sets the subject's level on first registration), encode,
  // decode, and the same schema again keeps its id.
  const avroSubject = `${topic}-value`;
  const { id: avroId } = await registry.register({ type: SchemaType.AVRO, schema: JSON.stringify(avroSchema) }, { subject: avroSubject });
  const again = await registry.register({ type: SchemaType.AVRO, schema: JSON.stringify(avroSchema) }, { subject: avroSubject });
  assert.strictEqual(again.id, avroId, 'registering the same schema again gave a new id');
  out.ids.avro = avroId;
  const order = { id: 42, item: 'kettle', qty: 3 };
  const avroBytes = await registry.encode(avroId, order);
  assert.deepStrictEqual(plain(await registry.decode(avroBytes)), order);
  out.latest.avro = await registry.getLatestSchemaId(avroSubject);
  out.by_version = await registry.getRegistryId(avroSubject, 1);
  out.by_schema = await registry.getRegistryIdBySchema(avroSubject, { type: SchemaType.AVRO, schema: JSON.stringify(avroSchema) });

  // AVRO with a reference: Payment uses brook.js.Money, registered under its own subject.
  const moneySubject = `${topic}-money`;
  const { id: moneyId } = await registry.register({ type: SchemaType.AVRO, schema: JSON.stringify(moneySchema) }, { subject: moneySubject });
  const paymentSubject = `${topic}-payment`;
  const { id: paymentId } = await registry.register({
    type: SchemaType.AVRO,
    schema: JSON.stringify(paymentSchema),
    references: [{ name: 'brook.js.Money', subject: moneySubject, version: 1 }],
  }, { subject: paymentSubject });
  out.ids.money = moneyId;
  out.ids.payment = paymentId;
  const payment = { order: 42, amount: { cents: 1999, currency: 'EUR' } };
  const fresh = new SchemaRegistry({ host: registryUrl }); // no cache: fetches the schema and its reference by id
  assert.deepStrictEqual(plain(await fresh.decode(await registry.encode(paymentId, payment))), payment);

  // JSON Schema
  const jsonSubject = `${topic}-json`;
  const { id: jsonId } = await registry.register({ type: SchemaType.JSON, schema: JSON.stringify(jsonSchema) }, { subject: jsonSubject });
  out.ids.json = jsonId;
  const user = { user: 'ada', age: 36 };
  const jsonBytes = await registry.encode(jsonId, user);
  assert.deepStrictEqual(await fresh.decode(jsonBytes), user);
  await assert.rejects(registry.encode(jsonId, { age: -1 }), /invalid payload/, 'an invalid payload was encoded');
  out.latest.json = await registry.getLatestSchemaId(jsonSubject);

  // PROTOBUF
  const protoSubject = `${topic}-proto`;
  const { id: protoId } = await registry.register({ type: SchemaType.PROTOBUF, schema: protoSchema }, { subject: protoSubject });
  out.ids.protobuf = protoId;
  const click = { page: '/home', atMs: 1700000000000, tags: ['a', 'b'] };
  const protoBytes = await registry.encode(protoId, click);
  const decodedClick = (await fresh.decode(protoBytes)).toJSON();
  assert.deepStrictEqual(decodedClick, { page: '/home', atMs: '1700000000000', tags: ['a', 'b'] });
  out.latest.protobuf = await registry.getLatestSchemaId(protoSubject);
  out.proto_by_schema = await fresh.getRegistryIdBySchema(protoSubject, { type: SchemaType.PROTOBUF, schema: protoSchema });
  out.json_by_schema = await fresh.getRegistryIdBySchema(jsonSubject, { type: SchemaType.JSON, schema: JSON.stringify(jsonSchema) });

  // The encoded values through a Brook topic with kafkajs, decoded by a fresh client.
  const kafka = new Kafka({ clientId: 'brook-js-registry', brokers: [bootstrap], logLevel: logLevel.WARN });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 1, replicationFactor: 1 }], waitForLeaders: true });
  await admin.disconnect();
  const producer = kafka.producer();
  await producer.connect();
  const values = [avroBytes, jsonBytes, protoBytes];
  await producer.send({ topic, acks: -1, messages: values.map((value, i) => ({ key: `k${i}`, value })) });
  await producer.disconnect();

  const consumer = kafka.consumer({ groupId: `${topic}-group`, sessionTimeout: 10000, heartbeatInterval: 1000 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const got = [];
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out with ${got.length}/3 records`)), 30000);
    consumer.run({
      eachMessage: async ({ message }) => {
        got.push(message.value);
        if (got.length === values.length) { clearTimeout(timer); resolve(); }
      },
    }).catch(reject);
  });
  await consumer.disconnect();
  const reader = new SchemaRegistry({ host: registryUrl });
  assert.deepStrictEqual(plain(await reader.decode(got[0])), order);
  assert.deepStrictEqual(await reader.decode(got[1]), user);
  assert.strictEqual((await reader.decode(got[2])).page, '/home');
  out.record_headers = got.map((b) => b.subarray(0, 5).toString('hex'));
  console.log(JSON.stringify(out));
}

main().catch((e) => {
  console.error(e && e.stack ? e.stack : e);
  process.exit(1);
});
