// Drives searchd's OpenSearch dialect with the official OpenSearch
// JavaScript client. opensearch/client_test.go starts searchd and runs it:
//   OS_URL      the OpenSearch listener (searchd --opensearch-addr)
//   V1_URL      searchd's /v1 API on the same data directory
//   CORPUS      testdata/demo/corpus.jsonl (500 SciFact abstracts)
//   EXPORT_DIR  `indexer export --format opensearch --name exported` of the
//               demo corpus built as index "demo"
//   OPENSEARCH_JS  the client package directory (.cache/opensearch-js/...)
// Exits non-zero at the first failed check; prints one line per check.
'use strict';

const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { Client, errors } = require(process.env.OPENSEARCH_JS || '@opensearch-project/opensearch');

const client = new Client({ node: process.env.OS_URL, auth: { username: 'sparrow', password: 'test-key' } });
const V1 = process.env.V1_URL;
let checks = 0;

function ok(name) {
  checks++;
  console.log(`ok ${checks} - ${name}`);
}

// fails runs fn and returns the ResponseError it must throw.
async function fails(fn, status) {
  try {
    await fn();
  } catch (err) {
    assert.ok(err instanceof errors.ResponseError, `expected a ResponseError, got ${err}`);
    assert.equal(err.meta.statusCode, status, JSON.stringify(err.meta.body));
    return err.meta.body;
  }
  assert.fail(`expected HTTP ${status}`);
}

