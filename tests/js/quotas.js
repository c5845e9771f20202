// Client quotas (DescribeClientQuotas 48 v0, AlterClientQuotas 49 v1) against Brook, spoken by
// @platformatic/kafka's Admin client — a pure-JavaScript Kafka client that shares no code with
// librdkafka or Brook. Sets two quotas, describes them back with each match type, removes one
// key, and checks that a bad key and a bad filter come back as INVALID_REQUEST.
// Prints one JSON line {"problems": [...]}; exits 1 when a check failed.
// Usage: node quotas.js HOST:PORT   (tests/integration/test_quotas.py)
const [bootstrap] = process.argv.slice(2);
const INVALID_REQUEST = 42;

const problems = [];
function check(what, got, want) {
  const g = JSON.stringify(got);
  const w = JSON.stringify(want);
  if (g !== w) problems.push(`${what}: got ${g}, want ${w}`);
}

// The admin methods throw when an entry or the response carries an error code; the decoded
// response rides on the error (or its cause).
function errorCodeOf(e) {
  for (let x = e; x; x = x.cause) {
    if (x.response && x.response.errorCode !== undefined) return x.response.errorCode;
    if (x.response && x.response.entries) return x.response.entries.map((r) => r.errorCode).find((c) => c !== 0);
    if (x.errors) for (const y of x.errors) { const c = errorCodeOf(y); if (c !== undefined) return c; }
  }
  return undefined;
}

const sorted = (entries) => entries
  .map((e) => ({
    entity: e.entity.map((p) => `${p.entityType}=${p.entityName ?? '<default>'}`).sort().join(','),
    values: Object.fromEntries(e.values.map((v) => [v.key, v.value]).sort((a, b) => a[0].localeCompare(b[0]))),
  }))
  .sort((a, b) => a.entity.localeCompare(b.entity));

async function main() {
  const { Admin } = await import('@platformatic/kafka');
  const admin = new Admin({ clientId: 'brook-quotas-js', bootstrapBrokers: [bootstrap], retries: 0 });
  try {
    await admin.alterClientQuotas({
      entries: [
        { entities: [{ entityType: 'client-id', entityName: 'js-app' }],
          ops: [{ key: 'producer_byte_rate', value: 2048, remove: false }, { key: 'consumer_byte_rate', value: 1000, remove: false }] },
        { entities: [{ entityType: 'user', entityName: 'ANONYMOUS' }, { entityType: 'client-id', entityName: null }],
          ops: [{ key: 'consumer_byte_rate', value: 4096, remove: false }] },
      ],
    });
    check('exact js-app', sorted(await admin.describeClientQuotas({
      components: [{ entityType: 'client-id', matchType: 0, match: 'js-app' }] })),
    [{ entity: 'client-id=js-app', values: { consumer_byte_rate: 1000, producer_byte_rate: 2048 } }]);
    check('default client-id', sorted(await admin.describeClientQuotas({
      components: [{ entityType: 'client-id', matchType: 1 }] })),
    [{ entity: 'client-id=<default>,user=ANONYMOUS', values: { consumer_byte_rate: 4096 } }]);
    check('any client-id, strict', sorted(await admin.describeClientQuotas({
      components: [{ entityType: 'client-id', matchType: 2 }], strict: true })),
    [{ entity: 'client-id=js-app', values: { consumer_byte_rate: 1000, producer_byte_rate: 2048 } }]);

    await admin.alterClientQuotas({
      entries: [{ entities: [{ entityType: 'client-id', entityName: 'js-app' }],
        ops: [{ key: 'consumer_byte_rate', remove: true }] }],
    });
    check('after removing a key', sorted(await admin.describeClientQuotas({ components: [] })), [
      { entity: 'client-id=<default>,user=ANONYMOUS', values: { consumer_byte_rate: 4096 } },
      { entity: 'client-id=js-app', values: { producer_byte_rate: 2048 } },
    ]);

    // validateOnly changes nothing
    await admin.alterClientQuotas({
      entries: [{ entities: [{ entityType: 'client-id', entityName: 'js-dry' }],
        ops: [{ key: 'producer_byte_rate', value: 1, remove: false }] }],
      validateOnly: true,
    });
    check('validateOnly', sorted(await admin.describeClientQuotas({
      components: [{ entityType: 'client-id', matchType: 0, match: 'js-dry' }] })), []);

    let code;
    try {
      await admin.alterClientQuotas({
        entries: [{ entities: [{ entityType: 'client-id', entityName: 'js-bad' }],
          ops: [{ key: 'producer_byte_rate', value: -1, remove: false }] }],
      });
    } catch (e) { code = errorCodeOf(e); }
    check('negative rate', code, INVALID_REQUEST);
  } finally {
    await admin.close();
  }
}

main().then(() => {
  console.log(JSON.stringify({ problems }));
  process.exit(problems.length ? 1 : 0);
}).catch((e) => {
  console.error(e);
  process.exit(2);
});
