// Calling @platformatic/kafka's exported per-version protocol APIs directly (its Admin class has
// no method for several APIs Brook serves), shared by admin_extra.js and txn_admin.js.

// JSON-friendly copy (bigints as numbers: producer ids and offsets in these tests are small).
const plain = (v) => JSON.parse(JSON.stringify(v, (_, x) => (typeof x === 'bigint' ? Number(x) : x)));

// The parsers throw a ResponseError when any entry carries an error code; it holds the whole
// decoded response, which is what the error-path checks look at.
async function call(api, connection, ...args) {
  try {
    return plain(await api.async(connection, ...args));
  } catch (e) {
    if (e && e.response) return plain(e.response);
    throw e;
  }
}

module.exports = { call };