async function v1(method, p, body) {
  const res = await fetch(V1 + p, {
    method,
    headers: { 'Content-Type': 'application/json', Authorization: 'Bearer test-key' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = await res.json();
  assert.ok(res.ok, `${method} ${p}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

const ids = (res) => res.body.hits.hits.map((h) => h._id);
const search = (index, body, params = {}) => client.search({ index, body, ...params });
const neural = (text, extra = {}) => ({ neural_sparse: { sparse_embedding: { query_text: text, ...extra } } });

// sameTopK checks two ranked lists agree, allowing documents of equal score
// (within float32 rounding) to swap places.
function sameTopK(a, b, what) {
  assert.equal(a.length, b.length, `${what}: ${a.length} vs ${b.length} hits`);
  for (let i = 0; i < a.length; i++) {
    const rel = Math.abs(a[i].score - b[i].score) / Math.max(1e-9, Math.abs(b[i].score));
    assert.ok(rel < 1e-5, `${what}: score ${i} ${a[i].score} vs ${b[i].score}`);
  }
  const key = (l) => l.map((h) => `${h.score.toPrecision(6)} ${h.id}`).sort();
  assert.deepEqual(key(a), key(b), `${what}: different documents`);
}

async function main() {
  const corpus = fs.readFileSync(process.env.CORPUS, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(corpus.length, 500);

  const info = await client.info();
  assert.match(info.body.version.number, /^\d+\.\d+\.\d+$/);
  ok(`GET / reports version ${info.body.version.number}`);

  // --- create with a mapping -------------------------------------------
  await client.indices.delete({ index: 'papers' }, { ignore: [404] });
  assert.equal((await client.indices.exists({ index: 'papers' })).body, false);
  await client.indices.create({
    index: 'papers',
    body: {
      settings: { index: { number_of_shards: 1, number_of_replicas: 0 } },
      mappings: {
        properties: {
          title: { type: 'text' },
          text: { type: 'text' },
          sparse_embedding: { type: 'rank_features' },
          year: { type: 'integer' },
          views: { type: 'long' },
          cat: { type: 'keyword' },
          published: { type: 'date' },
        },
      },
    },
  });
  assert.equal((await client.indices.exists({ index: 'papers' })).body, true);
  const mapping = await client.indices.getMapping({ index: 'papers' });
  assert.equal(mapping.body.papers.mappings.properties.sparse_embedding.type, 'rank_features');
  ok('indices.create with mappings, indices.exists, getMapping');

  // --- bulk 500 documents, encoded by the index's model -------------------
  const cats = ['a', 'b', 'c'];
  const body = corpus.flatMap((d, i) => [
    { index: { _index: 'papers', _id: d._id } },
    {
      title: d.title, text: d.text, year: 2000 + (i % 25), views: i, cat: cats[i % 3],
      published: `20${String(10 + (i % 12)).padStart(2, '0')}-03-0${1 + (i % 9)}`,
    },
  ]);
  const bulk = await client.bulk({ body });
  assert.equal(bulk.body.errors, false, JSON.stringify(bulk.body.items.find((it) => it.index.error)));
  assert.equal(bulk.body.items.length, 500);
  assert.ok(bulk.body.items.every((it) => it.index.status === 201 && it.index.result === 'created'));
  ok('bulk 500 documents: every item 201 created, errors false');

  // Per-item failures: a non-numeric rank_features weight is that item's
  // 400 (keyed by its action), the others are written.
  const mixed = await client.bulk({
    index: 'papers',
    body: [
      { index: { _id: 'vec-1' } }, { title: 'Given vector', sparse_embedding: { sparrow: 2.5, flight: 1 }, cat: 'v' },
      { create: { _id: 'bad-1' } }, { title: 'Bad vector', sparse_embedding: { sparrow: 'heavy' } },
      { create: { _id: corpus[0]._id } }, { title: 'exists already' },
      { delete: { _id: 'never-there' } },
    ],
  });
  assert.equal(mixed.body.errors, true);
  const [good, bad, dup, del] = mixed.body.items;
  assert.equal(good.index.status, 201);
  assert.equal(bad.create.status, 400);
  assert.equal(bad.create.error.type, 'mapper_parsing_exception');
  assert.equal(dup.create.status, 409);
  assert.equal(dup.create.error.type, 'version_conflict_engine_exception');
  assert.equal(del.delete.status, 404);
  assert.equal(del.delete.result, 'not_found');
  ok('bulk per-item results: 201, 400 mapper_parsing_exception, 409 on create, 404 not_found delete');

  await client.indices.refresh({ index: 'papers' }); // the client sends GET
  const count = await client.count({ index: 'papers' });
  assert.equal(count.body.count, 501);
  const countA = await client.count({ index: 'papers', body: { query: { term: { cat: 'a' } } } });
  assert.equal(countA.body.count, 167);
  ok('indices.refresh; count 501; count with a term query 167');

  // --- neural_sparse -----------------------------------------------------
  const q = 'vitamin D deficiency and bone health';
  const plain = await search('papers', { query: neural(q) });
  assert.equal(plain.body.hits.hits.length, 10);
  const withAnalyzer = await search('papers', { query: neural(q, { analyzer: 'bert-uncased' }) });
  const withModel = await search('papers', { query: neural(q, { model_id: 'any-tokenizer-model' }) });
  assert.deepEqual(ids(withAnalyzer), ids(plain));
  assert.deepEqual(ids(withModel), ids(plain));
  ok('neural_sparse query_text: the same hits with and without analyzer / model_id');

  const explained = await v1('POST', '/v1/indexes/papers/search', { query: q, k: 10, explain: true });
  const tokens = Object.fromEntries(explained.query_tokens.map((t) => [t.token, t.weight]));
  const byTokens = await search('papers', { query: { neural_sparse: { sparse_embedding: { query_tokens: tokens } } } });
  assert.deepEqual(ids(byTokens), ids(plain));
  assert.deepEqual(ids(plain), explained.hits.map((h) => h.id));
  ok('neural_sparse query_tokens = query_text = /v1 search on the same index');

  const given = await search('papers', { query: { neural_sparse: { sparse_embedding: { query_tokens: { sparrow: 1 } } } } });
  assert.equal(given.body.hits.hits[0]._id, 'vec-1');
  assert.ok(Math.abs(given.body.hits.hits[0]._score - 2.5) < 1e-6);
  ok('a document with its rank_features field is indexed with the given vector');

  // --- size, from, _source ---------------------------------------------------
  const page = await search('papers', { query: neural(q), from: 5, size: 5 });
  assert.deepEqual(ids(page), ids(plain).slice(5, 10));
  const onlyTitle = await search('papers', { query: neural(q), size: 3, _source: ['title'] });
  assert.deepEqual(Object.keys(onlyTitle.body.hits.hits[0]._source), ['title']);
  const noSource = await search('papers', { query: neural(q), size: 3, _source: false });
  assert.equal(noSource.body.hits.hits[0]._source, undefined);
  const excl = await search('papers', { query: neural(q), size: 1, _source: { excludes: ['sparse_embedding', 'text'] } });
  assert.deepEqual(Object.keys(excl.body.hits.hits[0]._source).sort(), ['cat', 'published', 'title', 'views', 'year']);
  ok('from/size paging; _source includes, false, excludes');

  // --- match, term, terms, bool --------------------------------------------
  const match = await search('papers', { query: { match: { text: 'vitamin deficiency' } } });
  assert.ok(match.body.hits.hits.length > 0);
  const v1bm25 = await v1('POST', '/v1/indexes/papers/search', { query: 'vitamin deficiency', k: 10, mode: 'bm25' });
  assert.deepEqual(ids(match), v1bm25.hits.map((h) => h.id));
  ok('match = /v1 bm25');

  const filtered = await search('papers', {
    size: 50,
    query: { bool: { must: [neural(q)], filter: [{ term: { cat: 'b' } }, { terms: { year: [2001, 2004, '2007'] } }], must_not: [{ term: { views: 4 } }] } },
  });
  assert.ok(filtered.body.hits.hits.length > 0);
  for (const h of filtered.body.hits.hits) {
    assert.equal(h._source.cat, 'b');
    assert.ok([2001, 2004, 2007].includes(h._source.year), `year ${h._source.year}`);
    assert.notEqual(h._source.views, 4);
  }
  ok('bool must neural_sparse + filter term (keyword) + terms (integer) + must_not (long)');

  const dated = await search('papers', { size: 100, query: { bool: { filter: { term: { published: '2013-03-04T00:00:00Z' } } } } });
  assert.ok(dated.body.hits.hits.length > 0);
  for (const h of dated.body.hits.hits) {
    assert.equal(h._source.published, '2013-03-04T00:00:00.000Z');
  }
  const either = await search('papers', { size: 0, query: { bool: { should: [{ term: { cat: 'a' } }, { term: { cat: 'c' } }] } } });
  assert.equal(either.body.hits.total.value, 333);
  const all = await search('papers', { size: 2, query: { match_all: {} } });
  assert.equal(all.body.hits.total.value, 501);
  ok('date term filter; bool should of terms (OR); match_all total');

  // --- hybrid with a search pipeline -----------------------------------------
  await client.transport.request({
    method: 'PUT',
    path: '/_search/pipeline/nlp-search-pipeline',
    body: {
      phase_results_processors: [{
        'normalization-processor': {
          normalization: { technique: 'min_max' },
          combination: { technique: 'arithmetic_mean', parameters: { weights: [0.3, 0.7] } },
        },
      }],
    },
  });
  const hybrid = await search('papers', {
    _source: { excludes: ['sparse_embedding'] },
    query: { hybrid: { queries: [neural(q), { match: { text: { query: q } } }] } },
  }, { search_pipeline: 'nlp-search-pipeline' });
  assert.equal(hybrid.body.hits.hits.length, 10);
  for (const h of hybrid.body.hits.hits) {
    assert.ok(h._score >= 0 && h._score <= 1.000001, `hybrid score ${h._score}`);
  }
  ok('hybrid neural_sparse + match through a normalization-processor pipeline');

  // --- single documents ------------------------------------------------------
  const created = await client.index({ index: 'papers', id: 'n1', body: { title: 'Sparrows', text: 'Small birds.', cat: 'n' } });
  assert.equal(created.body.result, 'created');
  const updated = await client.index({ index: 'papers', id: 'n1', body: { title: 'Sparrows', text: 'Small brown birds.', cat: 'n' } });
  assert.equal(updated.body.result, 'updated');
  const conflict = await fails(() => client.create({ index: 'papers', id: 'n1', body: { title: 'again' } }), 409);
  assert.equal(conflict.error.type, 'version_conflict_engine_exception');
  const got = await client.get({ index: 'papers', id: 'n1' });
  assert.equal(got.body.found, true);
  assert.equal(got.body._source.text, 'Small brown birds.');
  assert.ok(got.body._source.sparse_embedding.sparrow > 0);
  assert.equal((await client.exists({ index: 'papers', id: 'n1' })).body, true);
  const deleted = await client.delete({ index: 'papers', id: 'n1' });
  assert.equal(deleted.body.result, 'deleted');
  const gone = await fails(() => client.get({ index: 'papers', id: 'n1' }), 404);
  assert.equal(gone.found, false);
  assert.equal((await client.exists({ index: 'papers', id: 'n1' })).body, false);
  ok('index (created, updated), create 409, get, exists, delete, get 404');

  // --- errors ----------------------------------------------------------------
  const missing = await fails(() => search('no-such-index', { query: { match_all: {} } }), 404);
  assert.equal(missing.error.type, 'index_not_found_exception');
  assert.equal(missing.error.root_cause[0].type, 'index_not_found_exception');
  assert.equal(missing.error.index, 'no-such-index');
  const exists = await fails(() => client.indices.create({ index: 'papers' }), 400);
  assert.equal(exists.error.type, 'resource_already_exists_exception');
  const unknown = await fails(() => search('papers', { query: { fuzzy_thing: {} } }), 400);
  assert.equal(unknown.error.type, 'parsing_exception');
  const upper = await fails(() => client.indices.create({ index: 'Papers' }), 400);
  assert.equal(upper.error.type, 'invalid_index_name_exception');
  ok('errors: 404 index_not_found_exception, 400 resource_already_exists_exception, parsing_exception, invalid_index_name_exception');

  // --- the same index under /v1, and the other way round -----------------------
  const stats = await v1('GET', '/v1/indexes/papers');
  assert.equal(stats.documents, 501);
  await v1('PUT', '/v1/indexes/fromv1');
  await v1('POST', '/v1/indexes/fromv1/documents', [{ id: 'x1', title: 'Sparrow flight', text: 'How sparrows fly.', fields: { lang: 'en' } }]);
  const seen = await search('fromv1', { query: neural('sparrow flight') });
  assert.deepEqual(ids(seen), ['x1']);
  assert.equal(seen.body.hits.hits[0]._source.lang, 'en');
  ok('an index made by /v1 is searchable here, one made here is served by /v1');

  // --- indexer export --format opensearch through _bulk = /v1 top-10 ------------
  const dir = process.env.EXPORT_DIR;
  await client.indices.delete({ index: 'exported' }, { ignore: [404] });
  await client.indices.create({ index: 'exported', body: JSON.parse(fs.readFileSync(path.join(dir, 'mapping.json'), 'utf8')) });
  let loaded = 0;
  for (const f of fs.readdirSync(dir).filter((f) => /^bulk.*\.ndjson$/.test(f)).sort()) {
    const res = await client.bulk({ body: fs.readFileSync(path.join(dir, f), 'utf8') });
    assert.equal(res.body.errors, false);
    loaded += res.body.items.length;
  }
  assert.equal(loaded, 500);
  let compared = 0;
  for (const d of corpus.slice(0, 25)) {
    const query = d.title.split(/\s+/).slice(0, 6).join(' ');
    const os = await search('exported', { size: 10, _source: false, query: neural(query) });
    const sp = await v1('POST', '/v1/indexes/demo/search', { query, k: 10 });
    sameTopK(os.body.hits.hits.map((h) => ({ id: h._id, score: h._score })), sp.hits, `query "${query}"`);
    compared++;
  }
  ok(`indexer export loaded through _bulk: neural_sparse top-10 = /v1 top-10 on ${compared} queries`);

  await client.indices.delete({ index: 'exported' });
  await client.indices.delete({ index: 'fromv1' });
  console.log(`${checks} passed, 0 failed`);
}

main().catch((err) => {
  console.error(err && err.meta ? JSON.stringify(err.meta.body) : '');
  console.error(err);
  console.log(`${checks} passed, 1 failed`);
  process.exit(1);
});
