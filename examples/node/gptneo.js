// A gptneo.v1 TextGeneration client made at run time from the .proto file: no generated code,
// nothing from the Java side. Any language with gRPC can do the same.
'use strict';

const path = require('node:path');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');

const PROTO = path.join(__dirname, '../../proto/src/main/protobuf/gptneo/v1/text_generation.proto');

const definition = protoLoader.loadSync(PROTO, {
  keepCase: true, // field names as written in the .proto: prompt_ids, max_new_tokens, ...
  longs: String, // uint64 seed
  enums: String, // finish_reason: 'LENGTH', ...
  defaults: true,
});
const { TextGeneration } = grpc.loadPackageDefinition(definition).gptneo.v1;

/** A client of the server at host:port, over plaintext. */
function connect(target) {
  return new TextGeneration(target, grpc.credentials.createInsecure());
}

/**
 * Resolves with the server's ModelInfo once it answers; until then (not listening yet, or still
 * loading its model) calls fail UNAVAILABLE and are tried again, for up to timeoutMs.
 */
async function waitUntilServing(client, timeoutMs) {
  const giveUp = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await new Promise((resolve, reject) => {
        client.GetModelInfo({}, { deadline: Date.now() + 5000 }, (error, info) => (error ? reject(error) : resolve(info)));
      });
    } catch (error) {
      if (error.code !== grpc.status.UNAVAILABLE || Date.now() > giveUp) {
        throw error;
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}

module.exports = { connect, waitUntilServing };
