// Streams a generation to stdout:  node generate.js HOST:PORT "The prompt" [max_new_tokens]
'use strict';

const { connect } = require('./gptneo');

const [target = 'localhost:50051', prompt = 'Hello, my name is', maxNewTokens = '32'] = process.argv.slice(2);
const client = connect(target);

const call = client.Generate({
  prompt_text: prompt,
  sampling: { decoding: 'SAMPLE', temperature: 0.8, seed: '42' },
  stopping: { max_new_tokens: Number(maxNewTokens) },
});
call.on('data', (message) => process.stdout.write(message.text_delta));
call.on('end', () => process.stdout.write('\n'));
call.on('error', (error) => {
  console.error(`error: ${error.code} ${error.details}`);
  process.exitCode = 1;
});
