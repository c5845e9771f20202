// The transaction admin APIs (KIP-664: DescribeProducers 61 v0, DescribeTransactions 65 v0,
// ListTransactions 66 v0-1) against Brook, spoken by @platformatic/kafka — a pure-JavaScript Kafka
// client of its own (no librdkafka, no kafkajs code) whose protocol layer encodes and decodes
// these three APIs. Its own transactional producer leaves one transaction open (records sent, not
// committed) and commits another on one partition; then the three APIs are asked about them,
// error paths included. Prints one JSON line; exits non-zero on any mismatch.
// Usage: node txn_admin.js HOST:PORT TOPIC
//
// @platformatic/kafka's Admin client has no method for these APIs, so they are called through its
// exported protocol layer (describeProducersV0.api, ...) on its own Connection, as its admin methods
// do internally. A single broker is the transaction coordinator and every partition's leader, so the
// bootstrap connection is the right one for all three.
const [bootstrap, topic] = process.argv.slice(2);
const [host, port] = [bootstrap.split(':')[0], Number(bootstrap.split(':')[1])];

const TXN_TIMEOUT_MS = 45000;
const ERR = { NONE: 0, UNKNOWN_TOPIC_OR_PARTITION: 3, TRANSACTIONAL_ID_NOT_FOUND: 105 };

const problems = [];
function check(what, got, want) {
  const g = JSON.stringify(got);
  const w = JSON.stringify(want);
  if (g !== w) problems.push(`${what}: got ${g}, want ${w}`);
}

const { call } = require('./pk_protocol');

