// DescribeCluster v0-1, DescribeLogDirs v4, OffsetForLeaderEpoch v4 and ListOffsets v7 (max
// timestamp) against Brook, spoken by @platformatic/kafka's protocol layer (a JavaScript client of
// its own; its Admin class has no method for most of these, so they go through its exported
// per-version APIs on its own Connection, as txn_admin.js does). Prints one JSON line.
// Usage: node admin_extra.js HOST:PORT TOPIC   (TOPIC: 2 partitions; partition 0 holds records
// with timestamps 1000, 3000, 2000 at offsets 0-2, partition 1 is empty; made by the test)
const [bootstrap, topic] = process.argv.slice(2);
const [host, port] = [bootstrap.split(':')[0], Number(bootstrap.split(':')[1])];

const { call } = require('./pk_protocol');

async function main() {
  const pk = await import('@platformatic/kafka');
  const connection = new pk.Connection('brook-admin-extra');
  await connection.connect(host, port);
  const out = {};

  const c0 = await call(pk.describeClusterV0.api, connection, true);
  out.cluster_v0 = { error: c0.errorCode, controller: c0.controllerId, brokers: c0.brokers.map((b) => [b.brokerId, b.host, b.port]),
                     cluster_id_len: c0.clusterId.length, ops: c0.clusterAuthorizedOperations };
  const c1 = await call(pk.describeClusterV1.api, connection, false, 1);
  out.cluster_v1 = { error: c1.errorCode, endpoint: c1.endpointType, ops: c1.clusterAuthorizedOperations, same_id: c1.clusterId === c0.clusterId };
  const c1c = await call(pk.describeClusterV1.api, connection, false, 2);
  out.cluster_v1_controller = { error: c1c.errorCode, message: c1c.errorMessage };

  const d = await call(pk.describeLogDirsV4.api, connection, [{ name: topic, partitions: [0, 1, 7] }]);
  const dir = d.results[0];
  out.log_dirs = { error: d.errorCode, dirs: d.results.length, dir_error: dir.errorCode, absolute: dir.logDir.startsWith('/'),
                   topics: dir.topics.map((t) => [t.name, t.partitions.map((p) => [p.partitionIndex, p.partitionSize > 0, p.offsetLag, p.isFutureKey])]),
                   space: dir.totalBytes > 0 && dir.usableBytes > 0 && dir.usableBytes <= dir.totalBytes };
  const all = await call(pk.describeLogDirsV4.api, connection, null);
  out.log_dirs_all_has_topic = all.results[0].topics.some((t) => t.name === topic);
  out.log_dirs_missing_topic = (await call(pk.describeLogDirsV4.api, connection, [{ name: 'no-such-topic', partitions: [0] }])).results[0].topics;

  const epochs = (leaderEpoch, currentLeaderEpoch = -1, partitionIndex = 0, name = topic) =>
    call(pk.offsetForLeaderEpochV4.api, connection, -1, [{ name, partitions: [{ partitionIndex, currentLeaderEpoch, leaderEpoch }] }])
      // @platformatic/kafka 1.35 reads Partition before ErrorCode (the spec has ErrorCode, int16,
      // first): its `partition` holds ErrorCode << 16 | Partition >> 16, its `errorCode` the low
      // half of Partition. Undone here for the small values of this test.
      .then((r) => { const p = r.topics[0].partitions[0]; return [p.partition >> 16, p.leaderEpoch, p.endOffset]; });
  out.epoch = {
    current: await epochs(0),
    current_fenced_ok: await epochs(0, 0),
    newer: await epochs(5),
    undefined: await epochs(-1),
    unknown_current: await epochs(0, 3),
    empty_partition: await epochs(0, -1, 1),
    unknown_partition: await epochs(0, -1, 9),
    unknown_topic: await epochs(0, -1, 0, 'no-such-topic'),
  };

  const offsets = async (timestamp, partitionIndex = 0) => {
    const r = await call(pk.listOffsetsV7.api, connection, -1, 0, [{ name: topic, partitions: [{ partitionIndex, currentLeaderEpoch: -1, timestamp: BigInt(timestamp) }] }]);
    const p = r.topics[0].partitions[0];
    return [p.errorCode, p.offset, p.timestamp];
  };
  out.list_offsets_v7 = { max: await offsets(-3), max_empty: await offsets(-3, 1), earliest: await offsets(-2), latest: await offsets(-1),
                          local_start: await offsets(-4) };
  await connection.close();
  console.log(JSON.stringify(out));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
