// Runs every case of a fixture's expected.json through a server's streaming Generate and
// compares the streamed token ids with the reference greedy continuation.
//   node check-fixture.js HOST:PORT path/to/expected.json
'use strict';

const fs = require('node:fs');
const { connect, waitUntilServing } = require('./gptneo');

const [target, expectedFile] = process.argv.slice(2);
const READY_TIMEOUT_MS = 120_000; // the server may still be building and loading its model

/** The ids streamed for one case: greedy, past end-of-text, as many tokens as the reference has. */
function streamedIds(client, testCase) {
  return new Promise((resolve, reject) => {
    const ids = [];
    const call = client.Generate({
      prompt_ids: { ids: testCase.input_ids },
      sampling: { decoding: 'GREEDY' },
      stopping: { max_new_tokens: testCase.greedy_new_ids.length, ignore_eos: true },
    });
    call.on('data', (message) => message.tokens.forEach((token) => ids.push(token.id)));
    call.on('end', () => resolve(ids));
    call.on('error', reject);
  });
}

async function main() {
  const { cases } = JSON.parse(fs.readFileSync(expectedFile, 'utf8'));
  const client = connect(target);
  await waitUntilServing(client, READY_TIMEOUT_MS);
  let passed = 0;
  let failed = 0;
  for (const [index, testCase] of cases.entries()) {
    try {
      const ids = await streamedIds(client, testCase);
      if (JSON.stringify(ids) === JSON.stringify(testCase.greedy_new_ids)) {
        passed++;
      } else {
        failed++;
        console.error(`case ${index}: expected ${testCase.greedy_new_ids} got ${ids}`);
      }
    } catch (error) {
      failed++;
      console.error(`case ${index}: ${error.message}`);
    }
  }
  client.close();
  console.log(`node client: ${passed} passed, ${failed} failed`);
  process.exitCode = failed === 0 && passed > 0 ? 0 : 1;
}

main().catch((error) => {
  console.error(`node client: ${error.message}`);
  process.exitCode = 1;
});