async function main() {
  const pk = await import('@platformatic/kafka');
  const { Producer, Connection, stringSerializers } = pk;

  // @platformatic/kafka speaks CreateTopics v7 only (Brook serves v0-5): kafkajs makes the topic.
  const { Kafka, logLevel } = require('kafkajs');
  const kjs = new Kafka({ clientId: 'brook-txn-admin-setup', brokers: [bootstrap], logLevel: logLevel.WARN }).admin();
  await kjs.connect();
  await kjs.createTopics({ topics: [{ topic, numPartitions: 1, replicationFactor: 1 }], waitForLeaders: true });
  await kjs.disconnect();

  const committedId = `${topic}-committed`;
  const openId = `${topic}-open`;
  const producerOpts = (transactionalId) => ({
    clientId: `brook-txn-admin-${transactionalId}`, bootstrapBrokers: [bootstrap], idempotent: true,
    transactionalId, timeout: TXN_TIMEOUT_MS, retries: 3, serializers: stringSerializers,
  });
  const msgs = (tag, n) => Array.from({ length: n }, (_, i) => ({ topic, partition: 0, key: `k${i}`, value: `${tag}-${i}` }));

  const committedProducer = new Producer(producerOpts(committedId));
  const committed = await committedProducer.beginTransaction();
  await committed.send({ messages: msgs('committed', 5) });
  await committed.commit();

  const openProducer = new Producer(producerOpts(openId));
  const open = await openProducer.beginTransaction();
  const first = await open.send({ messages: msgs('open', 3) });
  await open.send({ messages: msgs('open-more', 2) });
  const openFirstOffset = Number(first.offsets.find((o) => o.topic === topic && o.partition === 0).offset);

  const connection = new Connection('brook-txn-admin-raw');
  await connection.connect(host, port);

  // ListTransactions: v0 and v1, everything; v0 filtered by state; v1 by producer id; an
  // unknown state filter, alone and beside a known one.
  const ours = (r) => r.transactionStates.filter((t) => t.transactionalId === committedId || t.transactionalId === openId)
    .map((t) => [t.transactionalId, t.transactionState]).sort();
  const listAll0 = await call(pk.listTransactionsV0.api, connection, [], []);
  const listAll1 = await call(pk.listTransactionsV1.api, connection, [], [], -1n);
  const listOngoing = await call(pk.listTransactionsV0.api, connection, ['Ongoing'], []);
  const listCommitted = await call(pk.listTransactionsV1.api, connection, ['CompleteCommit'], [], -1n);

  const describe = await call(pk.describeTransactionsV0.api, connection, [openId, committedId]);
  const byId = Object.fromEntries(describe.transactionStates.map((s) => [s.transactionalId, s]));
  const openState = byId[openId] || {};
  const committedState = byId[committedId] || {};
  const listByPid = await call(pk.listTransactionsV1.api, connection, [], [BigInt(openState.producerId ?? -2)], -1n);
  const listUnknownOnly = await call(pk.listTransactionsV1.api, connection, ['Bogus'], [], -1n);
  const listUnknownAndKnown = await call(pk.listTransactionsV1.api, connection, ['Bogus', 'Ongoing'], [], -1n);
  const describeUnknown = await call(pk.describeTransactionsV0.api, connection, ['no-such-transactional-id', openId]);

  const producers = await call(pk.describeProducersV0.api, connection, [{ name: topic, partitionIndexes: [0] }]);
  const active = (producers.topics[0]?.partitions[0]?.activeProducers) || [];
  const byPid = Object.fromEntries(active.map((p) => [p.producerId, p]));
  const producersUnknown = await call(pk.describeProducersV0.api, connection, [
    { name: 'no-such-topic', partitionIndexes: [0] }, { name: topic, partitionIndexes: [0, 7] }]);

  await connection.close();

  check('list v0 all', ours(listAll0), [[committedId, 'CompleteCommit'], [openId, 'Ongoing']]);
  check('list v1 all', ours(listAll1), [[committedId, 'CompleteCommit'], [openId, 'Ongoing']]);
  check('list v0 all errorCode', listAll0.errorCode, ERR.NONE);
  check('list Ongoing', ours(listOngoing), [[openId, 'Ongoing']]);
  check('list Ongoing only Ongoing', listOngoing.transactionStates.every((t) => t.transactionState === 'Ongoing'), true);
  check('list CompleteCommit', ours(listCommitted), [[committedId, 'CompleteCommit']]);
  check('list by producer id', listByPid.transactionStates.map((t) => [t.transactionalId, t.producerId, t.transactionState]),
    [[openId, openState.producerId, 'Ongoing']]);
  check('list unknown filter: UnknownStateFilters', listUnknownOnly.unknownStateFilters, ['Bogus']);
  check('list unknown filter: errorCode', listUnknownOnly.errorCode, ERR.NONE);
  check('list unknown filter alone: transactions', listUnknownOnly.transactionStates, []);
  check('list unknown+Ongoing: UnknownStateFilters', listUnknownAndKnown.unknownStateFilters, ['Bogus']);
  check('list unknown+Ongoing: ours', ours(listUnknownAndKnown), [[openId, 'Ongoing']]);

  check('describe open: error', openState.errorCode, ERR.NONE);
  check('describe open: state', openState.transactionState, 'Ongoing');
  check('describe open: topics', openState.topics, [{ topic, partitions: [0] }]);
  check('describe open: timeout', openState.transactionTimeoutMs, TXN_TIMEOUT_MS);
  check('describe open: start time set', openState.transactionStartTimeMs > 0, true);
  check('describe open: epoch >= 0', openState.producerEpoch >= 0, true);
  check('describe committed: error', committedState.errorCode, ERR.NONE);
  check('describe committed: state', committedState.transactionState, 'CompleteCommit');
  check('describe committed: topics', committedState.topics, []);
  check('describe committed: timeout', committedState.transactionTimeoutMs, TXN_TIMEOUT_MS);
  check('describe: distinct producer ids', openState.producerId !== committedState.producerId, true);
  check('list pids match describe', listAll1.transactionStates.filter((t) => t.transactionalId === openId).map((t) => t.producerId),
    [openState.producerId]);
  const unk = describeUnknown.transactionStates;
  check('describe unknown id', unk.map((s) => [s.transactionalId, s.errorCode]),
    [['no-such-transactional-id', ERR.TRANSACTIONAL_ID_NOT_FOUND], [openId, ERR.NONE]]);

  check('producers: partition error', producers.topics[0]?.partitions[0]?.errorCode, ERR.NONE);
  check('producers: both pids', [openState.producerId, committedState.producerId].every((p) => p in byPid), true);
  const openP = byPid[openState.producerId] || {};
  const committedP = byPid[committedState.producerId] || {};
  check('producers: open CurrentTxnStartOffset', openP.currentTxnStartOffset, openFirstOffset);
  check('producers: committed CurrentTxnStartOffset', committedP.currentTxnStartOffset, -1);
  check('producers: open epoch', openP.producerEpoch, openState.producerEpoch);
  check('producers: committed epoch', committedP.producerEpoch, committedState.producerEpoch);
  check('producers: open LastSequence', openP.lastSequence, 4);
  check('producers: committed LastSequence', committedP.lastSequence, 4);
  check('producers: open LastTimestamp set', openP.lastTimestamp > 0, true);
  // No marker written for the open producer yet (Kafka: -1); the commit marker set the other's.
  check('producers: open CoordinatorEpoch', openP.coordinatorEpoch, -1);
  check('producers: committed CoordinatorEpoch >= 0', committedP.coordinatorEpoch >= 0, true);
  const unkParts = producersUnknown.topics.flatMap((t) => t.partitions.map((p) => [t.name, p.partitionIndex, p.errorCode, p.activeProducers.length]));
  check('producers: unknown topic / partition', unkParts.sort(), [
    ['no-such-topic', 0, ERR.UNKNOWN_TOPIC_OR_PARTITION, 0],
    [topic, 0, ERR.NONE, 2],
    [topic, 7, ERR.UNKNOWN_TOPIC_OR_PARTITION, 0]].sort());

  const out = {
    list_all: ours(listAll1),
    list_ongoing: ours(listOngoing),
    list_unknown_filter: { unknown: listUnknownOnly.unknownStateFilters, listed: listUnknownOnly.transactionStates.length },
    open: { state: openState.transactionState, topics: openState.topics, timeout_ms: openState.transactionTimeoutMs,
      producer_id: openState.producerId, epoch: openState.producerEpoch },
    committed: { state: committedState.transactionState, timeout_ms: committedState.transactionTimeoutMs,
      producer_id: committedState.producerId, epoch: committedState.producerEpoch },
    describe_unknown_error: unk[0]?.errorCode,
    open_first_offset: openFirstOffset,
    producers: { open_txn_start: openP.currentTxnStartOffset, committed_txn_start: committedP.currentTxnStartOffset,
      open_last_seq: openP.lastSequence, committed_last_seq: committedP.lastSequence, count: active.length },
    producers_unknown: unkParts,
    problems,
  };
  console.log(JSON.stringify(out));

  await openProducer.close(true).catch(() => {});
  await committedProducer.close().catch(() => {});
  process.exit(problems.length ? 1 : 0);
}

main().catch((e) => { console.error(e.stack || String(e)); process.exit(2); });
