// kafkajs' admin client (pure JavaScript, no librdkafka) on DeleteRecords and CreatePartitions:
// kafka-python 2.0.2 and confluent-kafka 1.7.0 have no delete_records, so this is the independent
// client for DeleteRecords. Prints one JSON line with what it saw.
// Usage: node admin_records.js HOST:PORT TOPIC   (TOPIC: 1 partition, 10 records, made by the test)
const { Kafka, logLevel } = require('kafkajs');

const [bootstrap, topic] = process.argv.slice(2);

async function errorType(fn) {
  try {
    await fn();
    return 'none';
  } catch (e) {
    // kafkajs wraps the broker's error (retrier, DeleteTopicRecords error): the innermost type.
    for (let x = e; x; x = x.cause || x.originalError) {
      const part = x.partitions && x.partitions[0] && x.partitions[0].error;
      if (part && part.type) return part.type;
      if (x.type) return x.type;
    }
    return e.name;
  }
}

async function main() {
  const kafka = new Kafka({ clientId: 'js-admin-records', brokers: [bootstrap], logLevel: logLevel.NOTHING,
                            retry: { retries: 0 } });
  const admin = kafka.admin();
  await admin.connect();
  const out = {};
  await admin.fetchTopicMetadata({ topics: [topic] });
  await admin.deleteTopicRecords({ topic, partitions: [{ partition: 0, offset: '4' }] });
  out.after_delete = (await admin.fetchTopicOffsets(topic)).map((p) => [p.partition, p.low, p.high]);
  // Below the current log start: nothing changes, not an error.
  await admin.deleteTopicRecords({ topic, partitions: [{ partition: 0, offset: '2' }] });
  out.after_lower = (await admin.fetchTopicOffsets(topic)).map((p) => [p.partition, p.low, p.high]);
  out.beyond_hwm = await errorType(() => admin.deleteTopicRecords({ topic, partitions: [{ partition: 0, offset: '11' }] }));
  // -1: up to the high watermark.
  await admin.deleteTopicRecords({ topic, partitions: [{ partition: 0, offset: '-1' }] });
  out.after_end = (await admin.fetchTopicOffsets(topic)).map((p) => [p.partition, p.low, p.high]);
  await admin.createPartitions({ topicPartitions: [{ topic, count: 3 }] });
  const md = await admin.fetchTopicMetadata({ topics: [topic] });
  out.partitions = md.topics[0].partitions.length;
  out.shrink = await errorType(() => admin.createPartitions({ topicPartitions: [{ topic, count: 2 }] }));
  await admin.disconnect();
  console.log(JSON.stringify(out));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
