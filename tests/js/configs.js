// DescribeConfigs v4 and IncrementalAlterConfigs v1 (both flexible versions) against Brook, spoken
// by @platformatic/kafka's protocol layer — a pure-JavaScript client that shares no code with
// librdkafka or kafka-python. Sets, appends to and deletes topic configs, changes a broker-wide
// dynamic default, and reads back values, sources, synonyms, types and documentation; then the
// error paths. Prints one JSON line ({"problems": [...], ...}); exits 1 on a mismatch.
// Usage: node configs.js HOST:PORT TOPIC   (the topic must exist, with retention.ms=60000)
const [bootstrap, topic] = process.argv.slice(2);
const [host, port] = [bootstrap.split(':')[0], Number(bootstrap.split(':')[1])];

const TOPIC = 2;
const BROKER = 4;
const OP = { SET: 0, DELETE: 1, APPEND: 2, SUBTRACT: 3 };
const SRC = { TOPIC: 1, DYNAMIC_BROKER: 2, DYNAMIC_DEFAULT_BROKER: 3, STATIC: 4, DEFAULT: 5 };
const ERR = { NONE: 0, INVALID_CONFIG: 40, INVALID_REQUEST: 42 };

const problems = [];
function check(what, got, want) {
  const g = JSON.stringify(got);
  const w = JSON.stringify(want);
  if (g !== w) problems.push(`${what}: got ${g}, want ${w}`);
}

// The parsers throw a ResponseError when any entry carries an error code; it holds the whole
// decoded response, which is what the error-path checks look at.
async function call(api, connection, ...args) {
  try {
    return await api.async(connection, ...args);
  } catch (e) {
    if (e && e.response) return e.response;
    throw e;
  }
}

async function main() {
  const pk = await import('@platformatic/kafka');
  const connection = new pk.Connection('brook-configs-js');
  await connection.connect(host, port);
  const describe = async (type, name, keys) => {
    const r = await call(pk.describeConfigsV4.api, connection, [{ resourceType: type, resourceName: name, configurationKeys: keys }], true, true);
    return r.results[0];
  };
  const alter = async (resources, validateOnly = false) => {
    const r = await call(pk.incrementalAlterConfigsV1.api, connection, resources, validateOnly);
    return r.responses.map((x) => [x.errorCode, x.errorMessage]);
  };
  const byName = (res) => Object.fromEntries(res.configs.map((c) => [c.name, c]));

  check('alter topic', await alter([{ resourceType: TOPIC, resourceName: topic, configs: [
    { name: 'segment.ms', configOperation: OP.SET, value: '3600000' },
    { name: 'follower.replication.throttled.replicas', configOperation: OP.APPEND, value: '0:0' },
    { name: 'retention.ms', configOperation: OP.DELETE },
  ] }]), [[ERR.NONE, null]]);
  check('alter cluster default', await alter([{ resourceType: BROKER, resourceName: '', configs: [
    { name: 'log.retention.bytes', configOperation: OP.SET, value: '1000000' },
  ] }]), [[ERR.NONE, null]]);

  const t = byName(await describe(TOPIC, topic, null));
  check('segment.ms', [t['segment.ms'].value, t['segment.ms'].configSource], ['3600000', SRC.TOPIC]);
  check('segment.ms synonyms', t['segment.ms'].synonyms.map((s) => [s.name, s.value, s.source]),
    [['segment.ms', '3600000', SRC.TOPIC], ['log.roll.ms', '604800000', SRC.DEFAULT]]);
  check('retention.ms deleted', [t['retention.ms'].value, t['retention.ms'].configSource], ['604800000', SRC.DEFAULT]);
  check('throttled list', [t['follower.replication.throttled.replicas'].value, t['follower.replication.throttled.replicas'].configType], ['0:0', 7]);
  check('retention.bytes follows the cluster default', [t['retention.bytes'].value, t['retention.bytes'].configSource],
    ['1000000', SRC.DYNAMIC_DEFAULT_BROKER]);
  check('documentation', typeof t['segment.ms'].documentation === 'string' && t['segment.ms'].documentation.length > 10, true);
  check('config type', t['segment.ms'].configType, 5);

  const b = await describe(BROKER, '', null);
  check('cluster default resource', b.configs.map((c) => [c.name, c.value, c.configSource]),
    [['log.retention.bytes', '1000000', SRC.DYNAMIC_DEFAULT_BROKER]]);
  const b0 = byName(await describe(BROKER, '0', ['log.retention.bytes', 'data.dir']));
  check('broker 0 keys', Object.keys(b0).sort(), ['data.dir', 'log.retention.bytes']);
  check('data.dir', [b0['data.dir'].readOnly, b0['data.dir'].configSource], [true, SRC.STATIC]);

  // Error paths: a bad value, an unknown broker key, a read-only broker key, APPEND on a non-list.
  const errs = await alter([
    { resourceType: TOPIC, resourceName: topic, configs: [{ name: 'segment.ms', configOperation: OP.SET, value: '0' }] },
    { resourceType: BROKER, resourceName: '', configs: [{ name: 'no.such.key', configOperation: OP.SET, value: '1' }] },
    { resourceType: BROKER, resourceName: '0', configs: [{ name: 'data.dir', configOperation: OP.SET, value: '/tmp/x' }] },
  ]);
  check('error codes', errs.map((e) => e[0]), [ERR.INVALID_CONFIG, ERR.INVALID_CONFIG, ERR.INVALID_REQUEST]);
  check('bad value message', errs[0][1], "invalid value '0' for topic config segment.ms: expected an integer >= 1");

  await connection.close();
  console.log(JSON.stringify({ problems }));
  process.exit(problems.length ? 1 : 0);
}

main().catch((e) => {
  console.error(e && e.stack ? e.stack : e);
  process.exit(2);
});
